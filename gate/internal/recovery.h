// Recovery rebuilds the gate core's in-memory state from the ledger at
// start: limit counters from recent grants, the approval queue from recent
// pending decisions, idempotency keys from recent executions, and the kill
// switch from the latest halt and resume entries. Because all of it is a
// projection of the ledger, a restart can neither reset a limit, nor lose
// a pending approval, nor reopen a used grant.
//
// With a stored state snapshot (gate/state_snapshot.h) that verifies, a
// tenant's recovery replays only the entries after it; without one, or
// with one that does not verify, it walks back over every entry within the
// recovery windows (a full replay). Both give the same state.
#ifndef PORTCULLIS_GATE_INTERNAL_RECOVERY_H_
#define PORTCULLIS_GATE_INTERNAL_RECOVERY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gate/gate_options.h"
#include "gate/gate_status.h"
#include "gate/internal/tenant_book.h"
#include "gate/records.h"
#include "gate/state_snapshot.h"
#include "ledger/ledger.h"

namespace portcullis::gate {

struct RecoveryReport {
  std::vector<TenantRecovery> tenants;
  // Each recovered tenant's projection at its head, for the snapshotter.
  absl::flat_hash_map<std::string, TenantProjection> projections;
};

// How far back recovery and the state snapshots look, for `options`.
RecoveryWindows RecoveryWindowsOf(const GateOptions& options);

// Rebuilds every tenant of `ledger` into `tenants`, as of `now`. Returns
// DataLoss when a recorded payload does not decode, Unavailable when the
// ledger cannot be read. Call before serving, on an empty registry.
// `report`, when given, says how each tenant was recovered.
absl::Status RecoverState(const ledger::Ledger& ledger,
                          const RecordCodec& codec, absl::Time now,
                          const RecoveryWindows& windows,
                          TenantRegistry& tenants,
                          RecoveryReport* report = nullptr);

// Builds `tenant`'s projection at its head by a full replay (a walk back
// over the windows as of `now`), ignoring any snapshot.
absl::StatusOr<TenantProjection> ProjectFully(const ledger::Ledger& ledger,
                                              const RecordCodec& codec,
                                              absl::string_view tenant,
                                              absl::Time now,
                                              const RecoveryWindows& windows,
                                              uint64_t* entries_read = nullptr);

// Folds `tenant`'s entries after `projection`'s up to `through` (its head
// when 0) into it.
absl::Status FoldTail(const ledger::Ledger& ledger, const RecordCodec& codec,
                      absl::string_view tenant, uint64_t through,
                      TenantProjection& projection,
                      uint64_t* entries_read = nullptr);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_RECOVERY_H_
