// Offline verification of a ledger: walks every tenant's chain in the
// store and reports, per tenant, the first entry that breaks it. Checks the
// encodings, gap-free sequences, the chain hashes, the payload digests, the
// head record, and every signed checkpoint: its signature (with the gate's
// public key), that it names this tenant, and that its size, Merkle root
// and head hash match the chain — so entries removed behind a checkpoint
// and rewritten histories are found, and checkpoints agree with each other
// (they are all prefixes of one tree). Payloads removed by retention are
// counted as pruned, not as tampering. Used by `portcullis ledger verify`
// and by tests; it needs no secret and no running gate. Stateless
// functions; thread-safe.
#ifndef PORTCULLIS_LEDGER_VERIFIER_H_
#define PORTCULLIS_LEDGER_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
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
  uint64_t pruned = 0;       // payloads removed by retention
  uint64_t checkpoints = 0;  // checkpoints checked
  bool signatures_checked = false;
  std::vector<ChainBreak> breaks;  // at most one per tenant
  // The replicas the verified entries name (version 3), sorted; none for
  // a lone gate's ledger.
  std::set<std::string> replicas;

  bool clean() const { return breaks.empty(); }
};

struct VerifyOptions {
  // Verify only this tenant (or "_ledger"); every chain when empty.
  std::string tenant;
  // The gate's public key: checkpoint signatures are checked only with it.
  const crypto::VerifyingKey* key = nullptr;
  // Called every few thousand verified entries, e.g. to draw progress.
  std::function<void(uint64_t entries_done)> progress;
  // The checkpoints kept outside the store (checkpoint_files.h), by chain:
  // each is checked like one inside it, so a chain behind its kept
  // checkpoint is found even when the store lost its own checkpoints. A
  // chain kept here but absent from the store is verified (and broken).
  std::map<std::string, std::string> kept_checkpoints;
  // Threads that hash and check; 0 takes one per core, and nothing caps
  // it. Tenants are verified side by side, and a lone tenant's chain is
  // read by ranges of sequences on every thread: each range's entries are
  // hashed and checked against one another where it was read, and only
  // joining the ranges (a link and the checkpoints inside each) is done in
  // order. The report is the same whatever the count.
  int threads = 0;
};

// Verifies every chain in `store`. Returns an error only when the store
// cannot be read; tampering is reported in the VerifyReport.
absl::StatusOr<VerifyReport> VerifyLedger(const KeyValueStore& store,
                                          const VerifyOptions& options = {});

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_VERIFIER_H_
