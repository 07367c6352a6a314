// GateImpl's set-up, policy, approvals, execution, kill switch and status:
// each checks the tenant and hands over to its collaborator. The decision
// path is in gate_evaluate.cc, standing approvals in gate_standing.cc.
#include "gate/internal/gate_impl.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "gate/internal/recovery.h"

namespace portcullis::gate::gate_internal {

GateImpl::GateImpl(const Clock& clock, ledger::Ledger& ledger,
                   const RecordCodec& codec,
                   const crypto::SigningKey& signing_key,
                   ApproverRegistry approvers, GateOptions options,
                   const ToolConnectors* connectors, GateObserver* observer)
    : clock_(clock),
      ledger_(ledger),
      codec_(codec),
      options_(options),
      approvers_(std::move(approvers)),
      fatigue_(options.fatigue_cap),
      recorder_(ledger, codec),
      desk_(clock, recorder_, tenants_, policies_, approvers_,
            options.grant_ttl, observer, &fatigue_, options.shared_counters),
      kill_switch_(clock, recorder_, tenants_, policies_, options.shared_halts,
                   options.replica),
      executor_(clock, recorder_, tenants_, kill_switch_, signing_key,
                options.idempotency_window, connectors),
      observer_(observer) {}

absl::Status GateImpl::Recover() {
  const RecoveryWindows windows = RecoveryWindowsOf(options_);
  const absl::Time now = clock_.Now();
  RecoveryReport report;
  PORTCULLIS_RETURN_IF_ERROR(
      RecoverState(ledger_, codec_, now, windows, tenants_, &report));
  recovery_ = std::move(report.tenants);
  // The fatigue cap counts an approver's signatures on every tenant.
  for (const auto& [tenant, projection] : report.projections) {
    for (const auto& [approver, at] : projection.signatures()) {
      fatigue_.Restore(approver, at, now);
    }
  }
  if (options_.snapshot_every_checkpoints > 0 && snapshotter_ == nullptr) {
    snapshotter_ = std::make_unique<StateSnapshotter>(
        clock_, ledger_, codec_, windows, options_.snapshot_every_checkpoints,
        options_.on_snapshot_failed);
    snapshotter_->Start(std::move(report.projections));
  }
  return absl::OkStatus();
}

absl::Status GateImpl::ApplyPolicy(const PolicyLoad& load) {
  absl::Time now = clock_.Now();
  std::shared_ptr<const PolicySnapshot> current = policies_.Current();
  PolicyRecord record{load.snapshot ? load.snapshot->version : "",
                      load.content_hash, load.source, load.errors};
  const char* kind = load.snapshot ? kPolicyLoaded : kPolicyRejected;
  // A loaded policy is recorded where it will apply; a rejected one where
  // the policy that stays in force applies.
  std::vector<std::string> tenants;
  if (load.snapshot) {
    tenants = load.snapshot->program->Tenants();
  } else if (current) {
    tenants = current->program->Tenants();
  }
  // A tenant the ledger refuses (rolled back behind its checkpoint) cannot
  // record anything; the others must not be held hostage by it.
  absl::flat_hash_set<std::string> refused;
  for (const ledger::TenantRefusal& r : ledger_.Refusals()) {
    refused.insert(r.tenant);
  }
  std::vector<ledger::EntryDraft> drafts;
  for (const std::string& tenant : tenants) {
    if (!ValidateTenantId(tenant).ok() || refused.contains(tenant)) continue;
    EntryFields f;
    f.tenant = tenant;
    f.time = now;
    f.kind = kind;
    drafts.push_back(recorder_.Draft(std::move(f), record));
  }
  PORTCULLIS_RETURN_IF_ERROR(recorder_.Append(std::move(drafts)).status());
  if (!load.snapshot) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy from ", load.source, " does not compile; ",
        current ? "the current policy stays in force" : "no policy is in force",
        ":\n", absl::StrJoin(load.errors, "\n")));
  }
  policies_.Install(load.snapshot);
  return absl::OkStatus();
}

