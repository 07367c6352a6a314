// `portcullis ledger ...`: offline inspection and maintenance of a gate's
// ledger. `verify` opens the database read-only and can run beside a live
// gate; `prune`, `delete-tenant`, `rotate-key` and `recover` write, so the
// gate must be stopped (RocksDB's lock refuses them otherwise). What they
// record names the replica whose ledger it is (the name the ledger keeps,
// LedgerOptions::replica); `--replica NAME` names one for a ledger that
// keeps none (written before it kept its name), and is refused when it
// disagrees with the kept one. Export and verify-export are in
// ledger_export.h and ledger_verify_export.h.
#ifndef PORTCULLIS_CLI_LEDGER_COMMANDS_H_
#define PORTCULLIS_CLI_LEDGER_COMMANDS_H_

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "cli/command.h"

namespace portcullis::cli {

struct LedgerVerifyArgs {
  std::string data_dir;  // required
  std::string tenant;    // all tenants when empty
  std::string key;       // the gate's public key file; recommended
  bool json = false;     // the report as one JSON object
  uint32_t threads = 0;  // hashing threads; 0: one per core
};

// Walks every chain (or one tenant's), checks checkpoints (and their
// signatures with --key) and reports the first broken entry of each: exit
// 0 when intact, 1 when tampered, 2 when the ledger or key cannot be
// opened or the arguments are wrong.
int RunLedgerVerify(const LedgerVerifyArgs& args, CommandIo& io);

struct LedgerPruneArgs {
  std::string data_dir;         // required
  std::string tenant;           // every tenant when empty
  uint32_t retention_days = 0;  // required, at least 1
  std::string replica;          // see above; usually empty
};

// Removes the payloads of entries older than the retention and records
// "ledger.pruned" on each pruned chain. Exit 0, 1 when a tenant could not
// be pruned, 2 on usage errors.
int RunLedgerPrune(const LedgerPruneArgs& args, const Clock& clock,
                   CommandIo& io);

struct LedgerDeleteTenantArgs {
  std::string data_dir;  // required
  std::string tenant;    // required
  bool confirm = false;  // required: deletion cannot be undone
  std::string replica;   // see above; usually empty
};

// Deletes a tenant and crypto-shreds its payloads; the deletion is recorded
// on the ledger's own chain "_ledger". Exit 0, 1 when it fails, 2 on usage
// errors (including a missing --confirm).
int RunLedgerDeleteTenant(const LedgerDeleteTenantArgs& args,
                          const Clock& clock, CommandIo& io);

struct LedgerRotateKeyArgs {
  std::string data_dir;    // required
  std::string tenant;      // required
  std::string master_key;  // required
  std::string replica;     // see above; usually empty
};

// Starts a new payload key version for a tenant with a ledger here,
// recorded in the same write as "ledger.key_rotated" (trigger "offline")
// on its chain. Opening the ledger with the master key file also rotates,
// recorded (trigger "master-key-change"), every tenant whose key derives
// from a master key that is no longer the current one. Exit 0, 1, 2 as
// above (2 for a tenant with no ledger).
int RunLedgerRotateKey(const LedgerRotateKeyArgs& args, const Clock& clock,
                       CommandIo& io);

struct LedgerRecoverArgs {
  std::string data_dir;  // required
  std::string key;       // the gate's signing key; default DIR/gate.key
  std::string replica;   // see above; usually empty
};
// Salvages a damaged ledger (the gate must be stopped): a write-ahead log
// damaged in the middle is replayed up to the damage and the rest dropped;
// then every chain behind its checkpoint kept outside the database gets a
// "ledger.recovered" entry naming the entries lost, and a fresh signed
// checkpoint, so the gate serves it again with the loss on the record.
// Entries stored past a chain's head (a write torn before its head record)
// are removed — what verifies up to the head is kept — and recorded the
// same way ("DROPPED" lines).
// Tampering is not recovered: chains refused for it are listed. Exit 0
// when everything serves, 1 when chains stay refused, 2 when the ledger or
// key cannot be opened or the arguments are wrong.
int RunLedgerRecover(const LedgerRecoverArgs& args, const Clock& clock,
                     CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_LEDGER_COMMANDS_H_
