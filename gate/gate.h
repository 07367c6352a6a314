// Gate is the transport-free core of Portcullis and its one entry point:
// adapters (gRPC, tests, benchmarks) hand it domain values and get domain
// values back. It decides actions (Evaluate), runs the approval queue
// (ApprovalDesk), consumes grants (Executor) and holds the kill switch
// (KillSwitch), all recorded on the ledger before they take effect.
//
// The decision path: validate -> take the policy snapshot -> under the
// tenant's lock, evaluate and charge the limit counters (so two concurrent
// calls cannot both take the last unit of a limit) -> append to the ledger
// without holding any lock -> answer. If the append fails, the charge is
// undone and the call fails: nothing is allowed that is not recorded.
//
// This header is the gate's public face: the collaborators named above
// live in gate/internal/, behind GateImpl, and only gate/ includes them.
//
// Thread-safe.
#ifndef PORTCULLIS_GATE_GATE_H_
#define PORTCULLIS_GATE_GATE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "base/clock.h"
#include "crypto/ed25519.h"
#include "gate/approval.h"
#include "gate/approvers.h"
#include "gate/decision.h"
#include "gate/decision_state.h"
#include "gate/gate_observer.h"
#include "gate/gate_options.h"
#include "gate/gate_status.h"
#include "gate/halt_store.h"
#include "gate/pending_page.h"
#include "gate/policy_loader.h"
#include "gate/policy_snapshot.h"
#include "gate/receipt.h"
#include "gate/records.h"
#include "gate/standing_approval.h"
#include "gate/tenant_state.h"
#include "gate/tool_connector.h"
#include "ledger/ledger.h"
#include "policy/action.h"
#include "policy/compiled_policy.h"

namespace portcullis::gate {

class StateSnapshotter;
namespace gate_internal {
class GateImpl;
}  // namespace gate_internal

// Who is calling, as the transport established it.
struct CallContext {
  std::string principal;
  // When the caller stops waiting, on the Gate's clock (the transport
  // converts its own deadline). EvaluateAsync decides nothing and records
  // nothing for a caller whose deadline has passed: it answers
  // DeadlineExceeded, whether the deadline passed before the decision or
  // while the decision waited to be recorded (issue 15, item 5).
  absl::Time deadline = absl::InfiniteFuture();
};

// What ListDeclaredTools returns: the tools and the policy they come from.
struct DeclaredTools {
  std::shared_ptr<const PolicySnapshot> policy;
  std::vector<policy::ToolInfo> tools;
};

// What EvaluateAndExecute answers: the decision and, when the decision was
// executed with it, the receipt Execute would have returned.
struct ExecutedDecision {
  Decision decision;
  std::optional<Receipt> receipt;
};

class Gate {
 public:
  // Receives what Evaluate would have returned.
  using EvaluateCallback =
      absl::AnyInvocable<void(absl::StatusOr<Decision>) &&>;
  // Receives what EvaluateAndExecute would have returned: the receipt only
  // with a decision, never with an error.
  using ExecutedCallback = absl::AnyInvocable<void(absl::StatusOr<Decision>,
                                                   std::optional<Receipt>) &&>;

  // Every reference must outlive the Gate; `connectors` may be null (no
  // tool is called by the gate); so may `observer` (nothing is observed),
  // which must otherwise outlive the Gate too.
  Gate(const Clock& clock, ledger::Ledger& ledger, const RecordCodec& codec,
       const crypto::SigningKey& signing_key, ApproverRegistry approvers,
       GateOptions options = {}, const ToolConnectors* connectors = nullptr,
       GateObserver* observer = nullptr);

  ~Gate();

  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // Rebuilds counters, the approval queue, idempotency keys and halts from
  // the ledger (gate/internal/recovery.h), from each tenant's state snapshot
  // when one verifies, and starts storing snapshots. Call once before serving.
  absl::Status Recover();
  // How each tenant was recovered (after Recover).
  const std::vector<TenantRecovery>& recovery() const;
  // The snapshot writer; null before Recover or with snapshots off.
  StateSnapshotter* snapshotter();

  // Installs a freshly loaded policy, or records why it was rejected.
  //
  // A policy that compiled is recorded as "policy.loaded" on the chain of
  // every tenant it covers and then becomes current. A policy with errors
  // is recorded as "policy.rejected" on the chains of the current policy's
  // tenants and returns InvalidArgument listing the errors; the current
  // policy stays. Returns Unavailable (and changes nothing) when the
  // outcome cannot be recorded.
  absl::Status ApplyPolicy(const PolicyLoad& load);

  // Notes an attempt to load the policy, whatever its outcome (the text
  // could not be read, did not compile, or is in force), for Status: the
  // caller that read the text knows all three. Thread-safe.
  void NotePolicyReload(PolicyReloadAttempt attempt);

  // Shadow mode (issue 7, gate/internal/shadow_policy.h): makes a compiled
  // candidate policy decide every action beside the policy in force, never
  // enforced; its counters start as copies of the current ones. Returns
  // InvalidArgument listing the errors (and keeps the previous candidate)
  // when `load` did not compile. Not recorded: each difference is.
  absl::Status ApplyShadowPolicy(const PolicyLoad& load);
  void ClearShadowPolicy();

