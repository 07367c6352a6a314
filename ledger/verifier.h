// Offline verification of a ledger: walks every tenant's chain in the
// store and reports, per tenant, the first entry that breaks it. Used by
// `portcullis ledger verify` and by tests; it needs no keys and no running
// gate. Stateless functions; thread-safe.
#ifndef PORTCULLIS_LEDGER_VERIFIER_H_
#define PORTCULLIS_LEDGER_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "ledger/key_value_store.h"

namespace portcullis::ledger {

// The first problem found in one tenant's chain.
struct ChainBreak {
  std::string tenant;
  uint64_t sequence = 0;  // the entry at which the chain breaks
  std::string reason;     // a sentence: what is wrong there
};

struct VerifyReport {
  uint64_t tenants = 0;
  uint64_t entries = 0;
  std::vector<ChainBreak> breaks;  // at most one per tenant

  bool clean() const { return breaks.empty(); }
};

struct VerifyOptions {
  // Verify only this tenant; every tenant when empty.
  std::string tenant;
  // Called after each verified entry, e.g. to draw a progress bar.
  std::function<void(uint64_t entries_done)> progress;
};

// Verifies every chain in `store`: that each entry decodes, sits under the
// key of its own tenant and sequence, follows its predecessor without a
// gap, names its predecessor's hash, hashes to its stored hash, matches its
// payload's digest, and that the chain ends where its head record says.
// Returns an error only when the store cannot be read; tampering is
// reported in the VerifyReport.
absl::StatusOr<VerifyReport> VerifyLedger(const KeyValueStore& store,
                                          const VerifyOptions& options = {});

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_VERIFIER_H_
