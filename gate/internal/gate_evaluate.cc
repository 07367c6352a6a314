// GateImpl's decision path (Evaluate and its relatives): validate, decide
// through the decision kernel under the tenant's lock, append without it,
// then settle — commit or roll back — under the lock again.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "crypto/random.h"
#include "gate/action_digest.h"
#include "gate/action_validation.h"
#include "gate/internal/decision_kernel.h"
#include "gate/internal/gate_impl.h"

namespace portcullis::gate::gate_internal {
namespace {

using gate_internal::BusyDecision;

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
    v.decided_by = {
        {std::string(kHaltedRule), std::string(kHaltedDescription)}};
    v.reasons = {absl::StrCat("tenant ", tenant, " is halted: ", cause.reason)};
  } else {
    v.decided_by = {{std::string(kSharedHaltsUnknownRule),
                     std::string(kSharedHaltsUnknownDescription)}};
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

}  // namespace portcullis::gate::gate_internal
