#include "codec/decision_codec.h"

#include "codec/action_codec.h"
#include "codec/time_codec.h"

namespace portcullis::codec {
namespace {

v1::Outcome OutcomeToProto(policy::Outcome outcome) {
  switch (outcome) {
    case policy::Outcome::kAllow:
      return v1::OUTCOME_ALLOW;
    case policy::Outcome::kPendingApproval:
      return v1::OUTCOME_PENDING_APPROVAL;
    case policy::Outcome::kDeny:
      return v1::OUTCOME_DENY;
  }
  return v1::OUTCOME_DENY;
}

void RequirementToProto(const policy::ApprovalRequirement& r,
                        absl::Time decided_at, v1::ApprovalRequirement* p) {
  p->set_rule_id(r.rule_id);
  for (const std::string& role : r.roles) p->add_roles(role);
  p->set_quorum(static_cast<uint32_t>(r.quorum));
  TimeToProto(decided_at + r.expires_after, p->mutable_expires_at());
  DurationToProto(r.expires_after, p->mutable_expires_after());
  if (r.escalation) {
    TimeToProto(decided_at + r.escalation->after, p->mutable_escalates_at());
    for (const std::string& role : r.escalation->roles) {
      p->add_escalation_roles(role);
    }
  }
}

policy::ApprovalRequirement RequirementFromProto(
    const v1::ApprovalRequirement& p, absl::Time decided_at) {
  policy::ApprovalRequirement r;
  r.rule_id = p.rule_id();
  r.roles.assign(p.roles().begin(), p.roles().end());
  r.quorum = static_cast<int>(p.quorum());
  r.expires_after = DurationFromProto(p.expires_after());
  if (p.has_escalates_at()) {
    r.escalation = policy::Escalation{
        TimeFromProto(p.escalates_at()) - decided_at,
        {p.escalation_roles().begin(), p.escalation_roles().end()}};
  }
  return r;
}

}  // namespace

void DecisionToProto(const gate::Decision& d, v1::Decision* proto) {
  proto->set_decision_id(d.id);
  proto->set_outcome(OutcomeToProto(d.verdict.outcome));
  for (const std::string& reason : d.verdict.reasons) {
    proto->add_reasons(reason);
  }
  for (const policy::RuleCitation& rule : d.verdict.decided_by) {
    v1::RuleRef* ref = proto->add_decided_by();
    ref->set_proposal_id(rule.proposal);
    ref->set_id(rule.id);
    ref->set_description(rule.description);
  }
  proto->mutable_policy()->set_version(d.policy_version);
  proto->mutable_policy()->set_content_hash(d.policy_hash);
  proto->set_action_digest(std::string(crypto::AsBytes(d.action_digest)));
  TimeToProto(d.decided_at, proto->mutable_decided_at());
  if (d.expires_at) TimeToProto(*d.expires_at, proto->mutable_expires_at());
  for (const policy::ApprovalRequirement& r : d.verdict.approvals) {
    RequirementToProto(r, d.decided_at, proto->add_approvals());
  }
  proto->set_tenant(d.tenant);
  proto->set_ledger_sequence(d.ledger_sequence);
}

absl::StatusOr<gate::Decision> DecisionFromProto(const v1::Decision& proto) {
  gate::Decision d;
  switch (proto.outcome()) {
    case v1::OUTCOME_ALLOW:
      d.verdict.outcome = policy::Outcome::kAllow;
      break;
    case v1::OUTCOME_DENY:
      d.verdict.outcome = policy::Outcome::kDeny;
      break;
    case v1::OUTCOME_PENDING_APPROVAL:
      d.verdict.outcome = policy::Outcome::kPendingApproval;
      break;
    default:
      return absl::DataLossError("recorded decision has no outcome");
  }
  if (!crypto::DigestFromBytes(proto.action_digest(), d.action_digest)) {
    return absl::DataLossError("recorded action digest is not 32 bytes");
  }
  d.id = proto.decision_id();
  d.tenant = proto.tenant();
  d.verdict.reasons.assign(proto.reasons().begin(), proto.reasons().end());
  for (const v1::RuleRef& ref : proto.decided_by()) {
    d.verdict.decided_by.push_back(
        {ref.id(), ref.description(), ref.proposal_id()});
  }
  d.policy_version = proto.policy().version();
  d.policy_hash = proto.policy().content_hash();
  d.decided_at = TimeFromProto(proto.decided_at());
  if (proto.has_expires_at()) d.expires_at = TimeFromProto(proto.expires_at());
  for (const v1::ApprovalRequirement& r : proto.approvals()) {
    d.verdict.approvals.push_back(RequirementFromProto(r, d.decided_at));
  }
  d.ledger_sequence = proto.ledger_sequence();
  return d;
}

void PendingToProto(const gate::DecisionState& state,
                    v1::PendingApproval* proto) {
  DecisionToProto(state.current, proto->mutable_decision());
  ActionToProto(state.action, proto->mutable_action());
  for (const gate::Vote& vote : state.votes) {
    v1::ApprovalVote* v = proto->add_votes();
    v->set_approver_id(vote.approver_id);
    v->set_verdict(vote.verdict == gate::ApprovalVerdict::kApprove
                       ? v1::APPROVAL_VERDICT_APPROVE
                       : v1::APPROVAL_VERDICT_DENY);
    v->set_comment(vote.comment);
    TimeToProto(vote.at, v->mutable_recorded_at());
  }
  proto->set_escalated(state.escalated);
  proto->set_requested_by(state.requested_by);
}

}  // namespace portcullis::codec
