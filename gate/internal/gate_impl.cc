#include "gate/internal/gate_impl.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "crypto/random.h"
#include "gate/action_digest.h"
#include "gate/internal/decision_kernel.h"
#include "gate/internal/recovery.h"

namespace portcullis::gate::gate_internal {
namespace {

using gate_internal::BusyDecision;

constexpr char kHaltedDescription[] =
    "a halted tenant's actions are denied until it is resumed";
constexpr char kSharedHaltsUnknownDescription[] =
    "while halts made at the other replicas cannot be learnt, every action "
    "is denied";

std::optional<absl::Time> ExpiryOf(const policy::Verdict& verdict,
                                   absl::Time now, absl::Duration grant_ttl) {
  switch (verdict.outcome) {
    case policy::Outcome::kAllow:
      return now + grant_ttl;
    case policy::Outcome::kPendingApproval: {
      std::optional<absl::Time> earliest;
      for (const policy::ApprovalRequirement& r : verdict.approvals) {
        absl::Time deadline = now + r.expires_after;
        if (!earliest || deadline < *earliest) earliest = deadline;
      }
      return earliest;
    }
    case policy::Outcome::kDeny:
      return std::nullopt;
  }
  return std::nullopt;
}

policy::Verdict HaltedVerdict(absl::string_view tenant,
                              const HaltCause& cause) {
  policy::Verdict v;
  v.outcome = policy::Outcome::kDeny;
  if (cause.rule == kHaltedRule) {
    v.decided_by = {{std::string(kHaltedRule), kHaltedDescription}};
    v.reasons = {absl::StrCat("tenant ", tenant, " is halted: ", cause.reason)};
  } else {
    v.decided_by = {
        {std::string(kSharedHaltsUnknownRule), kSharedHaltsUnknownDescription}};
    v.reasons = {cause.reason};
  }
  return v;
}

// Once the ledger has answered: a recorded decision takes effect (its
// approval request becomes visible); one that could not be recorded is
// undone (its charge returned, its request dropped) and fails.
// Under the tenant's lock, as the decision's write is released (its
// request's key, when it queued one).
absl::StatusOr<Decision> Settle(
    Decision decision, TenantBook::View& tenant, CounterStore* shared_counters,
    absl::Time now,
    const absl::StatusOr<std::vector<ledger::Appended>>& appended) {
  const policy::Outcome outcome = decision.verdict.outcome;
  const bool pending = outcome == policy::Outcome::kPendingApproval;
  if (pending) tenant.MarkRecorded(decision.id);
  if (!appended.ok()) {
    if (outcome == policy::Outcome::kAllow) {
      gate_internal::Uncharge(decision.tenant, decision.verdict.charges, now,
                              {tenant.usage(), shared_counters, decision.id});
      // A standing approval's use that was not recorded is not used.
      for (const std::string& id : CitedStanding(decision.verdict)) {
        StandingState* standing = tenant.FindStanding(id);
        if (standing != nullptr && standing->uses > 0) --standing->uses;
      }
    }
    if (pending) tenant.ErasePending(decision.id);
    return appended.status();
  }
  decision.ledger_sequence = (*appended)[0].sequence;
  if (pending) {
    DecisionState& state = tenant.PendingSlot(decision.id);
    state.current.ledger_sequence = decision.ledger_sequence;
    tenant.Publish(QueueEvent::Kind::kAdded, state);
  }
  return decision;
}

}  // namespace

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

Decision GateImpl::NewDecision(const policy::Action& action,
                               const PolicySnapshot& policy,
                               absl::Time now) const {
  Decision d;
  d.id = crypto::RandomId();
  d.tenant = action.tenant;
  d.policy_version = policy.version;
  d.policy_hash = policy.content_hash;
  d.action_digest = ActionDigest(action);
  d.decided_at = now;
  return d;
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

absl::StatusOr<Decision> GateImpl::Evaluate(const policy::Action& action,
                                            const CallContext& call) {
  absl::StatusOr<Decision> answer;
  absl::Notification answered;
  EvaluateAsync(action, call, [&](absl::StatusOr<Decision> decision) {
    answer = std::move(decision);
    answered.Notify();
  });
  answered.WaitForNotification();
  return answer;
}

absl::StatusOr<ExecutedDecision> GateImpl::EvaluateAndExecute(
    const policy::Action& action, const CallContext& call) {
  absl::StatusOr<ExecutedDecision> answer;
  absl::Notification answered;
  EvaluateAndExecuteAsync(
      action, call,
      [&](absl::StatusOr<Decision> decision, std::optional<Receipt> receipt) {
        if (decision.ok()) {
          answer = ExecutedDecision{*std::move(decision), std::move(receipt)};
        } else {
          answer = decision.status();
        }
        answered.Notify();
      });
  answered.WaitForNotification();
  return answer;
}

void GateImpl::EvaluateAsync(const policy::Action& action,
                             const CallContext& call, EvaluateCallback done) {
  EvaluateThen(action, call, /*execute=*/false,
               [done = std::move(done)](absl::StatusOr<Decision> decision,
                                        std::optional<Receipt>) mutable {
                 std::move(done)(std::move(decision));
               });
}

void GateImpl::EvaluateAndExecuteAsync(const policy::Action& action,
                                       const CallContext& call,
                                       ExecutedCallback done) {
  EvaluateThen(action, call, /*execute=*/true, std::move(done));
}

GateImpl::ExecutedCallback GateImpl::Observed(const policy::Action& action,
                                              absl::Time start,
                                              ExecutedCallback done) {
  if (observer_ == nullptr) return done;
  return [this, tool = action.tool, start, done = std::move(done)](
             absl::StatusOr<Decision> answer,
             std::optional<Receipt> receipt) mutable {
    observer_->OnEvaluated(
        tool, answer, std::max(absl::ZeroDuration(), clock_.Now() - start));
    // Executed with its decision: counted as Execute would have been.
    if (receipt) observer_->OnExecuted(absl::OkStatus(), nullptr);
    std::move(done)(std::move(answer), std::move(receipt));
  };
}

ledger::Ledger::Abandoned GateImpl::AbandonedAfter(
    const CallContext& call) const {
  if (call.deadline == absl::InfiniteFuture()) return nullptr;
  return [&clock = clock_, deadline = call.deadline] {
    return clock.Now() >= deadline;
  };
}

void GateImpl::EvaluateThen(const policy::Action& action,
                            const CallContext& call, bool execute,
                            ExecutedCallback done) {
  const absl::Time now = clock_.Now();
  done = Observed(action, now, std::move(done));
  // A caller that has given up gets no decision, and none is recorded.
  if (now >= call.deadline) {
    std::move(done)(absl::DeadlineExceededError(
                        "the deadline passed before the action was decided; "
                        "nothing was recorded"),
                    std::nullopt);
    return;
  }
  if (absl::Status s = ValidateAction(action, options_.limits); !s.ok()) {
    RecordRejection(action, std::move(s), call, now, std::move(done));
    return;
  }
  if (absl::Status s = CheckTenant(action.tenant); !s.ok()) {
    std::move(done)(std::move(s), std::nullopt);
    return;
  }
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  TenantBook& tenant = tenants_.Get(action.tenant);
  Decision decision = NewDecision(action, *policy, now);
  absl::StatusOr<policy::Verdict> verdict =
      Decide(action, decision.id, *policy, tenant, now);
  if (!verdict.ok()) {
    RecordRejection(action, verdict.status(), call, now, std::move(done));
    return;
  }
  decision.verdict = *std::move(verdict);
  decision.expires_at = ExpiryOf(decision.verdict, now, options_.grant_ttl);
  // Shadow mode (issue 7): the candidate decides too, never enforced.
  std::optional<ShadowRecord> shadowed = shadow_.Decide(
      action, decision.verdict, now, [&](policy::Verdict& candidate) {
        ShadowStanding(action, decision.verdict, now, candidate);
      });
  Record(action, std::move(decision), call, tenant, now, std::move(shadowed),
         execute, std::move(done));
}

absl::StatusOr<policy::Verdict> GateImpl::Decide(const policy::Action& action,
                                                 absl::string_view decision_id,
                                                 const PolicySnapshot& policy,
                                                 TenantBook& tenant,
                                                 absl::Time now) {
  return tenant.WithLock(
      [&](TenantBook::View& state) -> absl::StatusOr<policy::Verdict> {
        if (std::optional<HaltCause> halted =
                kill_switch_.HaltOfLocked(state)) {
          return HaltedVerdict(action.tenant, *halted);
        }
        StandingState* used = nullptr;
        absl::StatusOr<policy::Verdict> verdict = gate_internal::Decide(
            *policy.program, action, now,
            {state.usage(), options_.shared_counters, decision_id},
            [&](policy::Verdict& pending) {
              if (!state.standing().empty()) {
                used = ApplyStanding(action, state, now, pending);
              }
            });
        // A standing approval's use is given back when the shared counters
        // refused what it allowed.
        if (used != nullptr &&
            (!verdict.ok() || verdict->outcome != policy::Outcome::kAllow)) {
          --used->uses;
        }
        return verdict;
      });
}

void GateImpl::Record(const policy::Action& action, Decision decision,
                      const CallContext& call, TenantBook& tenant,
                      absl::Time now, std::optional<ShadowRecord> shadowed,
                      bool execute, ExecutedCallback done) {
  const bool pending =
      decision.verdict.outcome == policy::Outcome::kPendingApproval;
  EntryFields fields = FieldsFor(action, now, kActionEvaluated);
  fields.decision_id = decision.id;
  fields.action_digest = std::string(crypto::AsBytes(decision.action_digest));
  std::vector<ledger::EntryDraft> drafts;
  EvaluationRecord evaluation{action, decision, call.principal};
  drafts.push_back(recorder_.Draft(fields, evaluation));
  // A pending decision reserves its id until it is recorded; any decision
  // settles (commits or rolls back) under the tenant's lock.
  std::vector<std::string> keys;
  if (pending) {
    // Queue it first, reserved, so that no approval can find the decision
    // recorded but not yet queued; a full queue refuses it.
    keys.push_back(BusyDecision(decision.id));
    DecisionState state;
    ApplyRecord(state, kActionEvaluated, evaluation, now).IgnoreError();
    absl::Status room;
    tenant.Reserve(keys, TenantBook::Wait::kWait, [&](TenantBook::View& queue) {
      room = PendingRoom(queue, action.agent);
      if (!room.ok()) return false;
      queue.Enqueue(std::move(state));
      return true;
    });
    if (!room.ok()) {
      RecordRejection(action, std::move(room), call, now, std::move(done));
      return;
    }
    fields.kind = kApprovalRequested;
    drafts.push_back(recorder_.Draft(
        fields, ApprovalRequestRecord{now, decision.verdict.approvals,
                                      call.principal}));
  }
  if (shadowed) {  // in the same batch: no extra write for the caller
    fields.kind = kShadowDiffered;
    drafts.push_back(recorder_.Draft(fields, *shadowed));
  }
  // Executed with its decision (issue 17): in the same batch too, as the
  // executor would record it.
  Executor::AtDecision execution;
  size_t execution_entry = 0;
  if (execute && decision.verdict.outcome == policy::Outcome::kAllow &&
      decision.expires_at && now < *decision.expires_at) {
    execution = executor_.BeginAtDecision(
        decision.id, action, fields.action_digest, now, call.principal);
    if (execution.kind == Executor::AtDecision::Kind::kPrepared) {
      execution_entry = drafts.size();
      drafts.push_back(*std::move(execution.draft));
      execution.draft.reset();
    }
  }

  // Checked again here and, by the ledger, once the append reaches the
  // front of its queue: a decision whose caller gave up in the meantime is
  // never recorded, and Settle undoes its charge like any failed append.
  auto settle =
      [this, &tenant, keys = std::move(keys), now, execution_entry,
       decision = std::move(decision), execution = std::move(execution),
       done = std::move(done)](
          absl::StatusOr<std::vector<ledger::Appended>> appended) mutable {
        absl::StatusOr<Decision> settled;
        tenant.Release(keys, [&](TenantBook::View& state) {
          settled = Settle(std::move(decision), state, options_.shared_counters,
                           now, appended);
        });
        std::optional<Receipt> receipt;
        if (execution.kind == Executor::AtDecision::Kind::kPrepared) {
          absl::StatusOr<uint64_t> sequence =
              appended.ok() ? absl::StatusOr<uint64_t>(
                                  (*appended)[execution_entry].sequence)
                            : absl::StatusOr<uint64_t>(appended.status());
          absl::StatusOr<Receipt> executed =
              executor_.FinishAtDecision(execution, sequence);
          if (executed.ok()) receipt = *std::move(executed);
        } else if (execution.kind == Executor::AtDecision::Kind::kRepeat &&
                   settled.ok()) {
          receipt = std::move(execution.receipt);
        }
        std::move(done)(std::move(settled), std::move(receipt));
      };
  if (clock_.Now() >= call.deadline) {
    settle(absl::DeadlineExceededError(
        "the deadline passed before the decision could be recorded; nothing "
        "was recorded"));
    return;
  }
  recorder_.AppendAsync(std::move(drafts), std::move(settle),
                        AbandonedAfter(call));
}

absl::Status GateImpl::PendingRoom(const TenantBook::View& tenant,
                                   absl::string_view agent) const {
  if (tenant.pending().size() >= options_.max_pending_per_tenant) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "tenant has ", tenant.pending().size(),
        " requests waiting for approval, the most it may; approve or deny "
        "some first"));
  }
  size_t mine = 0;
  for (const auto& [id, state] : tenant.pending()) {
    if (state.action.agent == agent) ++mine;
  }
  if (mine >= options_.max_pending_per_agent) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "agent has ", mine,
        " requests waiting for approval, the most it may; wait for them to "
        "be resolved"));
  }
  return absl::OkStatus();
}

