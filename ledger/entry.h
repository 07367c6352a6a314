// Ledger entries and their canonical encoding (docs/ledger.md).
//
// An entry is one step in a tenant's history: a decision, an approval, an
// execution. Its hash chains it to the one before:
//
//   hash = BLAKE2b-256("portcullis/ledger/entry/v1" 0x00 ||
//                      previous_hash || canonical_entry)
//
// The canonical entry commits to the payload through its digest, not its
// bytes, so a payload can later be pruned (retention) or encrypted without
// breaking the chain. Plain values; thread-safe for concurrent const use.
#ifndef PORTCULLIS_LEDGER_ENTRY_H_
#define PORTCULLIS_LEDGER_ENTRY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/hash.h"

namespace portcullis::ledger {

// What a caller asks the ledger to append. The ledger assigns the sequence
// and the chain hashes.
struct EntryDraft {
  std::string tenant;
  absl::Time time;
  // What happened, e.g. "action.evaluated". 1..64 characters of [a-z._].
  std::string kind;
  std::string request_id;
  std::string correlation_id;
  std::string decision_id;
  // Empty, or the 32-byte digest of the action concerned.
  std::string action_digest;
  // The record, serialized (ledger/v1 records.proto).
  std::string payload;
  // Makes this entry what Ledger::Latest(tenant, kind) returns until a
  // later one of its kind is indexed. It costs a key per entry, so only
  // for the rare kinds looked up that way (halts and resumes), never for
  // every decision.
  bool index_latest = false;
};

// The canonical encoding's version byte. Version 1 entries (written before
// payload encryption) store the payload bytes as they are; version 2
// entries store a framed payload: 0x00 || plaintext, or 0x01 || a sealed
// envelope (sealed_payload.h). Version 3 entries are version 2 entries
// that also name the replica (the gate, one of several serving the same
// agents) that wrote them; the ledger writes them when it is given a
// replica name (LedgerOptions::replica). Every version decodes and
// verifies.
inline constexpr uint8_t kEntryVersion1 = 1;
inline constexpr uint8_t kEntryVersion2 = 2;
inline constexpr uint8_t kEntryVersion3 = 3;

// Whether `version` is one this code decodes.
inline bool IsKnownEntryVersion(uint32_t version) {
  return version >= kEntryVersion1 && version <= kEntryVersion3;
}

struct Entry {
  uint8_t version = kEntryVersion2;
  uint64_t sequence = 0;  // 1 for a tenant's first entry, gap-free.
  absl::Time time;
  std::string tenant;
  std::string kind;
  std::string request_id;
  std::string correlation_id;
  std::string decision_id;
  std::string action_digest;
  // Version 3: the replica that wrote the entry (base/identifiers.h,
  // ValidateReplicaName); empty in versions 1 and 2, which name none.
  std::string replica;
  crypto::Digest payload_digest{};
  crypto::Digest previous_hash{};  // all zero for sequence 1
  crypto::Digest hash{};
  // The plaintext payload as the caller appended it (Ledger::Read opens
  // sealed payloads). Absent when it has been pruned or was not loaded.
  std::optional<std::string> payload;
};

// Returns BLAKE2b-256 of the payload as stored (for version 2, the framed
// and possibly sealed bytes) under its own domain tag.
crypto::Digest PayloadDigest(absl::string_view stored_payload);

// The canonical encoding of the hashed fields (everything but the hashes).
std::string EncodeCanonicalEntry(const Entry& entry);

// Computes `entry.hash` from its fields and previous_hash.
crypto::Digest ComputeEntryHash(const Entry& entry);

// The stored form: canonical entry || previous_hash || hash.
std::string EncodeStoredEntry(const Entry& entry);

// Parses a stored entry (without its payload). Returns DataLoss when the
// bytes do not decode exactly; the hashes are not checked here.
absl::StatusOr<Entry> DecodeStoredEntry(absl::string_view bytes);

// The same into `out`, reusing the storage of its strings (a walk over
// many entries allocates once). On error `out` is unspecified; its
// payload is left as it was.
absl::Status DecodeStoredEntry(absl::string_view bytes, Entry& out);

// The hash of a stored entry computed from its bytes, without decoding and
// encoding it again: equal to ComputeEntryHash of what DecodeStoredEntry
// returns. Precondition: `stored` decodes (DecodeStoredEntry succeeded).
crypto::Digest StoredEntryHash(absl::string_view stored);

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_ENTRY_H_
