#include "gate/internal/approval_desk.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "base/identifiers.h"
#include "crypto/constant_time.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "gate/builtin_rules.h"
#include "gate/internal/decision_kernel.h"
#include "policy/amendment.h"

namespace portcullis::gate {
namespace {

using gate_internal::BusyDecision;

std::string DescribeTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string DescribeOutcome(const Decision& d) {
  switch (d.verdict.outcome) {
    case policy::Outcome::kAllow:
      return "approved";
    case policy::Outcome::kDeny:
      return "denied";
    case policy::Outcome::kPendingApproval:
      return "pending";
  }
  return "denied";
}

// The decision once every requirement is met.
Decision Granted(const DecisionState& s, absl::Time now,
                 absl::Duration grant_ttl, const policy::Verdict& recheck) {
  Decision d = s.current;
  d.verdict.outcome = policy::Outcome::kAllow;
  d.verdict.approvals.clear();
  d.verdict.charges = recheck.charges;
  std::vector<std::string> who;
  for (const Vote& v : s.votes) {
    if (v.verdict == ApprovalVerdict::kApprove) {
      who.push_back(
          absl::StrCat(v.approver_id, " (", absl::StrJoin(v.roles, ", "), ")"));
    }
  }
  d.verdict.reasons = {absl::StrCat("approved by ", absl::StrJoin(who, ", "))};
  d.expires_at = now + grant_ttl;
  return d;
}

Decision Refused(const DecisionState& s, const Vote& vote) {
  Decision d = s.current;
  d.verdict.outcome = policy::Outcome::kDeny;
  d.verdict.approvals.clear();
  d.verdict.charges.clear();
  d.verdict.reasons = {absl::StrCat(
      "denied by ", vote.approver_id,
      vote.comment.empty() ? "" : absl::StrCat(": ", vote.comment))};
  d.expires_at.reset();
  return d;
}

// A grant that the current policy no longer allows: its rules decide.
Decision StoppedByPolicy(const DecisionState& s,
                         const absl::StatusOr<policy::Verdict>& recheck) {
  Decision d = s.current;
  d.verdict.outcome = policy::Outcome::kDeny;
  d.verdict.approvals.clear();
  d.verdict.charges.clear();
  d.expires_at.reset();
  if (recheck.ok()) {
    d.verdict.decided_by = recheck->decided_by;
    d.verdict.reasons = recheck->reasons;
  } else {
    d.verdict.reasons = {absl::StrCat("the current policy rejects the action: ",
                                      recheck.status().message())};
  }
  return d;
}

Decision Expired(const DecisionState& s) {
  Decision d = s.current;
  d.verdict.outcome = policy::Outcome::kDeny;
  d.verdict.approvals.clear();
  d.verdict.charges.clear();
  d.verdict.decided_by.insert(d.verdict.decided_by.begin(),
                              {std::string(kApprovalExpiredRule),
                               std::string(kApprovalExpiredDescription)});
  d.verdict.reasons = {absl::StrCat("no approval by the deadline ",
                                    DescribeTime(DeadlineOf(s)))};
  d.expires_at.reset();
  return d;
}

EntryFields FieldsFor(const DecisionState& s, absl::Time now,
                      const char* kind) {
  EntryFields f = gate::FieldsFor(s.action, now, kind);
  f.decision_id = s.original.id;
  f.action_digest = std::string(crypto::AsBytes(s.original.action_digest));
  return f;
}

// Checks that the approval's amendment compiles with the policy in force.
absl::StatusOr<AmendmentRecord> CheckAmendment(const Approval& approval,
                                               const PolicySnapshot& policy) {
  AmendmentRecord record;
  record.proposal_id = ProposalId(approval);
  record.approver_id = approval.approver_id;
  record.proposal = *approval.amendment;
  record.policy_version = policy.version;
  record.policy_hash = policy.content_hash;
  policy::AmendResult amended = policy::AmendPolicy(
      policy.files, {approval.tenant, record.proposal.tool,
                     record.proposal.rule, record.proposal_id});
  if (!amended.errors.empty()) {
    constexpr size_t kShown = 5;
    std::vector<std::string> errors;
    for (const policy::Diagnostic& d : amended.errors) {
      if (errors.size() == kShown) break;
      errors.push_back(d.ToString());
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "approval.amendment: the policy in force (version ", policy.version,
        ") with the proposed rule does not compile: ",
        absl::StrJoin(errors, "; ")));
  }
  record.rule_id = amended.rule_id;
  return record;
}

// The key under which waits for a decision are registered.
std::string WaitKey(absl::string_view tenant, absl::string_view decision_id) {
  return absl::StrCat(tenant, "/", decision_id);
}

}  // namespace

