#include "gate/replay/replayer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gate/builtin_rules.h"
#include "gate/internal/decision_kernel.h"
#include "gate/standing_approval.h"

namespace portcullis::gate::replay {
namespace {

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

bool Halted(const RecordedDecision& decision) {
  for (const std::string& id : decision.decided_by) {
    if (id == kHaltedRule) return true;
  }
  return false;
}

ReplayedDecision Rejected(const absl::Status& error) {
  ReplayedDecision d;
  d.outcome = ReplayOutcome::kRejected;
  d.reasons.push_back(std::string(error.message()));
  return d;
}

}  // namespace

absl::StatusOr<ReplayedDecision> Replayer::Replay(
    const RecordedAction& recorded, std::vector<policy::RuleTrace>* trace) {
  Tenant& tenant = tenants_[recorded.action.tenant];
  if (recorded.time < tenant.last) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time ", TimeText(recorded.time),
        " is before the previous action of "
        "tenant \"",
        recorded.action.tenant, "\" (", TimeText(tenant.last),
        "); a recording must be in time order within each tenant"));
  }
  if (recorded.approval_granted_at &&
      *recorded.approval_granted_at < recorded.time) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the approval is granted at ", TimeText(*recorded.approval_granted_at),
        ", before the action was decided"));
  }
  tenant.last = recorded.time;
  ApplyGrants(tenant, recorded.time);
  ReplayedDecision decision = Decide(recorded, tenant, trace);
  if (decision.outcome == ReplayOutcome::kPendingApproval &&
      recorded.approval_granted_at.has_value() &&
      recorded.decision.outcome == ReplayOutcome::kPendingApproval) {
    tenant.grants.push(
        Grant{*recorded.approval_granted_at, grants_seen_++, recorded.action});
  }
  return decision;
}

ReplayedDecision Replayer::Decide(const RecordedAction& recorded,
                                  Tenant& tenant,
                                  std::vector<policy::RuleTrace>* trace) {
  if (Halted(recorded.decision)) {
    ReplayedDecision kept;
    kept.outcome = ReplayOutcome::kDeny;
    kept.decided_by.push_back(
        {std::string(kHaltedRule), std::string(kHaltedDescription)});
    kept.reasons.push_back("the tenant was halted when this was recorded");
    return kept;
  }
  if (absl::Status s = ValidateAction(recorded.action, limits_); !s.ok()) {
    return Rejected(s);
  }
  // The standing approval that allowed it then allows it again when the
  // candidate asks for an approval its approver meets alone, as the gate
  // would: the action, its instant and the approval's window are the
  // recorded ones.
  auto standing_step = [&standing =
                            recorded.standing](policy::Verdict& pending) {
    if (!standing ||
        !SatisfiesAlone(standing->approver_roles, pending.approvals)) {
      return;
    }
    AllowByStanding(
        StandingCitation(standing->id, standing->approver_id),
        absl::StrCat("allowed by standing approval ", standing->id, " of ",
                     standing->approver_id, ", as recorded"),
        pending);
  };
  absl::StatusOr<policy::Verdict> verdict =
      gate_internal::Decide(policy_, recorded.action, recorded.time,
                            {tenant.usage}, standing_step, trace);
  if (!verdict.ok()) return Rejected(verdict.status());
  ReplayedDecision decision;
  decision.outcome = FromPolicyOutcome(verdict->outcome);
  decision.decided_by = std::move(verdict->decided_by);
  decision.reasons = std::move(verdict->reasons);
  return decision;
}

const UsageCounters& Replayer::CountersAt(absl::string_view tenant,
                                          absl::Time now) {
  Tenant& t = tenants_[tenant];
  ApplyGrants(t, now);
  return t.usage;
}

void Replayer::ApplyGrants(Tenant& tenant, absl::Time now) {
  while (!tenant.grants.empty() && tenant.grants.top().at <= now) {
    const Grant& grant = tenant.grants.top();
    // The gate re-checks the policy's hard limits when it grants, and
    // charges unless they stop the grant; an action the candidate cannot
    // decide is not charged.
    gate_internal::Recheck(policy_, grant.action, grant.at, {tenant.usage})
        .IgnoreError();
    tenant.grants.pop();
  }
}

}  // namespace portcullis::gate::replay