  // Makes `approvers` the approvers in force (a configuration reload), for
  // approvals submitted afterwards. Requests already pending stay, and so
  // do the verdicts recorded for them.
  void ReplaceApprovers(ApproverRegistry approvers);

  // Decides `action` and records the decision before returning it; a
  // PENDING_APPROVAL decision also enters the approval queue.
  //
  // Returns InvalidArgument for a malformed action or arguments that do not
  // fit the tool's declaration (recorded as "action.rejected" when the
  // tenant is known), NotFound for a tenant the policy does not know,
  // Unavailable when no policy is loaded or the decision cannot be
  // recorded. A DENY (including a halted tenant) is a Decision, not an
  // error.
  absl::StatusOr<Decision> Evaluate(const policy::Action& action,
                                    const CallContext& call);

  // Evaluate without a thread waiting for the ledger: `done` is called
  // exactly once with what Evaluate would return, after the decision is
  // recorded (or could not be). It may run on the calling thread before
  // EvaluateAsync returns, or on the ledger's commit thread; it must be
  // quick and must not call back into the Gate (see
  // ledger::Ledger::AppendAsync). The Gate must outlive the answer.
  void EvaluateAsync(const policy::Action& action, const CallContext& call,
                     EvaluateCallback done);

  // Evaluate that, when the decision is ALLOW, also consumes its grant at
  // once (issue 17): the decision ("action.evaluated") and the execution
  // ("action.executed") are recorded in one ledger append, so one synced
  // write, and the answer carries the receipt that
  // Execute(decision.id, action) would have returned: the same signed
  // receipt, the same entries, the same idempotency semantics (an
  // idempotency key that already executed this action answers that
  // execution's receipt and records no execution). If the append fails,
  // neither is recorded nor charged, and the call fails as Evaluate does.
  //
  // An ALLOW comes without a receipt when its execution cannot go with the
  // decision; then Execute works as after Evaluate and says why, or waits
  // its turn: another execution under the same idempotency key is in
  // flight, the key belongs to another action, the tenant was halted in
  // between, or the tool has a connector (the gate calls it in Execute).
  // DENY and PENDING_APPROVAL answers are Evaluate's.
  absl::StatusOr<ExecutedDecision> EvaluateAndExecute(
      const policy::Action& action, const CallContext& call);

  // EvaluateAndExecute without a thread waiting for the ledger, with the
  // rules of EvaluateAsync.
  void EvaluateAndExecuteAsync(const policy::Action& action,
                               const CallContext& call, ExecutedCallback done);

  // Records that `action` was rejected before it could be decided
  // ("action.rejected"), e.g. because the transport's codec could not
  // represent one of its arguments, when its tenant is known; then calls
  // `done` with `error`, whether or not that was recorded (same rules as
  // EvaluateAsync's callback). `action` may lack its arguments.
  void RejectAsync(const policy::Action& action, absl::Status error,
                   const CallContext& call, EvaluateCallback done);

  // See ApprovalDesk::Approve.
  // `call.principal`, the transport's caller, may not approve what it
  // requested either.
  absl::StatusOr<ApproveResult> Approve(const Approval& approval,
                                        absl::string_view signature,
                                        const CallContext& call);

  // Standing approvals (issue 21, docs/approvals.md#standing-approvals).
  //
  // GrantStanding verifies an approver's signed standing approval and
  // records it ("standing.granted"); from then on, an action of its tool
  // that the policy would hold for approval is allowed instead when every
  // constraint holds, inside its window, with uses left, and its approver
  // alone satisfies every approval requirement (quorum 1 only). Deny and
  // limit rules still hold. Errors (recorded as "standing.rejected" once
  // the tenant is known):
  //   InvalidArgument     malformed statement or signature, a tool the
  //                       tenant does not declare, a constraint that does
  //                       not fit its argument's type, a window longer
  //                       than GateOptions::max_approval_window from now
  //   NotFound            a tenant the policy does not know (not recorded)
  //   PermissionDenied    unknown approver, bad signature, wrong tenant, an
  //                       approver without the role of the tool's quorum-1
  //                       approve rules
  //   FailedPrecondition  the window has ended, the tool has no approve
  //                       rule a standing approval could meet
  //   AlreadyExists       the id is taken
  //   ResourceExhausted   the approver's fatigue cap
  //   Unavailable         it could not be recorded (not recorded either)
  absl::StatusOr<StandingState> GrantStanding(const StandingApproval& standing,
                                              absl::string_view signature,
                                              const CallContext& call);
  // Ends one (signed by any approver of the tenant: a revocation only
  // narrows); "standing.revoked". NotFound for an unknown id,
  // FailedPrecondition when already revoked, else as GrantStanding.
  absl::StatusOr<StandingState> RevokeStanding(
      const StandingRevocation& revocation, absl::string_view signature,
      const CallContext& call);
  // The tenant's standing approvals whose window has not ended, by id.
  // NotFound for an unknown tenant.
  absl::StatusOr<std::vector<StandingState>> ListStanding(
      absl::string_view tenant);