// What one verdict changes, decided under the tenant's lock and applied
// after it is recorded.
struct ApprovalDesk::Plan {
  VerdictRecord record;
  const char* kind = kApprovalGranted;
  std::vector<policy::UsageCharge> charged;  // to undo if recording fails
  // Names the charges in a shared store: the decision id and a nonce, as
  // a grant that could not be recorded may be tried again, and a store
  // never charges a batch it refunded.
  std::string batch_id;
};

absl::StatusOr<ApproveResult> ApprovalDesk::Approve(const Approval& approval,
                                                    absl::string_view signature,
                                                    absl::string_view caller) {
  absl::Status shape = ValidateApproval(approval);
  if (shape.ok() && signature.size() != crypto::kEd25519SignatureSize) {
    shape = absl::InvalidArgumentError(
        "signature: must be the 64-byte Ed25519 signature of the approval");
  }
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (shape.ok() &&
      (policy == nullptr || !policy->program->HasTenant(approval.tenant))) {
    return absl::NotFoundError(absl::StrCat(
        "tenant \"", approval.tenant, "\" is not in the policy in force"));
  }
  auto reject = [&](absl::Status error) {
    RecordRejection(approval, error);
    return error;
  };
  if (!shape.ok()) return reject(shape);
  std::shared_ptr<const ApproverRegistry> approvers = approvers_.Current();
  const Approver* approver = approvers->Find(approval.approver_id);
  if (approver == nullptr) {
    return reject(absl::PermissionDeniedError(
        absl::StrCat("approver \"", approval.approver_id,
                     "\" is not registered with this gate")));
  }
  if (!VerifyApprovalSignature(approval, signature, approver->key)) {
    return reject(absl::PermissionDeniedError(absl::StrCat(
        "the signature does not verify with approver \"", approver->id,
        "\"'s key: the approval was changed after signing, or signed with "
        "another key")));
  }
  if (!approver->MayApproveFor(approval.tenant)) {
    return reject(absl::PermissionDeniedError(absl::StrCat(
        "approver \"", approver->id, "\" may not approve for tenant \"",
        approval.tenant, "\"")));
  }
  if (clock_.Now() >= approval.expires_at) {
    return reject(absl::FailedPreconditionError(
        absl::StrCat("this approval expired at ",
                     DescribeTime(approval.expires_at), "; sign a new one")));
  }
  std::optional<AmendmentRecord> amendment;
  if (approval.amendment.has_value()) {
    absl::StatusOr<AmendmentRecord> checked = CheckAmendment(approval, *policy);
    if (!checked.ok()) return reject(checked.status());
    amendment = *std::move(checked);
  }
  // The fatigue cap counts approving signatures only: a refusal is never
  // held back.
  const bool capped =
      fatigue_ != nullptr && approval.verdict == ApprovalVerdict::kApprove;
  const absl::Time taken_at = clock_.Now();
  if (capped) {
    if (absl::Status s = fatigue_->Take(approver->id, taken_at, "approval");
        !s.ok()) {
      return reject(std::move(s));
    }
  }
  absl::StatusOr<ApproveResult> result =
      Decide(approval, signature, *approver, caller,
             tenants_.Get(approval.tenant), amendment ? &*amendment : nullptr);
  if (!result.ok()) {
    if (capped) fatigue_->GiveBack(approver->id, taken_at);
    if (!absl::IsUnavailable(result.status())) {
      RecordRejection(approval, result.status());
    }
  }
  return result;
}

