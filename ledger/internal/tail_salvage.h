// Internal to ledger/: the salvage of entries stored past a chain's head
// (`portcullis ledger recover`, issue 15). A write torn between its entries
// and its head record, or entries added behind the gate's back, leave a
// chain that the start-up check refuses (CheckTail): this keeps what
// verifies and removes the rest, for the caller to record what was dropped.
// Not thread-safe: run on a store no ledger has open.
#ifndef PORTCULLIS_LEDGER_INTERNAL_TAIL_SALVAGE_H_
#define PORTCULLIS_LEDGER_INTERNAL_TAIL_SALVAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/key_value_store.h"

namespace portcullis::ledger::ledger_internal {

struct DroppedTail {
  std::string tenant;
  uint64_t kept_through = 0;     // the chain now ends here (0: empty)
  uint64_t dropped_from = 0;     // the first entry removed
  uint64_t dropped_through = 0;  // the last entry removed
};

// For each tenant with entries (the ledger's own chain included): with a
// head record that decodes and names its entry, keeps the entries up to
// the head; with no head record, keeps the entries from 1 that verify
// (decode, sit at their sequence, link, hash to their recorded hash) and
// writes a head for them (version 1: the loader rebuilds its tree). The
// entries past what is kept are deleted with their payloads, their
// decision index keys and any "latest" index naming them (pointed back to
// the latest kept entry of that kind). A chain whose head is malformed or
// names a missing entry is left alone (the start-up check refuses it).
// Returns what was dropped, one element per chain changed; Unavailable
// when the store fails.
absl::StatusOr<std::vector<DroppedTail>> DropEntriesPastHeads(
    KeyValueStore& store);

}  // namespace portcullis::ledger::ledger_internal

#endif  // PORTCULLIS_LEDGER_INTERNAL_TAIL_SALVAGE_H_