  // Waits up to `max_wait` for a pending decision to be resolved and
  // returns it as it then stands. NotFound for an unknown decision or
  // tenant.
  absl::StatusOr<Decision> AwaitDecision(absl::string_view tenant,
                                         absl::string_view decision_id,
                                         absl::Duration max_wait);

  // AwaitDecision without a thread waiting (see ApprovalDesk::AwaitAsync):
  // `done` gets what AwaitDecision would return, exactly once unless
  // CancelAwait(returned id) is true. Returns 0 when `done` already ran.
  uint64_t AwaitDecisionAsync(absl::string_view tenant,
                              absl::string_view decision_id,
                              absl::Duration max_wait, EvaluateCallback done);
  // See ApprovalDesk::CancelAwait.
  bool CancelAwait(uint64_t id);
  // How many AwaitDecisionAsync waits are open.
  size_t open_waits() const;

  // WatchPending without a thread (see ApprovalDesk::Subscribe): the open
  // requests, and `listener` told of each change until UnsubscribePending.
  // NotFound for an unknown tenant (nothing is registered then).
  absl::StatusOr<std::vector<DecisionState>> SubscribePending(
      absl::string_view tenant, QueueListener* listener);
  void UnsubscribePending(absl::string_view tenant, QueueListener* listener);
  // How many listeners (WatchPending streams) the tenant's queue has.
  size_t PendingListeners(absl::string_view tenant);

  // The tenant's open approval requests, oldest first; NotFound for a
  // tenant the policy does not know.
  absl::StatusOr<std::vector<DecisionState>> ListPending(
      absl::string_view tenant);

  // One page of them (see PagePending): InvalidArgument for a malformed
  // token, NotFound for an unknown tenant.
  absl::StatusOr<PendingPage> ListPendingPage(absl::string_view tenant,
                                              absl::string_view page_token,
                                              size_t page_size);

  // Streams the tenant's queue (see ApprovalDesk::Watch); NotFound for an
  // unknown tenant.
  absl::Status WatchPending(absl::string_view tenant,
                            absl::FunctionRef<bool(const QueueEvent&)> send,
                            absl::FunctionRef<bool()> cancelled);

  // Consumes the decision's grant for `action` (see Executor::Execute).
  // InvalidArgument for a malformed action, NotFound for an unknown tenant.
  absl::StatusOr<Receipt> Execute(absl::string_view decision_id,
                                  const policy::Action& action,
                                  const CallContext& call,
                                  ToolCall* tool = nullptr);

  // Records how an executed action turned out (see
  // Executor::ReportOutcome).
  absl::StatusOr<uint64_t> ReportOutcome(absl::string_view tenant,
                                         absl::string_view decision_id,
                                         ExecutionOutcome outcome,
                                         absl::string_view detail,
                                         const CallContext& call);

  // The kill switch (see KillSwitch); an empty tenant means the whole gate.
  absl::Status Halt(absl::string_view tenant, absl::string_view reason,
                    const CallContext& call);
  absl::Status Resume(absl::string_view tenant, absl::string_view reason,
                      const CallContext& call);
  // With GateOptions::shared_halts: records and applies the halts and
  // resumes other replicas shared (see KillSwitch::Sync), and returns them.
  absl::StatusOr<std::vector<SharedHalt>> SyncHalts();

  // Records that `principal` was refused `method` ("access.denied") on the
  // first of `chains` that is a tenant of the policy in force, or nowhere
  // when none is, then runs `then` (with the same rules as EvaluateAsync's
  // callback). The caller chooses the chains: the refused caller's own,
  // never a tenant it has no right to (issue 15, item 8). The caller gets
  // `error` whether or not this is recorded.
  void RecordAccessDeniedAsync(absl::Span<const std::string> chains,
                               absl::string_view principal,
                               absl::string_view method,
                               const absl::Status& error,
                               absl::AnyInvocable<void() &&> then);

  // Records a change to a tenant's secrets: `kind` is kSecretPut,
  // kSecretRotated, kSecretDeleted or kSecretReleased. Never the value.
  // Unavailable when it cannot be recorded.
  absl::Status RecordSecretChange(absl::string_view tenant, const char* kind,
                                  SecretRecord record);

  // The policy in force and every tenant's state.
  GateStatus Status();

  // Records the expiries and escalations that are due; a timer calls it.
  absl::Status ExpireDue();

  // The Gate's clock, against which CallContext::deadline is set and by
  // which records written beside the gate (the Admin API's maintenance
  // calls) are timed.
  const Clock& clock() const;

  // The policy in force; null before the first ApplyPolicy.
  std::shared_ptr<const PolicySnapshot> policy() const;

  // The tools the policy in force declares for `tenant`, and that policy.
  // InvalidArgument for a malformed tenant id, NotFound for a tenant the
  // policy does not know, Unavailable before the first policy.
  absl::StatusOr<DeclaredTools> ListDeclaredTools(
      absl::string_view tenant) const;

 private:
  // Everything behind the face: the collaborators and the decision path
  // (gate/internal/gate_impl.h).
  std::unique_ptr<gate_internal::GateImpl> impl_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_GATE_H_
