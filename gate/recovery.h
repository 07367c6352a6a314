// Recovery rebuilds the gate core's in-memory state from the ledger at
// start: limit counters from recent grants, the approval queue from recent
// pending decisions, idempotency keys from recent executions, and the kill
// switch from the latest halt and resume entries. Because all of it is a
// projection of the ledger, a restart can neither reset a limit, nor lose
// a pending approval, nor reopen a used grant.
#ifndef PORTCULLIS_GATE_RECOVERY_H_
#define PORTCULLIS_GATE_RECOVERY_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gate/records.h"
#include "gate/tenant_state.h"
#include "ledger/ledger.h"

namespace portcullis::gate {

struct RecoveryWindows {
  absl::Duration limits;       // the longest limit window policies may use
  absl::Duration approvals;    // the longest approval expiry
  absl::Duration idempotency;  // how long idempotency keys are remembered
};

// Rebuilds every tenant of `ledger` into `tenants`, as of `now`. Returns
// DataLoss when a recorded payload does not decode, Unavailable when the
// ledger cannot be read. Call before serving, on an empty registry.
absl::Status RecoverState(const ledger::Ledger& ledger,
                          const RecordCodec& codec, absl::Time now,
                          const RecoveryWindows& windows,
                          TenantRegistry& tenants);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_RECOVERY_H_
