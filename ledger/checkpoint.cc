#include "ledger/checkpoint.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/identifiers.h"
#include "crypto/key_file.h"
#include "crypto/sha256.h"

namespace portcullis::ledger {
namespace {

constexpr absl::string_view kOriginPrefix = "portcullis/checkpoint/v1/";
constexpr absl::string_view kEmDash = "\xE2\x80\x94";  // U+2014
constexpr char kEd25519Algorithm = 0x01;

uint32_t KeyHash(absl::string_view name, const crypto::VerifyingKey& key) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(kEd25519Algorithm);
  input.append(key.bytes().data(), key.bytes().size());
  crypto::Digest d = crypto::Sha256(input);
  return (uint32_t{d[0]} << 24) | (uint32_t{d[1]} << 16) |
         (uint32_t{d[2]} << 8) | uint32_t{d[3]};
}

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string FormatBody(const Checkpoint& c) {
  return absl::StrCat(
      CheckpointOrigin(c.key_id, c.tenant), "\n", c.size, "\n",
      absl::Base64Escape(crypto::AsBytes(c.root)), "\n", "head ",
      absl::Base64Escape(crypto::AsBytes(c.head)), "\n", "time ",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", c.time, absl::UTCTimeZone()),
      "\n", c.replica.empty() ? "" : absl::StrCat("replica ", c.replica, "\n"));
}

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("not a portcullis checkpoint: ", what));
}

absl::StatusOr<crypto::Digest> DecodeHash(absl::string_view text,
                                          absl::string_view what) {
  std::string bytes;
  crypto::Digest d;
  if (!absl::Base64Unescape(text, &bytes) ||
      !crypto::DigestFromBytes(bytes, d)) {
    return Malformed(absl::StrCat(what, " is not a base64 32-byte hash"));
  }
  return d;
}

absl::Status ParseOrigin(absl::string_view origin, Checkpoint& c) {
  if (!absl::ConsumePrefix(&origin, kOriginPrefix)) {
    return Malformed("the origin line does not start with " +
                     std::string(kOriginPrefix));
  }
  std::vector<std::string> parts = absl::StrSplit(origin, '/');
  if (parts.size() != 2 || parts[0].size() != 16 ||
      (parts[1] != "_ledger" && !ValidateTenantId(parts[1]).ok())) {
    return Malformed("the origin line is not <prefix>/<key id>/<tenant>");
  }
  c.key_id = parts[0];
  c.tenant = parts[1];
  return absl::OkStatus();
}

absl::Status ParseBody(absl::string_view body, Checkpoint& c) {
  std::vector<absl::string_view> lines = absl::StrSplit(body, '\n');
  // The body ends with a newline, so the split ends with an empty piece.
  if (lines.size() < 6 || !lines.back().empty()) {
    return Malformed("expected origin, size, root, head and time lines");
  }
  if (absl::Status s = ParseOrigin(lines[0], c); !s.ok()) return s;
  if (lines[1].empty() || (lines[1].size() > 1 && lines[1][0] == '0') ||
      !absl::SimpleAtoi(lines[1], &c.size)) {
    return Malformed("the size line is not a decimal number");
  }
  absl::StatusOr<crypto::Digest> root = DecodeHash(lines[2], "the root");
  if (!root.ok()) return root.status();
  c.root = *root;
  absl::string_view head = lines[3], time = lines[4];
  if (!absl::ConsumePrefix(&head, "head ")) return Malformed("no head line");
  absl::StatusOr<crypto::Digest> head_hash = DecodeHash(head, "the head");
  if (!head_hash.ok()) return head_hash.status();
  c.head = *head_hash;
  std::string error;
  if (!absl::ConsumePrefix(&time, "time ") ||
      !absl::ParseTime(absl::RFC3339_full, time, &c.time, &error)) {
    return Malformed("the time line is not RFC 3339");
  }
  // Optional extension lines after the time: one `replica <name>`.
  for (size_t i = 5; i + 1 < lines.size(); ++i) {
    absl::string_view replica = lines[i];
    if (i != 5 || !absl::ConsumePrefix(&replica, "replica ") ||
        !ValidateReplicaName(replica).ok()) {
      return Malformed("an extension line is not \"replica <name>\"");
    }
    c.replica = std::string(replica);
  }
  return absl::OkStatus();
}

}  // namespace

std::string CheckpointOrigin(absl::string_view key_id,
                             absl::string_view tenant) {
  return absl::StrCat(kOriginPrefix, key_id, "/", tenant);
}

std::string NoteKeyName(const crypto::VerifyingKey& key) {
  return absl::StrCat("portcullis-gate-", crypto::KeyId(key));
}

std::string NoteVerifierKey(const crypto::VerifyingKey& key) {
  std::string name = NoteKeyName(key);
  std::string raw(1, kEd25519Algorithm);
  raw.append(key.bytes().data(), key.bytes().size());
  return absl::StrCat(name, "+",
                      absl::BytesToHexString(BigEndian32(KeyHash(name, key))),
                      "+", absl::Base64Escape(raw));
}

std::string SignCheckpoint(Checkpoint checkpoint,
                           const crypto::SigningKey& key) {
  checkpoint.key_id = crypto::KeyId(key.verifying_key());
  std::string body = FormatBody(checkpoint);
  std::string name = NoteKeyName(key.verifying_key());
  std::string signature =
      BigEndian32(KeyHash(name, key.verifying_key())) + key.Sign(body);
  return absl::StrCat(body, "\n", kEmDash, " ", name, " ",
                      absl::Base64Escape(signature), "\n");
}

absl::StatusOr<SignedCheckpoint> ParseCheckpoint(absl::string_view note) {
  size_t split = note.find("\n\n");
  if (split == absl::string_view::npos) {
    return Malformed("no blank line before the signatures");
  }
  SignedCheckpoint out;
  out.body = std::string(note.substr(0, split + 1));
  if (absl::Status s = ParseBody(out.body, out.checkpoint); !s.ok()) return s;
  absl::string_view line = note.substr(split + 2);
  if (!absl::ConsumeSuffix(&line, "\n") ||
      line.find('\n') != absl::string_view::npos ||
      !absl::ConsumePrefix(&line, kEmDash) ||
      !absl::ConsumePrefix(&line, " ")) {
    return Malformed("expected one signature line \"— <name> <signature>\"");
  }
  std::vector<std::string> parts = absl::StrSplit(line, ' ');
  std::string raw;
  if (parts.size() != 2 || parts[0].empty() ||
      !absl::Base64Unescape(parts[1], &raw) ||
      raw.size() != 4 + crypto::kEd25519SignatureSize) {
    return Malformed("the signature line is not \"— <name> <base64>\"");
  }
  out.key_name = parts[0];
  out.key_hash = (uint32_t{static_cast<uint8_t>(raw[0])} << 24) |
                 (uint32_t{static_cast<uint8_t>(raw[1])} << 16) |
                 (uint32_t{static_cast<uint8_t>(raw[2])} << 8) |
                 uint32_t{static_cast<uint8_t>(raw[3])};
  out.signature = raw.substr(4);
  return out;
}

bool VerifyCheckpointSignature(const SignedCheckpoint& note,
                               const crypto::VerifyingKey& key) {
  std::string name = NoteKeyName(key);
  return note.key_name == name && note.key_hash == KeyHash(name, key) &&
         note.checkpoint.key_id == crypto::KeyId(key) &&
         key.Verify(note.body, note.signature);
}

}  // namespace portcullis::ledger