absl::StatusOr<ApproveResult> ApprovalDesk::Decide(
    const Approval& approval, absl::string_view signature,
    const Approver& approver, absl::string_view caller, TenantBook& tenant,
    const AmendmentRecord* amendment) {
  const absl::Time now = clock_.Now();
  const std::string busy[] = {BusyDecision(approval.decision_id)};
  Plan plan;
  DecisionState snapshot;
  // Why the verdict is not recorded, when it is not; what to do about it
  // once the lock is released.
  enum class Refusal { kNone, kNotPending, kExpired, kError };
  Refusal refusal = Refusal::kNone;
  absl::Status refused;
  absl::Time deadline;
  const bool planned = tenant.Reserve(
      busy, TenantBook::Wait::kWait, [&](TenantBook::View& queue) {
        const DecisionState* found = queue.FindPending(approval.decision_id);
        if (found == nullptr) {
          refusal = Refusal::kNotPending;
          return false;
        }
        const DecisionState& state = *found;
        deadline = DeadlineOf(state);
        if (now >= deadline) {
          refusal = Refusal::kExpired;
          return false;
        }
        refused = Check(approval, approver, caller, state, now);
        if (!refused.ok()) {
          refusal = Refusal::kError;
          return false;
        }
        PlanVerdict(approval, signature, approver, state, queue.usage(), now,
                    plan);
        snapshot = state;
        return true;
      });
  switch (refusal) {
    case Refusal::kNone:
      break;
    case Refusal::kNotPending: {
      absl::StatusOr<DecisionState> state =
          LoadDecision(recorder_.ledger(), recorder_.codec(), approval.tenant,
                       approval.decision_id);
      if (!state.ok()) return state.status();
      return absl::FailedPreconditionError(absl::StrCat(
          "decision ", approval.decision_id, " is not pending: it was ",
          DescribeOutcome(state->current)));
    }
    case Refusal::kExpired:
      Expire(tenant, approval.decision_id, now).IgnoreError();
      return absl::FailedPreconditionError(
          absl::StrCat("the request expired at ", DescribeTime(deadline),
                       "; approvals after the deadline do not count"));
    case Refusal::kError:
      return refused;
  }
  // Every refusal above says why; a plan that was not made is not recorded.
  if (!planned) return absl::InternalError("the verdict was not planned");

  absl::StatusOr<uint64_t> sequence;
  if (amendment == nullptr) {
    sequence =
        recorder_.Record(FieldsFor(snapshot, now, plan.kind), plan.record);
  } else {  // the verdict and its amendment, in one batch
    std::vector<ledger::EntryDraft> drafts;
    drafts.push_back(
        recorder_.Draft(FieldsFor(snapshot, now, plan.kind), plan.record));
    drafts.push_back(recorder_.Draft(
        FieldsFor(snapshot, now, kAmendmentProposed), *amendment));
    absl::StatusOr<std::vector<ledger::Appended>> appended =
        recorder_.Append(std::move(drafts));
    if (appended.ok()) {
      sequence = appended->front().sequence;
    } else {
      sequence = appended.status();
    }
  }

  ApproveResult result;
  if (amendment != nullptr) result.proposal_id = amendment->proposal_id;
  absl::Status settled;
  tenant.Release(busy, [&](TenantBook::View& queue) {
    if (!sequence.ok()) {
      gate_internal::Uncharge(approval.tenant, plan.charged, now,
                              {queue.usage(), shared_counters_, plan.batch_id});
      settled = sequence.status();
      return;
    }
    DecisionState& state = queue.PendingSlot(approval.decision_id);
    settled = ApplyRecord(state, plan.kind, plan.record, now);
    if (!settled.ok()) return;
    state.current.ledger_sequence = *sequence;
    result.decision = state.current;
    if (plan.record.resolution == Resolution::kNone) {
      result.pending = state;
      queue.Publish(QueueEvent::Kind::kUpdated, state);
    } else {
      DecisionState resolved = std::move(state);
      queue.ErasePending(approval.decision_id);
      queue.Publish(QueueEvent::Kind::kResolved, resolved);
    }
  });
  if (!settled.ok()) return settled;
  if (!result.pending) {
    waiters_.Wake(WaitKey(approval.tenant, approval.decision_id),
                  result.decision);
  }
  return result;
}

