// ApprovalDesk runs the approval queue: it records approvers' signed
// verdicts, resolves requests when their quorum is met (re-checking the
// current policy's hard limits at that moment) or a verdict refuses them,
// expires and escalates them at their deadlines, and serves listings,
// waits and watches. Every transition is on the ledger before it takes
// effect. Thread-safe.
#ifndef PORTCULLIS_GATE_INTERNAL_APPROVAL_DESK_H_
#define PORTCULLIS_GATE_INTERNAL_APPROVAL_DESK_H_

#include <optional>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "base/clock.h"
#include "gate/approval.h"
#include "gate/approvers.h"
#include "gate/counter_store.h"
#include "gate/decision_state.h"
#include "gate/gate_observer.h"
#include "gate/internal/decision_waiters.h"
#include "gate/internal/fatigue_cap.h"
#include "gate/internal/recorder.h"
#include "gate/internal/tenant_book.h"
#include "gate/policy_snapshot.h"

namespace portcullis::gate {

class ApprovalDesk {
 public:
  // Every reference must outlive the desk; so must `shared_counters`,
  // when limit counters are shared with other replicas (else null).
  ApprovalDesk(const Clock& clock, Recorder& recorder, TenantRegistry& tenants,
               const PolicyHolder& policies, const ApproverHolder& approvers,
               absl::Duration grant_ttl, GateObserver* observer = nullptr,
               FatigueCap* fatigue = nullptr,
               CounterStore* shared_counters = nullptr)
      : clock_(clock),
        recorder_(recorder),
        tenants_(tenants),
        policies_(policies),
        approvers_(approvers),
        grant_ttl_(grant_ttl),
        observer_(observer),
        fatigue_(fatigue),
        shared_counters_(shared_counters) {}

  // Records a signed verdict. Errors (each also recorded as
  // "approval.rejected" when the tenant is known):
  //   InvalidArgument     malformed statement or signature
  //   NotFound            no such decision for the tenant
  //   PermissionDenied    unknown approver, bad signature, wrong tenant,
  //                       no eligible role, the requester approving, an
  //                       approval for another action
  //   FailedPrecondition  expired statement or request, already resolved,
  //                       a second verdict from the same approver
  //   ResourceExhausted   an approve verdict over the approver's fatigue
  //                       cap (gate/internal/fatigue_cap.h)
  //   Unavailable         the verdict could not be recorded
  // An amendment the approval carries must compile with the policy in force
  // (InvalidArgument with line:column otherwise); it is recorded as
  // "amendment.proposed" in the same batch as the verdict.
  absl::StatusOr<ApproveResult> Approve(const Approval& approval,
                                        absl::string_view signature,
                                        absl::string_view caller = "");

  // The tenant's open requests, oldest first.
  std::vector<DecisionState> ListPending(absl::string_view tenant);

  // Receives what Await would return.
  using AwaitCallback = absl::AnyInvocable<void(absl::StatusOr<Decision>) &&>;

  // Waits up to `max_wait` for a pending decision to be resolved; returns
  // the decision as it then stands (NotFound for an unknown decision).
  // Blocks the calling thread: servers use AwaitAsync.
  absl::StatusOr<Decision> Await(absl::string_view tenant,
                                 absl::string_view decision_id,
                                 absl::Duration max_wait);

  // Await without a thread waiting: `done` is called exactly once with
  // what Await would return — on this thread before AwaitAsync returns
  // when the decision is not pending (or `max_wait` is not positive), else
  // on the thread that resolves the decision or on the waits' timer thread
  // once `max_wait` has passed — unless CancelAwait removes the wait first.
  // `done` must be quick and must not call back into the desk. Returns the
  // wait's id for CancelAwait, or 0 when `done` has already been called.
  uint64_t AwaitAsync(absl::string_view tenant, absl::string_view decision_id,
                      absl::Duration max_wait, AwaitCallback done);

  // Ends the wait `id` without calling its callback. True when it was
  // still waiting; false when its callback ran or is running (it then
  // answers), or for 0.
  bool CancelAwait(uint64_t id) { return id != 0 && waiters_.Cancel(id); }

  // How many AwaitAsync waits are registered.
  size_t open_waits() const { return waiters_.size(); }

  // Registers `listener` for the tenant's queue events and returns the
  // open requests (oldest first), read under the same lock: each later
  // change reaches the listener, none before. Requests whose ledger write
  // is still in flight are left out; their kAdded event follows once they
  // are recorded. `listener` must stay valid until Unsubscribe returns.
  std::vector<DecisionState> Subscribe(absl::string_view tenant,
                                       QueueListener* listener);
  // After this returns, `listener` is not called again.
  void Unsubscribe(absl::string_view tenant, QueueListener* listener);
  // How many listeners the tenant's queue has.
  size_t Listeners(absl::string_view tenant);

  // Sends every open request as kAdded, then each change, until `send`
  // returns false or `cancelled` does true (checked at least every
  // `poll`, first after the listing is taken, with the tenant's lock held:
  // it must not call the gate). Blocks the calling thread: servers use
  // Subscribe.
  void Watch(absl::string_view tenant,
             absl::FunctionRef<bool(const QueueEvent&)> send,
             absl::FunctionRef<bool()> cancelled,
             absl::Duration poll = absl::Milliseconds(500));

  // Records every expiry and escalation that is due now. Returns the first
  // recording error; the rest are retried on the next call.
  absl::Status ExpireDue();

 private:
  struct Plan;  // what a verdict will change, decided under the lock

  absl::StatusOr<ApproveResult> Decide(const Approval& approval,
                                       absl::string_view signature,
                                       const Approver& approver,
                                       absl::string_view caller,
                                       TenantBook& tenant,
                                       const AmendmentRecord* amendment);
  // Why `approver` may not give a verdict on `state` now, or OK.
  static absl::Status Check(const Approval& approval, const Approver& approver,
                            absl::string_view caller,
                            const DecisionState& state, absl::Time now);
  // Under the tenant's lock: what the verdict changes; on a grant, the
  // policy's re-check charges `usage` (undone if it cannot be recorded).
  void PlanVerdict(const Approval& approval, absl::string_view signature,
                   const Approver& approver, const DecisionState& state,
                   UsageCounters& usage, absl::Time now, Plan& plan);
  // Records what a deadline does to a pending request when `due` says it
  // is due (returning the record to write), then applies it.
  absl::Status RecordDeadline(
      TenantBook& tenant, const std::string& decision_id, absl::Time now,
      const char* kind,
      absl::FunctionRef<std::optional<DeadlineRecord>(const DecisionState&)>
          due);
  absl::Status Expire(TenantBook& tenant, const std::string& decision_id,
                      absl::Time now);
  absl::Status Escalate(TenantBook& tenant, const std::string& decision_id,
                        absl::Time now);
  void RecordRejection(const Approval& approval, const absl::Status& error);
  // The decision as it stands: from the queue while pending, else from the
  // ledger (NotFound for an unknown decision).
  absl::StatusOr<Decision> Current(absl::string_view tenant,
                                   absl::string_view decision_id);

  const Clock& clock_;
  Recorder& recorder_;
  TenantRegistry& tenants_;
  const PolicyHolder& policies_;
  const ApproverHolder& approvers_;
  const absl::Duration grant_ttl_;
  GateObserver* const observer_;         // told of expiries; may be null
  FatigueCap* const fatigue_;            // may be null: no cap
  CounterStore* const shared_counters_;  // may be null: not shared
  DecisionWaiters waiters_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_APPROVAL_DESK_H_
