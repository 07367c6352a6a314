// A recorded action and what was decided on it, in domain terms: the unit of
// a recording (docs/replay.md), and the candidate policy's decision on it
// when it is replayed. server/codec/replay_codec.h translates the JSON Lines
// form. Plain values; thread-safe for concurrent const use.
#ifndef PORTCULLIS_GATE_REPLAY_RECORDED_ACTION_H_
#define PORTCULLIS_GATE_REPLAY_RECORDED_ACTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "policy/action.h"
#include "policy/verdict.h"

namespace portcullis::gate::replay {

// What the gate answered on an action: a policy outcome, or a rejection
// (the arguments did not fit the tool's declaration: INVALID_ARGUMENT).
enum class ReplayOutcome { kAllow, kDeny, kPendingApproval, kRejected };

// Returns "ALLOW", "DENY", "PENDING_APPROVAL" or "REJECTED".
const char* ReplayOutcomeName(ReplayOutcome outcome);

ReplayOutcome FromPolicyOutcome(policy::Outcome outcome);

// A decision as it was recorded.
struct RecordedDecision {
  ReplayOutcome outcome = ReplayOutcome::kDeny;
  // The ids of the deciding rules; empty only for kRejected.
  std::vector<std::string> decided_by;
  std::string policy_version;  // informative
  std::string error;           // kRejected: the error, informative
};

// A decision recorded as allowed by a standing approval
// (docs/approvals.md#standing-approvals): which one, and the roles its
// approver held when it was granted.
struct RecordedStanding {
  std::string id;
  std::string approver_id;
  std::vector<std::string> approver_roles;
};

struct RecordedAction {
  // When it was decided; replay decides it again at this instant.
  absl::Time time;
  policy::Action action;
  RecordedDecision decision;
  std::string decision_id;  // optional
  // kPendingApproval only: when the approval was granted, if it was.
  std::optional<absl::Time> approval_granted_at;
  // kAllow by a standing approval: replay allows the action by it again
  // when the candidate asks for an approval its approver meets alone.
  std::optional<RecordedStanding> standing;
  uint64_t ledger_sequence = 0;  // informative
};

// The candidate policy's decision on a recorded action.
struct ReplayedDecision {
  ReplayOutcome outcome = ReplayOutcome::kDeny;
  // The deciding rules with their descriptions; empty for kRejected.
  std::vector<policy::RuleCitation> decided_by;
  // One reason per deciding rule, or the rejection's error.
  std::vector<std::string> reasons;
};

// True when `after` is not the decision recorded in `before`: another
// outcome, or the same outcome decided by another set of rule ids (order
// does not matter).
bool DecisionChanged(const RecordedDecision& before,
                     const ReplayedDecision& after);

}  // namespace portcullis::gate::replay

#endif  // PORTCULLIS_GATE_REPLAY_RECORDED_ACTION_H_