absl::Status ApprovalDesk::Check(const Approval& approval,
                                 const Approver& approver,
                                 absl::string_view caller,
                                 const DecisionState& state, absl::Time now) {
  if (!crypto::ConstantTimeEquals(
          approval.action_digest,
          crypto::AsBytes(state.original.action_digest))) {
    return absl::PermissionDeniedError(
        "this approval is for a different action: its digest does not "
        "match the pending action's");
  }
  if (!state.requested_by.empty() &&
      (state.requested_by == approver.id || state.requested_by == caller)) {
    return absl::PermissionDeniedError(
        absl::StrCat("\"", state.requested_by,
                     "\" requested this action and cannot approve it"));
  }
  for (const Vote& v : state.votes) {
    if (v.approver_id == approver.id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "approver \"", approver.id,
          "\" already gave a verdict on this decision; a second one (a "
          "replay) does not count"));
    }
  }
  if (!MayVote(state, approver, now)) {
    return absl::PermissionDeniedError(
        absl::StrCat("approver \"", approver.id,
                     "\" holds none of the roles this request needs"));
  }
  return absl::OkStatus();
}

void ApprovalDesk::PlanVerdict(const Approval& approval,
                               absl::string_view signature,
                               const Approver& approver,
                               const DecisionState& state, UsageCounters& usage,
                               absl::Time now, Plan& plan) {
  Vote vote{approver.id, approver.roles, approval.verdict, approval.comment,
            now};
  DecisionState next = state;
  next.votes.push_back(vote);
  plan.record = {approval, std::string(signature), approver.roles,
                 Resolution::kNone, state.current};
  if (approval.verdict == ApprovalVerdict::kDeny) {
    plan.kind = kApprovalDenied;
    plan.record.resolution = Resolution::kDenied;
    plan.record.decision = Refused(next, vote);
  } else if (QuorumMet(next)) {
    // Hard limits of the policy in force hold even against approvals.
    std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
    plan.batch_id = absl::StrCat(approval.decision_id, "/", crypto::RandomId());
    absl::StatusOr<policy::Verdict> recheck =
        gate_internal::Recheck(*policy->program, state.action, now,
                               {usage, shared_counters_, plan.batch_id});
    if (!recheck.ok() || recheck->outcome == policy::Outcome::kDeny) {
      plan.kind = kApprovalDenied;
      plan.record.resolution = Resolution::kDenied;
      plan.record.decision = StoppedByPolicy(next, recheck);
    } else {  // charged by the re-check
      plan.record.resolution = Resolution::kGranted;
      plan.record.decision = Granted(next, now, grant_ttl_, *recheck);
      plan.charged = recheck->charges;
    }
  }
}