absl::Status GateImpl::ApplyShadowPolicy(const PolicyLoad& load) {
  if (!load.snapshot) {
    return absl::InvalidArgumentError(
        absl::StrCat("shadow policy from ", load.source, " does not compile:\n",
                     absl::StrJoin(load.errors, "\n")));
  }
  absl::flat_hash_map<std::string, UsageCounters> seed;
  for (const std::string& name : tenants_.Names()) {
    seed.emplace(name, tenants_.Get(name).Usage());
  }
  shadow_.Install(load.snapshot, std::move(seed));
  return absl::OkStatus();
}

absl::Status GateImpl::CheckTenant(absl::string_view tenant) const {
  if (absl::Status s = ValidateTenantId(tenant); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tenant: ", s.message()));
  }
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (policy == nullptr) {
    return absl::UnavailableError("no policy is loaded; nothing is allowed");
  }
  if (!policy->program->HasTenant(tenant)) {
    return absl::NotFoundError(
        absl::StrCat("tenant \"", tenant, "\" is not in policy version ",
                     policy->version, "; add a section for it to the policy"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ApproveResult> GateImpl::Approve(const Approval& approval,
                                                absl::string_view signature,
                                                const CallContext& call) {
  absl::StatusOr<ApproveResult> result =
      desk_.Approve(approval, signature, call.principal);
  if (observer_ != nullptr) observer_->OnApproved(approval, result.status());
  return result;
}

absl::StatusOr<Decision> GateImpl::AwaitDecision(absl::string_view tenant,
                                                 absl::string_view decision_id,
                                                 absl::Duration max_wait) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  if (absl::Status s = ValidateDecisionId(decision_id); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("decision_id: ", s.message()));
  }
  return desk_.Await(tenant, decision_id, max_wait);
}

uint64_t GateImpl::AwaitDecisionAsync(absl::string_view tenant,
                                      absl::string_view decision_id,
                                      absl::Duration max_wait,
                                      EvaluateCallback done) {
  absl::Status valid = CheckTenant(tenant);
  if (valid.ok()) {
    if (absl::Status s = ValidateDecisionId(decision_id); !s.ok()) {
      valid = absl::InvalidArgumentError(
          absl::StrCat("decision_id: ", s.message()));
    }
  }
  if (!valid.ok()) {
    std::move(done)(std::move(valid));
    return 0;
  }
  return desk_.AwaitAsync(tenant, decision_id, max_wait, std::move(done));
}

absl::StatusOr<std::vector<DecisionState>> GateImpl::SubscribePending(
    absl::string_view tenant, QueueListener* listener) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  return desk_.Subscribe(tenant, listener);
}

absl::StatusOr<std::vector<DecisionState>> GateImpl::ListPending(
    absl::string_view tenant) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  return desk_.ListPending(tenant);
}

absl::StatusOr<PendingPage> GateImpl::ListPendingPage(
    absl::string_view tenant, absl::string_view page_token, size_t page_size) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  return tenants_.Get(tenant).WithLock([&](const TenantBook::View& state) {
    return PagePending(state.pending(), page_token, page_size);
  });
}

absl::Status GateImpl::WatchPending(
    absl::string_view tenant, absl::FunctionRef<bool(const QueueEvent&)> send,
    absl::FunctionRef<bool()> cancelled) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  desk_.Watch(tenant, send, cancelled);
  return absl::OkStatus();
}

absl::StatusOr<Receipt> GateImpl::Execute(absl::string_view decision_id,
                                          const policy::Action& action,
                                          const CallContext& call,
                                          ToolCall* tool) {
  absl::Status valid = ValidateAction(action, options_.limits);
  if (valid.ok()) valid = CheckTenant(action.tenant);
  absl::StatusOr<Receipt> receipt =
      valid.ok() ? executor_.Execute(decision_id, action, call.principal, tool)
                 : absl::StatusOr<Receipt>(valid);
  if (observer_ != nullptr) observer_->OnExecuted(receipt.status(), tool);
  return receipt;
}

