// Evidence read straight from a ledger's store, without a Ledger (so it
// works on a database opened read-only beside a running gate): entries
// with their payloads as stored, signed checkpoints, and Merkle proofs.
// `portcullis ledger export` builds on these. Stateless; thread-safe.
#ifndef PORTCULLIS_LEDGER_EVIDENCE_H_
#define PORTCULLIS_LEDGER_EVIDENCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "crypto/hash.h"
#include "ledger/entry.h"
#include "ledger/key_value_store.h"

namespace portcullis::ledger {

struct StoredEntry {
  Entry entry;  // entry.payload is not set
  // The payload as stored (framed, perhaps sealed); absent when pruned.
  std::optional<std::string> stored_payload;
};

// Calls `visit` with entries `from`..`to` of `tenant` in order until it
// returns false. Returns DataLoss when one is missing or does not decode.
absl::Status ReadStoredEntries(
    const KeyValueStore& store, absl::string_view tenant, uint64_t from,
    uint64_t to, absl::FunctionRef<bool(const StoredEntry&)> visit);

// Every signed checkpoint note of `tenant`, by ascending size.
absl::StatusOr<std::vector<std::string>> CheckpointNotes(
    const KeyValueStore& store, absl::string_view tenant);

// The Merkle root of `tenant`'s first `size` entries.
absl::StatusOr<crypto::Digest> TreeRoot(const KeyValueStore& store,
                                        absl::string_view tenant,
                                        uint64_t size);

// The inclusion proof of entry `sequence` in the tree of `tree_size`
// entries (leaf index sequence - 1). InvalidArgument when it is not in it.
absl::StatusOr<std::vector<crypto::Digest>> InclusionProof(
    const KeyValueStore& store, absl::string_view tenant, uint64_t sequence,
    uint64_t tree_size);

// The consistency proof from the tree of `old_size` entries to the tree
// of `new_size`.
absl::StatusOr<std::vector<crypto::Digest>> ConsistencyProof(
    const KeyValueStore& store, absl::string_view tenant, uint64_t old_size,
    uint64_t new_size);

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_EVIDENCE_H_