absl::Status ApprovalDesk::RecordDeadline(
    TenantBook& tenant, const std::string& decision_id, absl::Time now,
    const char* kind,
    absl::FunctionRef<std::optional<DeadlineRecord>(const DecisionState&)>
        due) {
  const std::string busy[] = {BusyDecision(decision_id)};
  DeadlineRecord record;
  DecisionState snapshot;
  // Someone else is on it, it is resolved, or it is not due: nothing to do.
  const bool planned = tenant.Reserve(
      busy, TenantBook::Wait::kSkipIfBusy, [&](TenantBook::View& queue) {
        const DecisionState* state = queue.FindPending(decision_id);
        if (state == nullptr) return false;
        std::optional<DeadlineRecord> planned = due(*state);
        if (!planned) return false;
        record = *std::move(planned);
        snapshot = *state;
        return true;
      });
  if (!planned) return absl::OkStatus();
  absl::StatusOr<uint64_t> sequence =
      recorder_.Record(FieldsFor(snapshot, now, kind), record);
  absl::Status applied;
  std::optional<Decision> resolved_as;
  tenant.Release(busy, [&](TenantBook::View& queue) {
    if (!sequence.ok()) {
      applied = sequence.status();
      return;
    }
    if (observer_ != nullptr && absl::string_view(kind) == kApprovalExpired) {
      observer_->OnApprovalExpired();
    }
    DecisionState& state = queue.PendingSlot(decision_id);
    applied = ApplyRecord(state, kind, record, now);
    state.current.ledger_sequence = *sequence;
    if (state.pending()) {
      queue.Publish(QueueEvent::Kind::kUpdated, state);
    } else {
      DecisionState resolved = std::move(state);
      queue.ErasePending(decision_id);
      queue.Publish(QueueEvent::Kind::kResolved, resolved);
      resolved_as = resolved.current;
    }
  });
  if (resolved_as) {
    waiters_.Wake(WaitKey(resolved_as->tenant, decision_id), *resolved_as);
  }
  return applied;
}

absl::Status ApprovalDesk::Expire(TenantBook& tenant,
                                  const std::string& decision_id,
                                  absl::Time now) {
  return RecordDeadline(
      tenant, decision_id, now, kApprovalExpired,
      [&](const DecisionState& s) -> std::optional<DeadlineRecord> {
        if (now < DeadlineOf(s)) return std::nullopt;
        return DeadlineRecord{Expired(s), {}};
      });
}

absl::Status ApprovalDesk::Escalate(TenantBook& tenant,
                                    const std::string& decision_id,
                                    absl::Time now) {
  return RecordDeadline(
      tenant, decision_id, now, kApprovalEscalated,
      [&](const DecisionState& s) -> std::optional<DeadlineRecord> {
        std::optional<absl::Time> at = NextEscalation(s);
        if (!at || now < *at) return std::nullopt;
        return DeadlineRecord{s.current, EscalationRoles(s)};
      });
}

absl::Status ApprovalDesk::ExpireDue() {
  const absl::Time now = clock_.Now();
  absl::Status first_error;
  for (const std::string& name : tenants_.Names()) {
    TenantBook& tenant = tenants_.Get(name);
    std::vector<std::string> expiring, escalating;
    tenant.WithLock([&](const TenantBook::View& queue) {
      for (const auto& [id, state] : queue.pending()) {
        if (now >= DeadlineOf(state)) {
          expiring.push_back(id);
        } else if (auto due = NextEscalation(state); due && now >= *due) {
          escalating.push_back(id);
        }
      }
    });
    for (const std::string& id : expiring) {
      absl::Status s = Expire(tenant, id, now);
      if (first_error.ok()) first_error = s;
    }
    for (const std::string& id : escalating) {
      absl::Status s = Escalate(tenant, id, now);
      if (first_error.ok()) first_error = s;
    }
  }
  return first_error;
}

std::vector<DecisionState> ApprovalDesk::ListPending(absl::string_view tenant) {
  return tenants_.Get(tenant).OpenRequests();
}

absl::StatusOr<Decision> ApprovalDesk::Await(absl::string_view tenant_id,
                                             absl::string_view decision_id,
                                             absl::Duration max_wait) {
  absl::StatusOr<Decision> answer;
  absl::Notification answered;
  AwaitAsync(tenant_id, decision_id, max_wait,
             [&](absl::StatusOr<Decision> decision) {
               answer = std::move(decision);
               answered.Notify();
             });
  answered.WaitForNotification();
  return answer;
}

