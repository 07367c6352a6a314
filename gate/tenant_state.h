// The values a tenant's state is made of, as the gate's callers see them:
// approval-queue events and their listeners, remembered executions and
// standing approvals. The state itself is private to the gate core
// (gate/internal/tenant_book.h). Plain values; QueueListener is an
// interface.
#ifndef PORTCULLIS_GATE_TENANT_STATE_H_
#define PORTCULLIS_GATE_TENANT_STATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "gate/decision_state.h"
#include "gate/standing_approval.h"

namespace portcullis::gate {

// A change in a tenant's approval queue, for WatchPending.
struct QueueEvent {
  enum class Kind { kAdded, kUpdated, kResolved };
  Kind kind = Kind::kAdded;
  DecisionState state;
};

// Receives a tenant's queue events as they are published (see
// ApprovalDesk::Subscribe). Called under the tenant's lock: must be quick,
// must not block and must not call back into the gate.
class QueueListener {
 public:
  virtual ~QueueListener() = default;
  // Returns false to be unsubscribed at once (e.g. it fell too far
  // behind): it is then not called again.
  virtual bool OnQueueEvent(const QueueEvent& event) = 0;
};

// An executed action, remembered by its idempotency key.
struct IdempotencyRecord {
  std::string action_digest;
  Receipt receipt;
};

// A standing approval the gate accepted, and how far it is used.
struct StandingState {
  StandingApproval approval;
  std::vector<std::string> approver_roles;  // when granted
  uint32_t uses = 0;
  bool revoked = false;
  std::string revoked_by;
  uint64_t ledger_sequence = 0;  // its "standing.granted" entry
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_TENANT_STATE_H_
