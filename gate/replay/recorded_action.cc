#include "gate/replay/recorded_action.h"

#include <algorithm>

namespace portcullis::gate::replay {

const char* ReplayOutcomeName(ReplayOutcome outcome) {
  switch (outcome) {
    case ReplayOutcome::kAllow:
      return "ALLOW";
    case ReplayOutcome::kDeny:
      return "DENY";
    case ReplayOutcome::kPendingApproval:
      return "PENDING_APPROVAL";
    case ReplayOutcome::kRejected:
      return "REJECTED";
  }
  return "DENY";
}

ReplayOutcome FromPolicyOutcome(policy::Outcome outcome) {
  switch (outcome) {
    case policy::Outcome::kAllow:
      return ReplayOutcome::kAllow;
    case policy::Outcome::kPendingApproval:
      return ReplayOutcome::kPendingApproval;
    case policy::Outcome::kDeny:
      break;
  }
  return ReplayOutcome::kDeny;
}

bool DecisionChanged(const RecordedDecision& before,
                     const ReplayedDecision& after) {
  if (before.outcome != after.outcome) return true;
  if (before.decided_by.size() != after.decided_by.size()) return true;
  // Deciding rules are few (one to a handful): compare as sets without
  // allocating.
  for (const policy::RuleCitation& rule : after.decided_by) {
    if (std::find(before.decided_by.begin(), before.decided_by.end(),
                  rule.id) == before.decided_by.end()) {
      return true;
    }
  }
  for (const std::string& id : before.decided_by) {
    if (std::none_of(
            after.decided_by.begin(), after.decided_by.end(),
            [&](const policy::RuleCitation& r) { return r.id == id; })) {
      return true;
    }
  }
  return false;
}

}  // namespace portcullis::gate::replay
