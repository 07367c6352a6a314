#include "codec/replay_codec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "codec/action_codec.h"
#include "codec/time_codec.h"
#include "gate/standing_approval.h"

namespace portcullis::codec {
namespace {

using gate::replay::ReplayOutcome;

absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

absl::Status DecisionFromProto(const replay_v1::RecordedDecision& proto,
                               gate::replay::RecordedDecision& out) {
  absl::StatusOr<ReplayOutcome> outcome =
      ReplayOutcomeFromProto(proto.outcome());
  if (!outcome.ok()) {
    return Invalid(
        absl::StrCat("decision.outcome: ", outcome.status().message()));
  }
  out.outcome = *outcome;
  out.decided_by.assign(proto.decided_by().begin(), proto.decided_by().end());
  if (out.decided_by.empty() && out.outcome != ReplayOutcome::kRejected) {
    return Invalid(
        "decision.decidedBy: list the ids of the rules that decided (the "
        "API's decision.decidedBy[].id)");
  }
  out.policy_version = proto.policy_version();
  out.error = proto.error();
  return absl::OkStatus();
}

void ReplayedToProto(const gate::replay::ReplayedDecision& d,
                     replay_v1::ReplayedDecision* proto) {
  proto->set_outcome(ReplayOutcomeToProto(d.outcome));
  for (const policy::RuleCitation& rule : d.decided_by) {
    v1::RuleRef* ref = proto->add_decided_by();
    ref->set_id(rule.id);
    ref->set_description(rule.description);
  }
  for (const std::string& reason : d.reasons) proto->add_reasons(reason);
}

void RecordedDecisionToProto(const gate::replay::RecordedDecision& d,
                             replay_v1::RecordedDecision* proto) {
  proto->set_outcome(ReplayOutcomeToProto(d.outcome));
  for (const std::string& id : d.decided_by) proto->add_decided_by(id);
  proto->set_policy_version(d.policy_version);
  proto->set_error(d.error);
}

void ChangeToProto(const gate::replay::ChangedDecision& change,
                   const gate::replay::Expectations& expectations,
                   replay_v1::ChangedDecision* proto) {
  proto->set_line(change.line);
  proto->set_decision_id(change.decision_id);
  TimeToProto(change.time, proto->mutable_time());
  proto->set_tenant(change.tenant);
  proto->set_agent(change.agent);
  proto->set_tool(change.tool);
  proto->set_request_id(change.request_id);
  RecordedDecisionToProto(change.before, proto->mutable_before());
  ReplayedToProto(change.after, proto->mutable_after());
  proto->set_expected(change.expectation != 0);
  proto->set_expectation(static_cast<uint32_t>(change.expectation));
  if (change.expectation != 0) {
    proto->set_expectation_note(
        expectations.changes()[change.expectation - 1].note);
  }
}

}  // namespace

replay_v1::Outcome ReplayOutcomeToProto(ReplayOutcome outcome) {
  switch (outcome) {
    case ReplayOutcome::kAllow:
      return replay_v1::OUTCOME_ALLOW;
    case ReplayOutcome::kDeny:
      return replay_v1::OUTCOME_DENY;
    case ReplayOutcome::kPendingApproval:
      return replay_v1::OUTCOME_PENDING_APPROVAL;
    case ReplayOutcome::kRejected:
      return replay_v1::OUTCOME_REJECTED;
  }
  return replay_v1::OUTCOME_DENY;
}

absl::StatusOr<ReplayOutcome> ReplayOutcomeFromProto(
    replay_v1::Outcome outcome) {
  switch (outcome) {
    case replay_v1::OUTCOME_ALLOW:
      return ReplayOutcome::kAllow;
    case replay_v1::OUTCOME_DENY:
      return ReplayOutcome::kDeny;
    case replay_v1::OUTCOME_PENDING_APPROVAL:
      return ReplayOutcome::kPendingApproval;
    case replay_v1::OUTCOME_REJECTED:
      return ReplayOutcome::kRejected;
    default:
      break;
  }
  return Invalid(
      "no outcome; use OUTCOME_ALLOW, OUTCOME_DENY, OUTCOME_PENDING_APPROVAL "
      "or OUTCOME_REJECTED");
}

absl::StatusOr<gate::replay::RecordedAction> RecordedActionFromProto(
    const replay_v1::RecordedAction& proto) {
  if (!proto.has_time()) {
    return Invalid("\"time\" is required: when the action was decided");
  }
  if (!proto.has_action()) return Invalid("\"action\" is required");
  if (!proto.has_decision()) {
    return Invalid("\"decision\" is required: what was decided");
  }
  gate::replay::RecordedAction out;
  out.time = TimeFromProto(proto.time());
  absl::StatusOr<policy::Action> action = ActionFromProto(proto.action());
  if (!action.ok()) return action.status();
  out.action = *std::move(action);
  absl::Status s = DecisionFromProto(proto.decision(), out.decision);
  if (!s.ok()) return s;
  out.decision_id = proto.decision_id();
  if (proto.has_approval_granted_at()) {
    if (out.decision.outcome != ReplayOutcome::kPendingApproval) {
      return Invalid(
          "approvalGrantedAt is only for a PENDING_APPROVAL decision");
    }
    out.approval_granted_at = TimeFromProto(proto.approval_granted_at());
  }
  if (proto.has_standing()) {
    const replay_v1::RecordedStanding& st = proto.standing();
    if (out.decision.outcome != ReplayOutcome::kAllow ||
        std::find(out.decision.decided_by.begin(),
                  out.decision.decided_by.end(),
                  absl::StrCat(gate::kStandingCitationPrefix, st.id())) ==
            out.decision.decided_by.end()) {
      return Invalid(
          absl::StrCat("standing is only for an ALLOW whose decidedBy cites \"",
                       gate::kStandingCitationPrefix, st.id(), "\""));
    }
    if (st.approver_id().empty()) {
      return Invalid("standing.approverId is required");
    }
    out.standing = gate::replay::RecordedStanding{
        st.id(),
        st.approver_id(),
        {st.approver_roles().begin(), st.approver_roles().end()}};
  }
  out.ledger_sequence = proto.ledger_sequence();
  return out;
}

void RecordedActionToProto(const gate::replay::RecordedAction& recorded,
                           replay_v1::RecordedAction* proto) {
  TimeToProto(recorded.time, proto->mutable_time());
  ActionToProto(recorded.action, proto->mutable_action());
  RecordedDecisionToProto(recorded.decision, proto->mutable_decision());
  proto->set_decision_id(recorded.decision_id);
  if (recorded.approval_granted_at) {
    TimeToProto(*recorded.approval_granted_at,
                proto->mutable_approval_granted_at());
  }
  if (recorded.standing) {
    replay_v1::RecordedStanding* st = proto->mutable_standing();
    st->set_id(recorded.standing->id);
    st->set_approver_id(recorded.standing->approver_id);
    for (const std::string& role : recorded.standing->approver_roles) {
      st->add_approver_roles(role);
    }
  }
  proto->set_ledger_sequence(recorded.ledger_sequence);
}

absl::StatusOr<gate::replay::RecordedAction> ParseRecordingLine(
    const ProtoJson& json, absl::string_view line) {
  replay_v1::RecordedAction proto;
  if (absl::Status s = json.Parse(line, &proto); !s.ok()) {
    return Invalid(
        absl::StrCat("not a recorded action in JSON: ", s.message()));
  }
  return RecordedActionFromProto(proto);
}

std::string RecordingLine(const ProtoJson& json,
                          const gate::replay::RecordedAction& recorded) {
  replay_v1::RecordedAction proto;
  RecordedActionToProto(recorded, &proto);
  // The replay schema always prints.
  return json.Print(proto).value_or("");
}

absl::StatusOr<gate::replay::ExpectedChange> ExpectedChangeFromProto(
    const replay_v1::ExpectedChange& proto) {
  gate::replay::ExpectedChange out;
  out.decision_id = proto.decision_id();
  out.line = proto.line();
  out.tenant = proto.tenant();
  out.tool = proto.tool();
  out.agent = proto.agent();
  if (proto.before() != replay_v1::OUTCOME_UNSPECIFIED) {
    auto before = ReplayOutcomeFromProto(proto.before());
    if (!before.ok()) return Invalid("before: not an outcome");
    out.before = *before;
  }
  if (proto.after() != replay_v1::OUTCOME_UNSPECIFIED) {
    auto after = ReplayOutcomeFromProto(proto.after());
    if (!after.ok()) return Invalid("after: not an outcome");
    out.after = *after;
  }
  out.decided_by_after.assign(proto.decided_by_after().begin(),
                              proto.decided_by_after().end());
  out.note = proto.note();
  if (out.Empty()) {
    return Invalid(
        "an expectation must name at least one of decisionId, line, tenant, "
        "tool, agent, before, after or decidedByAfter; an empty one would "
        "excuse every change");
  }
  return out;
}

void ReplayReportToProto(const gate::replay::ReplayReport& report,
                         absl::string_view input,
                         const gate::PolicySnapshot& policy,
                         replay_v1::ReplayReport* proto) {
  proto->set_input(std::string(input));
  proto->mutable_policy()->set_version(policy.version);
  proto->mutable_policy()->set_content_hash(policy.content_hash);
  proto->set_actions(report.actions());
  proto->set_changed(report.changed());
  proto->set_expected(report.expected());
  proto->set_unexpected(report.unexpected());
  for (const gate::replay::Transition& t : report.Transitions()) {
    replay_v1::Transition* out = proto->add_transitions();
    out->set_before(ReplayOutcomeToProto(t.before));
    out->set_after(ReplayOutcomeToProto(t.after));
    out->set_count(t.count);
  }
  for (const gate::replay::ChangedDecision& change : report.changes()) {
    ChangeToProto(change, report.expectations(), proto->add_changes());
  }
  for (int index : report.UnmatchedExpectations()) {
    replay_v1::UnmatchedExpectation* out = proto->add_unmatched_expectations();
    out->set_expectation(static_cast<uint32_t>(index));
    out->set_note(report.expectations().changes()[index - 1].note);
  }
}

}  // namespace portcullis::codec
