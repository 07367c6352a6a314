// The gate core's in-memory state, per tenant: limit counters, the open
// approval requests, idempotency keys, the kill switch, and a log of
// approval-queue events for watchers. Everything here is a projection of
// the ledger, rebuilt at start (gate/recovery.h).
//
// Each tenant's state is guarded by its own mutex, held only for in-memory
// work. A change that must be recorded first marks its decision (or
// idempotency key) busy, releases the mutex for the ledger write, then
// commits or rolls back under the mutex again; others touching the same
// decision wait on `changed`. TenantRegistry is thread-safe.
#ifndef PORTCULLIS_GATE_TENANT_STATE_H_
#define PORTCULLIS_GATE_TENANT_STATE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "gate/decision_state.h"
#include "gate/standing_approval.h"
#include "gate/usage_counters.h"

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

struct TenantState {
  // How many queue events are kept for watchers that fall behind; a
  // watcher further behind starts over from a fresh listing.
  static constexpr size_t kMaxEvents = 1024;

  absl::Mutex mu;
  // Signalled on every change to `pending`, `busy` or `events`.
  absl::CondVar changed;

  UsageCounters usage ABSL_GUARDED_BY(mu);
  // Open approval requests by decision id.
  std::map<std::string, DecisionState> pending ABSL_GUARDED_BY(mu);
  // Requests in `pending` whose ledger write is still in flight: their
  // ADDED event is published once recorded, so a watcher's first listing
  // leaves them out (else it would see them ADDED twice).
  absl::flat_hash_set<std::string> unrecorded ABSL_GUARDED_BY(mu);
  // Decision ids ("d:") and idempotency keys ("k:") with a write in flight.
  absl::flat_hash_set<std::string> busy ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, IdempotencyRecord> idempotency
      ABSL_GUARDED_BY(mu);
  // Standing approvals by id, until their window ends (also when revoked
  // or used up: an id is never granted twice while its statement is
  // valid).
  std::map<std::string, StandingState> standing ABSL_GUARDED_BY(mu);
  bool halted ABSL_GUARDED_BY(mu) = false;
  std::string halt_reason ABSL_GUARDED_BY(mu);

  std::deque<QueueEvent> events ABSL_GUARDED_BY(mu);
  uint64_t next_event ABSL_GUARDED_BY(mu) = 0;  // number of events ever
  // Watchers told of each event as it is published (WatchPending streams).
  absl::flat_hash_set<QueueListener*> listeners ABSL_GUARDED_BY(mu);

  // Appends a queue event, tells the listeners and wakes waiters.
  void Publish(QueueEvent::Kind kind, const DecisionState& state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

// Owns every tenant's state, created on first use, plus the whole-gate
// kill switch.
class TenantRegistry {
 public:
  // The state of `tenant`; stable for the registry's lifetime.
  TenantState& Get(absl::string_view tenant) ABSL_LOCKS_EXCLUDED(mu_);

  // Every tenant with state, sorted.
  std::vector<std::string> Names() const ABSL_LOCKS_EXCLUDED(mu_);

  void SetGateHalt(bool halted, std::string reason) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the whole gate is halted, and why.
  bool GateHalted(std::string* reason = nullptr) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<TenantState>> tenants_
      ABSL_GUARDED_BY(mu_);
  bool gate_halted_ ABSL_GUARDED_BY(mu_) = false;
  std::string gate_halt_reason_ ABSL_GUARDED_BY(mu_);
};

// The key under which `id` is marked busy.
inline std::string BusyDecision(absl::string_view id) {
  return "d:" + std::string(id);
}
inline std::string BusyStanding(absl::string_view id) {
  return "s:" + std::string(id);
}
inline std::string BusyKey(absl::string_view idempotency_key) {
  return "k:" + std::string(idempotency_key);
}

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_TENANT_STATE_H_
