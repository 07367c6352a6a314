#include "codec/approval_codec.h"

#include "absl/strings/str_cat.h"
#include "codec/action_codec.h"
#include "codec/time_codec.h"

namespace portcullis::codec {

absl::StatusOr<gate::Approval> ApprovalFromProto(const v1::Approval& proto) {
  gate::Approval a;
  switch (proto.verdict()) {
    case v1::APPROVAL_VERDICT_APPROVE:
      a.verdict = gate::ApprovalVerdict::kApprove;
      break;
    case v1::APPROVAL_VERDICT_DENY:
      a.verdict = gate::ApprovalVerdict::kDeny;
      break;
    default:
      return absl::InvalidArgumentError(
          "approval.verdict: must be APPROVAL_VERDICT_APPROVE or "
          "APPROVAL_VERDICT_DENY");
  }
  if (!proto.has_expires_at()) {
    return absl::InvalidArgumentError(
        "approval.expires_at: required; an approval must expire");
  }
  a.tenant = proto.tenant();
  a.decision_id = proto.decision_id();
  a.action_digest = proto.action_digest();
  a.expires_at = TimeFromProto(proto.expires_at());
  a.approver_id = proto.approver_id();
  a.comment = proto.comment();
  if (proto.has_amendment()) {
    a.amendment = gate::AmendmentProposal{proto.amendment().tool(),
                                          proto.amendment().rule(),
                                          proto.amendment().rationale()};
  }
  return a;
}

void ApprovalToProto(const gate::Approval& a, v1::Approval* proto) {
  proto->set_tenant(a.tenant);
  proto->set_decision_id(a.decision_id);
  proto->set_action_digest(a.action_digest);
  proto->set_verdict(a.verdict == gate::ApprovalVerdict::kApprove
                         ? v1::APPROVAL_VERDICT_APPROVE
                         : v1::APPROVAL_VERDICT_DENY);
  TimeToProto(a.expires_at, proto->mutable_expires_at());
  proto->set_approver_id(a.approver_id);
  proto->set_comment(a.comment);
  if (a.amendment.has_value()) {
    v1::AmendmentProposal* p = proto->mutable_amendment();
    p->set_tool(a.amendment->tool);
    p->set_rule(a.amendment->rule);
    p->set_rationale(a.amendment->rationale);
  }
}

absl::StatusOr<gate::StandingApproval> StandingFromProto(
    const v1::StandingApproval& proto) {
  gate::StandingApproval s;
  s.tenant = proto.tenant();
  s.id = proto.id();
  s.tool = proto.tool();
  if (!proto.has_not_before() || !proto.has_not_after()) {
    return absl::InvalidArgumentError(
        "standing.not_before, standing.not_after: required; a standing "
        "approval has a window");
  }
  s.not_before = TimeFromProto(proto.not_before());
  s.not_after = TimeFromProto(proto.not_after());
  s.max_uses = proto.max_uses();
  s.approver_id = proto.approver_id();
  s.comment = proto.comment();
  for (int i = 0; i < proto.constraints_size(); ++i) {
    const v1::StandingConstraint& c = proto.constraints(i);
    if (c.op() < v1::CONSTRAINT_OP_EQ || c.op() > v1::CONSTRAINT_OP_GE) {
      return absl::InvalidArgumentError(
          absl::StrCat("standing.constraints[", i,
                       "].op: must be one of ==, !=, <, <=, "
                       ">, >="));
    }
    absl::StatusOr<policy::Value> value = ArgumentValueFromProto(c.value());
    if (!value.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "standing.constraints[", i, "].value", value.status().message()));
    }
    s.constraints.push_back({c.argument(),
                             static_cast<gate::ConstraintOp>(c.op()),
                             *std::move(value)});
  }
  return s;
}

void StandingToProto(const gate::StandingApproval& s,
                     v1::StandingApproval* proto) {
  proto->set_tenant(s.tenant);
  proto->set_id(s.id);
  proto->set_tool(s.tool);
  for (const gate::StandingConstraint& c : s.constraints) {
    v1::StandingConstraint* out = proto->add_constraints();
    out->set_argument(c.argument);
    out->set_op(static_cast<v1::ConstraintOp>(c.op));
    ArgumentValueToProto(c.value, out->mutable_value());
  }
  TimeToProto(s.not_before, proto->mutable_not_before());
  TimeToProto(s.not_after, proto->mutable_not_after());
  proto->set_max_uses(s.max_uses);
  proto->set_approver_id(s.approver_id);
  proto->set_comment(s.comment);
}

gate::StandingRevocation RevocationFromProto(
    const v1::StandingRevocation& proto) {
  return {proto.tenant(), proto.id(), proto.approver_id(), proto.reason()};
}

void RevocationToProto(const gate::StandingRevocation& r,
                       v1::StandingRevocation* proto) {
  proto->set_tenant(r.tenant);
  proto->set_id(r.id);
  proto->set_approver_id(r.approver_id);
  proto->set_reason(r.reason);
}

gate::Receipt ReceiptFromProto(const v1::ExecutionReceipt& proto) {
  gate::Receipt r;
  r.tenant = proto.tenant();
  r.decision_id = proto.decision_id();
  r.action_digest = proto.action_digest();
  r.tool = proto.tool();
  r.idempotency_key = proto.idempotency_key();
  r.executed_at = TimeFromProto(proto.executed_at());
  r.ledger_sequence = proto.ledger_sequence();
  r.key_id = proto.key_id();
  r.signature = proto.signature();
  return r;
}

void ReceiptToProto(const gate::Receipt& r, v1::ExecutionReceipt* proto) {
  proto->set_tenant(r.tenant);
  proto->set_decision_id(r.decision_id);
  proto->set_action_digest(r.action_digest);
  proto->set_tool(r.tool);
  proto->set_idempotency_key(r.idempotency_key);
  TimeToProto(r.executed_at, proto->mutable_executed_at());
  proto->set_ledger_sequence(r.ledger_sequence);
  proto->set_key_id(r.key_id);
  proto->set_signature(r.signature);
}

}  // namespace portcullis::codec