void GateImpl::RejectAsync(const policy::Action& action, absl::Status error,
                           const CallContext& call, EvaluateCallback done) {
  RecordRejection(action, std::move(error), call, clock_.Now(),
                  [done = std::move(done)](absl::StatusOr<Decision> rejected,
                                           std::optional<Receipt>) mutable {
                    std::move(done)(std::move(rejected));
                  });
}

void GateImpl::RecordRejection(const policy::Action& action, absl::Status error,
                               const CallContext& call, absl::Time now,
                               ExecutedCallback done) {
  // Only a known tenant has a chain to record on; anything else would let
  // a caller create chains by naming tenants.
  if (!CheckTenant(action.tenant).ok()) {
    std::move(done)(std::move(error), std::nullopt);
    return;
  }
  std::vector<ledger::EntryDraft> drafts;
  drafts.push_back(
      recorder_.Draft(FieldsFor(action, now, kActionRejected),
                      RejectionRecord{action, error, call.principal}));
  // The caller gets the original error whether or not this is recorded;
  // nothing is recorded once it has given up.
  recorder_.AppendAsync(
      std::move(drafts),
      [error = std::move(error), done = std::move(done)](
          const absl::StatusOr<std::vector<ledger::Appended>>&) mutable {
        std::move(done)(std::move(error), std::nullopt);
      },
      AbandonedAfter(call));
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
