// The byte-level building blocks of every canonical encoding Portcullis
// hashes or signs: the action digest, ledger entries, approvals, receipts.
// Fixed-width integers are big-endian; strings carry a 4-byte big-endian
// length prefix, so no field can run into the next. docs/action-digest.md
// and docs/ledger.md specify the layouts built from these pieces.
//
// Writer and Reader are cheap value types, not thread-safe.
#ifndef PORTCULLIS_BASE_CANONICAL_ENCODING_H_
#define PORTCULLIS_BASE_CANONICAL_ENCODING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis {

class CanonicalWriter {
 public:
  // A single tag byte (a type marker or a version).
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void U32(uint32_t v);
  void U64(uint64_t v);
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  // Length-prefixed: u32 length, then the bytes. Strings longer than 4 GiB
  // cannot occur: every input is bounded far below that.
  void String(absl::string_view s);
  // Raw bytes of a fixed, known width (digests), without a prefix.
  void Fixed(absl::string_view bytes) {
    out_.append(bytes.data(), bytes.size());
  }

  const std::string& bytes() const { return out_; }
  std::string Release() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what a CanonicalWriter wrote. Every read checks bounds and returns
// DataLoss on truncated input, so a corrupted record is reported, never
// read past.
class CanonicalReader {
 public:
  explicit CanonicalReader(absl::string_view in) : in_(in) {}

  absl::StatusOr<uint8_t> Byte();
  absl::StatusOr<uint32_t> U32();
  absl::StatusOr<uint64_t> U64();
  absl::StatusOr<int64_t> I64();
  absl::StatusOr<absl::string_view> String();
  absl::StatusOr<absl::string_view> Fixed(size_t n);

  bool done() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  absl::string_view in_;
};

}  // namespace portcullis

#endif  // PORTCULLIS_BASE_CANONICAL_ENCODING_H_