uint64_t ApprovalDesk::AwaitAsync(absl::string_view tenant_id,
                                  absl::string_view decision_id,
                                  absl::Duration max_wait, AwaitCallback done) {
  std::optional<Decision> pending;
  std::optional<uint64_t> waiting;
  tenants_.Get(tenant_id).WithLock([&](TenantBook::View& queue) {
    const DecisionState* state = queue.FindPending(decision_id);
    if (state == nullptr) return;
    if (max_wait > absl::ZeroDuration()) {
      // Registered under the tenant's lock: a resolution, which changes
      // the queue under it too and wakes after, cannot slip between.
      waiting = waiters_.Add(
          WaitKey(tenant_id, decision_id), max_wait,
          [this, tenant = std::string(tenant_id), id = std::string(decision_id),
           done = std::move(done)](std::optional<Decision> resolved) mutable {
            if (resolved) {
              std::move(done)(*std::move(resolved));
            } else {
              std::move(done)(Current(tenant, id));
            }
          });
      return;
    }
    pending = state->current;
  });
  if (waiting) return *waiting;
  std::move(done)(pending ? absl::StatusOr<Decision>(*std::move(pending))
                          : Current(tenant_id, decision_id));
  return 0;
}

absl::StatusOr<Decision> ApprovalDesk::Current(absl::string_view tenant_id,
                                               absl::string_view decision_id) {
  std::optional<Decision> pending =
      tenants_.Get(tenant_id).WithLock([&](TenantBook::View& queue) {
        const DecisionState* state = queue.FindPending(decision_id);
        return state == nullptr ? std::nullopt
                                : std::optional<Decision>(state->current);
      });
  if (pending) return *std::move(pending);
  absl::StatusOr<DecisionState> state = LoadDecision(
      recorder_.ledger(), recorder_.codec(), tenant_id, decision_id);
  if (!state.ok()) return state.status();
  return state->current;
}

std::vector<DecisionState> ApprovalDesk::Subscribe(absl::string_view tenant_id,
                                                   QueueListener* listener) {
  return tenants_.Get(tenant_id).Subscribe(listener);
}

void ApprovalDesk::Unsubscribe(absl::string_view tenant_id,
                               QueueListener* listener) {
  tenants_.Get(tenant_id).Unsubscribe(listener);
}

size_t ApprovalDesk::Listeners(absl::string_view tenant_id) {
  return tenants_.Get(tenant_id).Listeners();
}

void ApprovalDesk::Watch(absl::string_view tenant_id,
                         absl::FunctionRef<bool(const QueueEvent&)> send,
                         absl::FunctionRef<bool()> cancelled,
                         absl::Duration poll) {
  TenantBook& tenant = tenants_.Get(tenant_id);
  // The queue and the cursor are read under one lock: an ADDED event
  // published between the two reads would otherwise be sent twice. So are
  // requests not yet recorded, whose ADDED event is still to come.
  uint64_t cursor = 0;
  for (const DecisionState& s : tenant.WatchFrom(cursor)) {
    if (!send({QueueEvent::Kind::kAdded, s})) return;
  }
  for (;;) {
    std::optional<std::vector<QueueEvent>> batch =
        tenant.EventsAfter(cursor, cancelled, poll);
    if (!batch) return;
    for (const QueueEvent& event : *batch) {
      if (!send(event)) return;
    }
  }
}

void ApprovalDesk::RecordRejection(const Approval& approval,
                                   const absl::Status& error) {
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (!ValidateTenantId(approval.tenant).ok() || policy == nullptr ||
      !policy->program->HasTenant(approval.tenant)) {
    return;  // no chain to record on
  }
  EntryFields f;
  f.tenant = approval.tenant;
  f.time = clock_.Now();
  f.kind = kApprovalRejected;
  if (ValidateDecisionId(approval.decision_id).ok()) {
    f.decision_id = approval.decision_id;
  }
  // The caller gets the original error whether or not this is recorded.
  recorder_.Record(std::move(f), ApprovalRejectionRecord{approval, error})
      .IgnoreError();
}

}  // namespace portcullis::gate
