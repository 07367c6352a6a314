// DecisionState is everything the ledger says about one decision: the
// action, the decision as first made and as it stands now, the approvers'
// verdicts, the execution receipt and the reported outcome. It is rebuilt
// from the decision's ledger entries (LoadDecision) and updated in memory
// by the same Apply function, so the two can never disagree. The quorum
// and deadline rules of a pending request are pure functions over it.
// Plain values; thread-safe for concurrent const use.
#ifndef PORTCULLIS_GATE_DECISION_STATE_H_
#define PORTCULLIS_GATE_DECISION_STATE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gate/approvers.h"
#include "gate/records.h"
#include "ledger/ledger.h"

namespace portcullis::gate {

// One approver's recorded verdict.
struct Vote {
  std::string approver_id;
  std::vector<std::string> roles;  // the approver's roles when recorded
  ApprovalVerdict verdict = ApprovalVerdict::kApprove;
  std::string comment;
  absl::Time at;
};

struct DecisionState {
  policy::Action action;
  Decision original;  // as first decided
  Decision current;   // as it stands now
  std::string requested_by;
  std::vector<Vote> votes;
  bool escalated = false;
  std::optional<Receipt> receipt;  // set once executed
  std::optional<OutcomeRecord> outcome;

  bool pending() const {
    return current.verdict.outcome == policy::Outcome::kPendingApproval;
  }
};

// Folds one recorded entry into `state`. The first entry must be the
// "action.evaluated" one. Returns DataLoss for an entry that cannot follow
// what came before.
absl::Status ApplyRecord(DecisionState& state, absl::string_view kind,
                         const Record& record, absl::Time at);

// Rebuilds a decision from its ledger entries. Returns NotFound when the
// tenant has no such decision, DataLoss when an entry does not decode.
absl::StatusOr<DecisionState> LoadDecision(const ledger::Ledger& ledger,
                                           const RecordCodec& codec,
                                           absl::string_view tenant,
                                           absl::string_view decision_id);

// When a pending request stops accepting verdicts: the earliest deadline
// of its requirements.
absl::Time DeadlineOf(const DecisionState& state);

// The earliest escalation instant not yet reached, if any requirement has
// one and the request has not escalated.
std::optional<absl::Time> NextEscalation(const DecisionState& state);

// The roles that become eligible at escalation, across requirements.
std::vector<std::string> EscalationRoles(const DecisionState& state);

// True when `approver` may record a verdict at `now`: they hold a role
// some requirement accepts (escalation roles count once escalated).
bool MayVote(const DecisionState& state, const Approver& approver,
             absl::Time now);

// True when every requirement has its quorum of distinct approvers among
// the approve votes.
bool QuorumMet(const DecisionState& state);

// What an approver's verdict left behind (Gate::Approve).
struct ApproveResult {
  Decision decision;                     // as it stands after the verdict
  std::optional<DecisionState> pending;  // set while still pending
  // Set when the approval carried an amendment: the id it was recorded
  // under ("amendment.proposed", docs/approvals.md).
  std::string proposal_id;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_DECISION_STATE_H_
