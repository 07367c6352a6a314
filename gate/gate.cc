// The public face forwards: every call goes to GateImpl
// (gate/internal/gate_impl.h), which holds the collaborators.
#include "gate/gate.h"

#include <utility>

#include "gate/internal/gate_impl.h"

namespace portcullis::gate {

Gate::Gate(const Clock& clock, ledger::Ledger& ledger, const RecordCodec& codec,
           const crypto::SigningKey& signing_key, ApproverRegistry approvers,
           GateOptions options, const ToolConnectors* connectors,
           GateObserver* observer)
    : impl_(std::make_unique<gate_internal::GateImpl>(
          clock, ledger, codec, signing_key, std::move(approvers),
          std::move(options), connectors, observer)) {}

Gate::~Gate() = default;

absl::Status Gate::Recover() { return impl_->Recover(); }

const std::vector<TenantRecovery>& Gate::recovery() const {
  return impl_->recovery();
}

StateSnapshotter* Gate::snapshotter() { return impl_->snapshotter(); }

absl::Status Gate::ApplyPolicy(const PolicyLoad& load) {
  return impl_->ApplyPolicy(load);
}

void Gate::NotePolicyReload(PolicyReloadAttempt attempt) {
  impl_->NotePolicyReload(std::move(attempt));
}

absl::Status Gate::ApplyShadowPolicy(const PolicyLoad& load) {
  return impl_->ApplyShadowPolicy(load);
}

void Gate::ClearShadowPolicy() { impl_->ClearShadowPolicy(); }

void Gate::ReplaceApprovers(ApproverRegistry approvers) {
  impl_->ReplaceApprovers(std::move(approvers));
}

absl::StatusOr<Decision> Gate::Evaluate(const policy::Action& action,
                                        const CallContext& call) {
  return impl_->Evaluate(action, call);
}

void Gate::EvaluateAsync(const policy::Action& action, const CallContext& call,
                         EvaluateCallback done) {
  impl_->EvaluateAsync(action, call, std::move(done));
}

absl::StatusOr<ExecutedDecision> Gate::EvaluateAndExecute(
    const policy::Action& action, const CallContext& call) {
  return impl_->EvaluateAndExecute(action, call);
}

void Gate::EvaluateAndExecuteAsync(const policy::Action& action,
                                   const CallContext& call,
                                   ExecutedCallback done) {
  impl_->EvaluateAndExecuteAsync(action, call, std::move(done));
}

void Gate::RejectAsync(const policy::Action& action, absl::Status error,
                       const CallContext& call, EvaluateCallback done) {
  impl_->RejectAsync(action, std::move(error), call, std::move(done));
}

absl::StatusOr<ApproveResult> Gate::Approve(const Approval& approval,
                                            absl::string_view signature,
                                            const CallContext& call) {
  return impl_->Approve(approval, signature, call);
}

absl::StatusOr<StandingState> Gate::GrantStanding(
    const StandingApproval& standing, absl::string_view signature,
    const CallContext& call) {
  return impl_->GrantStanding(standing, signature, call);
}

absl::StatusOr<StandingState> Gate::RevokeStanding(
    const StandingRevocation& revocation, absl::string_view signature,
    const CallContext& call) {
  return impl_->RevokeStanding(revocation, signature, call);
}

absl::StatusOr<std::vector<StandingState>> Gate::ListStanding(
    absl::string_view tenant) {
  return impl_->ListStanding(tenant);
}

absl::StatusOr<Decision> Gate::AwaitDecision(absl::string_view tenant,
                                             absl::string_view decision_id,
                                             absl::Duration max_wait) {
  return impl_->AwaitDecision(tenant, decision_id, max_wait);
}

uint64_t Gate::AwaitDecisionAsync(absl::string_view tenant,
                                  absl::string_view decision_id,
                                  absl::Duration max_wait,
                                  EvaluateCallback done) {
  return impl_->AwaitDecisionAsync(tenant, decision_id, max_wait,
                                   std::move(done));
}

bool Gate::CancelAwait(uint64_t id) { return impl_->CancelAwait(id); }

size_t Gate::open_waits() const { return impl_->open_waits(); }

absl::StatusOr<std::vector<DecisionState>> Gate::SubscribePending(
    absl::string_view tenant, QueueListener* listener) {
  return impl_->SubscribePending(tenant, listener);
}

void Gate::UnsubscribePending(absl::string_view tenant,
                              QueueListener* listener) {
  impl_->UnsubscribePending(tenant, listener);
}

size_t Gate::PendingListeners(absl::string_view tenant) {
  return impl_->PendingListeners(tenant);
}

absl::StatusOr<std::vector<DecisionState>> Gate::ListPending(
    absl::string_view tenant) {
  return impl_->ListPending(tenant);
}

absl::StatusOr<PendingPage> Gate::ListPendingPage(absl::string_view tenant,
                                                  absl::string_view page_token,
                                                  size_t page_size) {
  return impl_->ListPendingPage(tenant, page_token, page_size);
}

absl::Status Gate::WatchPending(absl::string_view tenant,
                                absl::FunctionRef<bool(const QueueEvent&)> send,
                                absl::FunctionRef<bool()> cancelled) {
  return impl_->WatchPending(tenant, send, cancelled);
}

absl::StatusOr<Receipt> Gate::Execute(absl::string_view decision_id,
                                      const policy::Action& action,
                                      const CallContext& call, ToolCall* tool) {
  return impl_->Execute(decision_id, action, call, tool);
}

absl::StatusOr<uint64_t> Gate::ReportOutcome(absl::string_view tenant,
                                             absl::string_view decision_id,
                                             ExecutionOutcome outcome,
                                             absl::string_view detail,
                                             const CallContext& call) {
  return impl_->ReportOutcome(tenant, decision_id, outcome, detail, call);
}

absl::Status Gate::Halt(absl::string_view tenant, absl::string_view reason,
                        const CallContext& call) {
  return impl_->Halt(tenant, reason, call);
}

absl::Status Gate::Resume(absl::string_view tenant, absl::string_view reason,
                          const CallContext& call) {
  return impl_->Resume(tenant, reason, call);
}

absl::StatusOr<std::vector<SharedHalt>> Gate::SyncHalts() {
  return impl_->SyncHalts();
}

void Gate::RecordAccessDeniedAsync(absl::Span<const std::string> chains,
                                   absl::string_view principal,
                                   absl::string_view method,
                                   const absl::Status& error,
                                   absl::AnyInvocable<void() &&> then) {
  impl_->RecordAccessDeniedAsync(chains, principal, method, error,
                                 std::move(then));
}

absl::Status Gate::RecordSecretChange(absl::string_view tenant,
                                      const char* kind, SecretRecord record) {
  return impl_->RecordSecretChange(tenant, kind, std::move(record));
}

GateStatus Gate::Status() { return impl_->Status(); }

absl::Status Gate::ExpireDue() { return impl_->ExpireDue(); }

const Clock& Gate::clock() const { return impl_->clock(); }

std::shared_ptr<const PolicySnapshot> Gate::policy() const {
  return impl_->policy();
}

absl::StatusOr<DeclaredTools> Gate::ListDeclaredTools(
    absl::string_view tenant) const {
  return impl_->ListDeclaredTools(tenant);
}

}  // namespace portcullis::gate
