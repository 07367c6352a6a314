// GateImpl is the Gate behind its public face (gate/gate.h): it holds the
// collaborators — the approval desk, the executor, the kill switch, shadow
// mode, the tenants' books, the recorder, the snapshotter — and runs the
// decision path. Gate forwards every call to it; each public method here
// keeps the contract written on Gate's. Nothing outside gate/ includes
// this header. Thread-safe.
#ifndef PORTCULLIS_GATE_INTERNAL_GATE_IMPL_H_
#define PORTCULLIS_GATE_INTERNAL_GATE_IMPL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gate/approvers.h"
#include "gate/gate.h"
#include "gate/internal/approval_desk.h"
#include "gate/internal/executor.h"
#include "gate/internal/fatigue_cap.h"
#include "gate/internal/kill_switch.h"
#include "gate/internal/policy_reloads.h"
#include "gate/internal/recorder.h"
#include "gate/internal/shadow_policy.h"
#include "gate/internal/state_snapshotter.h"
#include "gate/internal/tenant_book.h"
#include "gate/policy_snapshot.h"
#include "gate/records.h"
#include "policy/verdict.h"

namespace portcullis::gate::gate_internal {

class GateImpl {
 public:
  using EvaluateCallback = Gate::EvaluateCallback;
  using ExecutedCallback = Gate::ExecutedCallback;

  GateImpl(const Clock& clock, ledger::Ledger& ledger, const RecordCodec& codec,
           const crypto::SigningKey& signing_key, ApproverRegistry approvers,
           GateOptions options, const ToolConnectors* connectors,
           GateObserver* observer);

  GateImpl(const GateImpl&) = delete;
  GateImpl& operator=(const GateImpl&) = delete;

  // Gate's public methods, as gate/gate.h states them.
  absl::Status Recover();
  const std::vector<TenantRecovery>& recovery() const { return recovery_; }
  StateSnapshotter* snapshotter() { return snapshotter_.get(); }
  absl::Status ApplyPolicy(const PolicyLoad& load);
  void NotePolicyReload(PolicyReloadAttempt attempt) {
    reloads_.Note(std::move(attempt));
  }
  absl::Status ApplyShadowPolicy(const PolicyLoad& load);
  void ClearShadowPolicy() { shadow_.Clear(); }
  void ReplaceApprovers(ApproverRegistry approvers) {
    approvers_.Replace(std::move(approvers));
  }
  absl::StatusOr<Decision> Evaluate(const policy::Action& action,
                                    const CallContext& call);
  void EvaluateAsync(const policy::Action& action, const CallContext& call,
                     EvaluateCallback done);
  absl::StatusOr<ExecutedDecision> EvaluateAndExecute(
      const policy::Action& action, const CallContext& call);
  void EvaluateAndExecuteAsync(const policy::Action& action,
                               const CallContext& call, ExecutedCallback done);
  void RejectAsync(const policy::Action& action, absl::Status error,
                   const CallContext& call, EvaluateCallback done);
  absl::StatusOr<ApproveResult> Approve(const Approval& approval,
                                        absl::string_view signature,
                                        const CallContext& call);
  absl::StatusOr<StandingState> GrantStanding(const StandingApproval& standing,
                                              absl::string_view signature,
                                              const CallContext& call);
  absl::StatusOr<StandingState> RevokeStanding(
      const StandingRevocation& revocation, absl::string_view signature,
      const CallContext& call);
  absl::StatusOr<std::vector<StandingState>> ListStanding(
      absl::string_view tenant);
  absl::StatusOr<Decision> AwaitDecision(absl::string_view tenant,
                                         absl::string_view decision_id,
                                         absl::Duration max_wait);
  uint64_t AwaitDecisionAsync(absl::string_view tenant,
                              absl::string_view decision_id,
                              absl::Duration max_wait, EvaluateCallback done);
  bool CancelAwait(uint64_t id) { return desk_.CancelAwait(id); }
  size_t open_waits() const { return desk_.open_waits(); }
  absl::StatusOr<std::vector<DecisionState>> SubscribePending(
      absl::string_view tenant, QueueListener* listener);
  void UnsubscribePending(absl::string_view tenant, QueueListener* listener) {
    desk_.Unsubscribe(tenant, listener);
  }
  size_t PendingListeners(absl::string_view tenant) {
    return desk_.Listeners(tenant);
  }
  absl::StatusOr<std::vector<DecisionState>> ListPending(
      absl::string_view tenant);
  absl::StatusOr<PendingPage> ListPendingPage(absl::string_view tenant,
                                              absl::string_view page_token,
                                              size_t page_size);
  absl::Status WatchPending(absl::string_view tenant,
                            absl::FunctionRef<bool(const QueueEvent&)> send,
                            absl::FunctionRef<bool()> cancelled);
  absl::StatusOr<Receipt> Execute(absl::string_view decision_id,
                                  const policy::Action& action,
                                  const CallContext& call,
                                  ToolCall* tool = nullptr);
  absl::StatusOr<uint64_t> ReportOutcome(absl::string_view tenant,
                                         absl::string_view decision_id,
                                         ExecutionOutcome outcome,
                                         absl::string_view detail,
                                         const CallContext& call);
  absl::Status Halt(absl::string_view tenant, absl::string_view reason,
                    const CallContext& call);
  absl::Status Resume(absl::string_view tenant, absl::string_view reason,
                      const CallContext& call);
  absl::StatusOr<std::vector<SharedHalt>> SyncHalts();
  void RecordAccessDeniedAsync(absl::Span<const std::string> chains,
                               absl::string_view principal,
                               absl::string_view method,
                               const absl::Status& error,
                               absl::AnyInvocable<void() &&> then);
  absl::Status RecordSecretChange(absl::string_view tenant, const char* kind,
                                  SecretRecord record);
  GateStatus Status();
  absl::Status ExpireDue() { return desk_.ExpireDue(); }
  const Clock& clock() const { return clock_; }
  std::shared_ptr<const PolicySnapshot> policy() const {
    return policies_.Current();
  }
  absl::StatusOr<DeclaredTools> ListDeclaredTools(
      absl::string_view tenant) const;

