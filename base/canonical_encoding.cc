#include "base/canonical_encoding.h"

#include "absl/strings/str_cat.h"

namespace portcullis {
namespace {

void StoreBigEndian(uint64_t v, int width, std::string& out) {
  for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t LoadBigEndian(absl::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

absl::Status Truncated(size_t wanted, size_t have) {
  return absl::DataLossError(absl::StrCat("truncated encoding: needed ", wanted,
                                          " bytes, ", have, " left"));
}

}  // namespace

void CanonicalWriter::U32(uint32_t v) { StoreBigEndian(v, 4, out_); }

void CanonicalWriter::U64(uint64_t v) { StoreBigEndian(v, 8, out_); }

void CanonicalWriter::String(absl::string_view s) {
  U32(static_cast<uint32_t>(s.size()));
  out_.append(s.data(), s.size());
}

absl::StatusOr<absl::string_view> CanonicalReader::Fixed(size_t n) {
  if (in_.size() < n) return Truncated(n, in_.size());
  absl::string_view out = in_.substr(0, n);
  in_.remove_prefix(n);
  return out;
}

absl::StatusOr<uint8_t> CanonicalReader::Byte() {
  auto b = Fixed(1);
  if (!b.ok()) return b.status();
  return static_cast<uint8_t>((*b)[0]);
}

absl::StatusOr<uint32_t> CanonicalReader::U32() {
  auto b = Fixed(4);
  if (!b.ok()) return b.status();
  return static_cast<uint32_t>(LoadBigEndian(*b));
}

absl::StatusOr<uint64_t> CanonicalReader::U64() {
  auto b = Fixed(8);
  if (!b.ok()) return b.status();
  return LoadBigEndian(*b);
}

absl::StatusOr<int64_t> CanonicalReader::I64() {
  auto v = U64();
  if (!v.ok()) return v.status();
  return static_cast<int64_t>(*v);
}

absl::StatusOr<absl::string_view> CanonicalReader::String() {
  auto n = U32();
  if (!n.ok()) return n.status();
  return Fixed(*n);
}

}  // namespace portcullis