absl::StatusOr<uint64_t> GateImpl::ReportOutcome(absl::string_view tenant,
                                                 absl::string_view decision_id,
                                                 ExecutionOutcome outcome,
                                                 absl::string_view detail,
                                                 const CallContext& call) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  return executor_.ReportOutcome(
      tenant, decision_id,
      OutcomeRecord{outcome, std::string(detail), call.principal});
}

absl::Status GateImpl::Halt(absl::string_view tenant, absl::string_view reason,
                            const CallContext& call) {
  return kill_switch_.Halt(tenant, reason, call.principal);
}

absl::Status GateImpl::Resume(absl::string_view tenant,
                              absl::string_view reason,
                              const CallContext& call) {
  return kill_switch_.Resume(tenant, reason, call.principal);
}

absl::StatusOr<std::vector<SharedHalt>> GateImpl::SyncHalts() {
  return kill_switch_.Sync();
}

void GateImpl::RecordAccessDeniedAsync(absl::Span<const std::string> chains,
                                       absl::string_view principal,
                                       absl::string_view method,
                                       const absl::Status& error,
                                       absl::AnyInvocable<void() &&> then) {
  if (observer_ != nullptr) observer_->OnAccessDenied(method);
  auto chain = std::find_if(
      chains.begin(), chains.end(),
      [&](const std::string& tenant) { return CheckTenant(tenant).ok(); });
  if (chain == chains.end()) {
    std::move(then)();
    return;
  }
  EntryFields f;
  f.tenant = *chain;
  f.time = clock_.Now();
  f.kind = kAccessDenied;
  std::vector<ledger::EntryDraft> drafts;
  drafts.push_back(recorder_.Draft(
      std::move(f),
      AccessDeniedRecord{std::string(principal), std::string(method), error}));
  // The caller is refused whether or not this is recorded.
  recorder_.AppendAsync(
      std::move(drafts),
      [then = std::move(then)](
          const absl::StatusOr<std::vector<ledger::Appended>>&) mutable {
        std::move(then)();
      });
}

absl::Status GateImpl::RecordSecretChange(absl::string_view tenant,
                                          const char* kind,
                                          SecretRecord record) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  EntryFields f;
  f.tenant = std::string(tenant);
  f.time = clock_.Now();
  f.kind = kind;
  return recorder_.Record(std::move(f), std::move(record)).status();
}

absl::StatusOr<DeclaredTools> GateImpl::ListDeclaredTools(
    absl::string_view tenant) const {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  // CheckTenant saw a policy; a reload since then is fine: the answer names
  // the snapshot it comes from.
  DeclaredTools out{policies_.Current(), {}};
  if (out.policy == nullptr) {
    return absl::UnavailableError("no policy is loaded; nothing is allowed");
  }
  out.tools = out.policy->program->Tools(tenant);
  return out;
}

GateStatus GateImpl::Status() {
  GateStatus status;
  status.policy = policies_.Current();
  status.shadow = shadow_.Status();
  status.last_reload = reloads_.Latest();
  std::string reason;
  if (tenants_.GateHalted(&reason)) status.gate_halted = reason;
  if (status.policy == nullptr) return status;
  for (const std::string& tenant : status.policy->program->Tenants()) {
    TenantStatus t;
    t.tenant = tenant;
    if (std::optional<HaltCause> halt = kill_switch_.HaltOf(tenant)) {
      t.halted = std::move(halt->reason);
    }
    t.pending = tenants_.Get(tenant).PendingCount();
    if (auto head = ledger_.Head(tenant)) t.ledger_sequence = head->sequence;
    status.tenants.push_back(std::move(t));
  }
  return status;
}

}  // namespace portcullis::gate::gate_internal