 private:
  Decision NewDecision(const policy::Action& action,
                       const PolicySnapshot& policy, absl::Time now) const;
  // Decides `decision_id` (the action) through the decision kernel, under
  // the tenant's lock.
  absl::StatusOr<policy::Verdict> Decide(const policy::Action& action,
                                         absl::string_view decision_id,
                                         const PolicySnapshot& policy,
                                         TenantBook& tenant, absl::Time now);
  // EvaluateAsync, and with `execute` EvaluateAndExecuteAsync.
  void EvaluateThen(const policy::Action& action, const CallContext& call,
                    bool execute, ExecutedCallback done);
  // Appends the decision (with `execute`, and the decision ALLOW, its
  // execution too) and answers `done` once the ledger has.
  void Record(const policy::Action& action, Decision decision,
              const CallContext& call, TenantBook& tenant, absl::Time now,
              std::optional<ShadowRecord> shadowed, bool execute,
              ExecutedCallback done);
  // Records "action.rejected" when the tenant is known, then answers
  // `done` with `error` whether or not that was recorded.
  void RecordRejection(const policy::Action& action, absl::Status error,
                       const CallContext& call, absl::Time now,
                       ExecutedCallback done);
  absl::Status CheckTenant(absl::string_view tenant) const;
  // Under the tenant's lock: turns a PENDING_APPROVAL verdict into ALLOW
  // when a live standing approval covers the action, consuming one use;
  // returns the approval used, or null.
  StandingState* ApplyStanding(const policy::Action& action,
                               TenantBook::View& tenant, absl::Time now,
                               policy::Verdict& verdict);
  // The first of the tenant's standing approvals (by id) that covers
  // `action` at `now` in place of `verdict`'s approvals: same tool, live,
  // its constraints hold, its approver (as registered now) meets every
  // requirement alone. `spent` names one whose latest use is this very
  // decision's (it counts one use fewer). Null when none does.
  StandingState* CoveringStanding(const policy::Action& action,
                                  TenantBook::View& tenant, absl::Time now,
                                  const policy::Verdict& verdict,
                                  absl::string_view spent);
  // Makes `verdict` the ALLOW of `state`'s use number `use`.
  void AllowByStandingUse(const StandingState& state, uint32_t use,
                          policy::Verdict& verdict);
  // Shadow mode: what the candidate's `candidate` verdict becomes with the
  // tenant's standing approvals, as ApplyStanding would decide it under the
  // candidate, without using one. `enforced` is the decision in force.
  void ShadowStanding(const policy::Action& action,
                      const policy::Verdict& enforced, absl::Time now,
                      policy::Verdict& candidate);
  // Records "standing.rejected" when the tenant is in the policy in force.
  void RecordStandingRejection(absl::string_view tenant,
                               StandingRejectionRecord record);
  // OK when `tenant` may queue one more request of `agent`; else
  // ResourceExhausted (see GateOptions::max_pending_per_agent).
  absl::Status PendingRoom(const TenantBook::View& tenant,
                           absl::string_view agent) const;
  // Whether `call`'s deadline has passed, for the ledger to ask as the
  // append reaches the front of its queue; null without a deadline.
  ledger::Ledger::Abandoned AbandonedAfter(const CallContext& call) const;
  // `done`, wrapped to tell the observer; `done` itself without one.
  ExecutedCallback Observed(const policy::Action& action, absl::Time start,
                            ExecutedCallback done);

  const Clock& clock_;
  ledger::Ledger& ledger_;
  const RecordCodec& codec_;
  const GateOptions options_;
  ApproverHolder approvers_;
  FatigueCap fatigue_;
  PolicyHolder policies_;
  TenantRegistry tenants_;
  Recorder recorder_;
  ApprovalDesk desk_;
  KillSwitch kill_switch_;
  Executor executor_;
  ShadowPolicy shadow_;
  PolicyReloads reloads_;
  GateObserver* const observer_;
  std::vector<TenantRecovery> recovery_;
  // Last: stopped (its queue written) before anything it uses goes.
  std::unique_ptr<StateSnapshotter> snapshotter_;
};

}  // namespace portcullis::gate::gate_internal

#endif  // PORTCULLIS_GATE_INTERNAL_GATE_IMPL_H_
