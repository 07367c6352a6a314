#include "codec/proto_record_codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "codec/action_codec.h"
#include "codec/approval_codec.h"
#include "codec/decision_codec.h"
#include "codec/time_codec.h"
#include "gate/state_snapshot.h"
#include "policy/decimal.h"
#include "portcullis/ledger/v1/records.pb.h"
#include "portcullis/ledger/v1/state_snapshot.pb.h"

namespace portcullis::codec {
namespace {

namespace records = ::portcullis::ledger::v1;

// Deterministic serialization: map entries in key order, so the same record
// always gives the same bytes (and the same payload digest).
std::string Serialize(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

template <typename Proto>
absl::StatusOr<Proto> Parse(absl::string_view payload) {
  Proto proto;
  if (!proto.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError(
        absl::StrCat(Proto::descriptor()->name(), " does not parse"));
  }
  return proto;
}

void ChargesToProto(
    const std::vector<policy::UsageCharge>& charges,
    google::protobuf::RepeatedPtrField<records::UsageCharge>* out) {
  for (const policy::UsageCharge& charge : charges) {
    records::UsageCharge* c = out->Add();
    c->set_counter(charge.counter);
    c->set_window_seconds(absl::ToInt64Seconds(charge.window));
    if (charge.amount) c->set_amount(charge.amount->ToString());
  }
}

absl::Status ChargesFromProto(
    const google::protobuf::RepeatedPtrField<records::UsageCharge>& in,
    std::vector<policy::UsageCharge>& out) {
  for (const records::UsageCharge& c : in) {
    policy::UsageCharge charge;
    charge.counter = c.counter();
    charge.window = absl::Seconds(c.window_seconds());
    if (!c.amount().empty()) {
      auto amount = policy::Decimal::Parse(c.amount());
      if (!amount.ok()) {
        return absl::DataLossError("recorded charge amount is malformed");
      }
      charge.amount = *amount;
    }
    out.push_back(std::move(charge));
  }
  return absl::OkStatus();
}

absl::StatusOr<gate::Decision> DecodeDecision(
    const v1::Decision& proto,
    const google::protobuf::RepeatedPtrField<records::UsageCharge>& charges) {
  auto decision = DecisionFromProto(proto);
  if (!decision.ok()) return decision.status();
  absl::Status s = ChargesFromProto(charges, decision->verdict.charges);
  if (!s.ok()) return s;
  return decision;
}

absl::StatusOr<gate::Approval> DecodeApproval(const v1::Approval& proto) {
  auto approval = ApprovalFromProto(proto);
  if (!approval.ok()) {
    return absl::DataLossError(
        absl::StrCat("recorded approval: ", approval.status().message()));
  }
  return approval;
}

absl::Status StatusFrom(const std::string& code_name,
                        const std::string& message) {
  absl::StatusCode code = absl::StatusCode::kUnknown;
  for (int c = 0; c <= 16; ++c) {
    if (absl::StatusCodeToString(static_cast<absl::StatusCode>(c)) ==
        code_name) {
      code = static_cast<absl::StatusCode>(c);
    }
  }
  return absl::Status(code, message);
}

// One Encode overload per record type.
struct Encoder {
  std::string operator()(const gate::EvaluationRecord& r) const {
    records::EvaluationRecord proto;
    ActionToProto(r.action, proto.mutable_action());
    DecisionToProto(r.decision, proto.mutable_decision());
    ChargesToProto(r.decision.verdict.charges, proto.mutable_charges());
    proto.set_principal(r.principal);
    return Serialize(proto);
  }
  std::string operator()(const gate::RejectionRecord& r) const {
    records::RejectionRecord proto;
    ActionToProto(r.action, proto.mutable_action());
    proto.set_code(absl::StatusCodeToString(r.error.code()));
    proto.set_message(std::string(r.error.message()));
    proto.set_principal(r.principal);
    return Serialize(proto);
  }
  std::string operator()(const gate::PolicyRecord& r) const {
    records::PolicyRecord proto;
    proto.set_version(r.version);
    proto.set_content_hash(r.content_hash);
    proto.set_source(r.source);
    for (const std::string& error : r.errors) proto.add_errors(error);
    return Serialize(proto);
  }
  std::string operator()(const gate::ApprovalRequestRecord& r) const {
    // The requirements travel as a Decision's approvals, which carries the
    // absolute deadlines too.
    gate::Decision carrier;
    carrier.decided_at = r.decided_at;
    carrier.verdict.approvals = r.requirements;
    v1::Decision decision;
    DecisionToProto(carrier, &decision);
    records::ApprovalRequestRecord proto;
    *proto.mutable_requirements() = decision.approvals();
    proto.set_requested_by(r.requested_by);
    TimeToProto(r.decided_at, proto.mutable_decided_at());
    return Serialize(proto);
  }
  std::string operator()(const gate::VerdictRecord& r) const {
    records::VerdictRecord proto;
    ApprovalToProto(r.approval, proto.mutable_approval());
    proto.set_signature(r.signature);
    for (const std::string& role : r.approver_roles) {
      proto.add_approver_roles(role);
    }
    proto.set_resolution(
        r.resolution == gate::Resolution::kGranted ? records::RESOLUTION_GRANTED
        : r.resolution == gate::Resolution::kDenied ? records::RESOLUTION_DENIED
                                                    : records::RESOLUTION_NONE);
    DecisionToProto(r.decision, proto.mutable_decision());
    ChargesToProto(r.decision.verdict.charges, proto.mutable_charges());
    return Serialize(proto);
  }
  std::string operator()(const gate::ApprovalRejectionRecord& r) const {
    records::ApprovalRejectionRecord proto;
    ApprovalToProto(r.approval, proto.mutable_approval());
    proto.set_code(absl::StatusCodeToString(r.error.code()));
    proto.set_message(std::string(r.error.message()));
    return Serialize(proto);
  }
  std::string operator()(const gate::DeadlineRecord& r) const {
    records::DeadlineRecord proto;
    DecisionToProto(r.decision, proto.mutable_decision());
    for (const std::string& role : r.escalation_roles) {
      proto.add_escalation_roles(role);
    }
    return Serialize(proto);
  }
  std::string operator()(const gate::ExecutionRecord& r) const {
    records::ExecutionRecord proto;
    ReceiptToProto(r.receipt, proto.mutable_receipt());
    proto.mutable_receipt()->clear_ledger_sequence();
    proto.set_principal(r.principal);
    return Serialize(proto);
  }
  std::string operator()(const gate::OutcomeRecord& r) const {
    records::OutcomeRecord proto;
    proto.set_outcome(r.outcome == gate::ExecutionOutcome::kSucceeded
                          ? v1::EXECUTION_OUTCOME_SUCCEEDED
                          : v1::EXECUTION_OUTCOME_FAILED);
    proto.set_detail(r.detail);
    proto.set_principal(r.principal);
    return Serialize(proto);
  }
  std::string operator()(const gate::AccessDeniedRecord& r) const {
    records::AccessDeniedRecord proto;
    proto.set_principal(r.principal);
    proto.set_method(r.method);
    proto.set_code(absl::StatusCodeToString(r.error.code()));
    proto.set_message(std::string(r.error.message()));
    return Serialize(proto);
  }
  std::string operator()(const gate::SecretRecord& r) const {
    records::SecretRecord proto;
    proto.set_name(r.name);
    proto.set_version(r.version);
    proto.set_principal(r.principal);
    return Serialize(proto);
  }
  std::string operator()(const gate::HaltRecord& r) const {
    records::HaltRecord proto;
    proto.set_reason(r.reason);
    proto.set_principal(r.principal);
    proto.set_replica(r.replica);
    return Serialize(proto);
  }
  // Issue 21.
  std::string operator()(const gate::AmendmentRecord& r) const {
    records::AmendmentRecord proto;
    proto.set_proposal_id(r.proposal_id);
    proto.set_approver_id(r.approver_id);
    proto.set_tool(r.proposal.tool);
    proto.set_rule(r.proposal.rule);
    proto.set_rationale(r.proposal.rationale);
    proto.set_rule_id(r.rule_id);
    proto.mutable_policy()->set_version(r.policy_version);
    proto.mutable_policy()->set_content_hash(r.policy_hash);
    return Serialize(proto);
  }
  // Shadow mode (issue 7).
  std::string operator()(const gate::ShadowRecord& r) const {
    records::ShadowRecord proto;
    proto.mutable_candidate()->set_version(r.policy_version);
    proto.mutable_candidate()->set_content_hash(r.policy_hash);
    if (r.verdict) {
      // The verdict travels as a Decision's outcome, rules and reasons.
      gate::Decision carrier;
      carrier.verdict = *r.verdict;
      v1::Decision decision;
      DecisionToProto(carrier, &decision);
      proto.set_outcome(decision.outcome());
      *proto.mutable_decided_by() = decision.decided_by();
      *proto.mutable_reasons() = decision.reasons();
    }
    proto.set_rejection(r.rejection);
    return Serialize(proto);
  }
  // Standing approvals (issue 21).
  std::string operator()(const gate::StandingGrantRecord& r) const {
    records::StandingGrantRecord proto;
    StandingToProto(r.standing, proto.mutable_standing());
    proto.set_signature(r.signature);
    for (const std::string& role : r.approver_roles) {
      proto.add_approver_roles(role);
    }
    proto.set_principal(r.principal);
    return Serialize(proto);
  }
  std::string operator()(const gate::StandingRevocationRecord& r) const {
    records::StandingRevocationRecord proto;
    RevocationToProto(r.revocation, proto.mutable_revocation());
    proto.set_signature(r.signature);
    proto.set_principal(r.principal);
    return Serialize(proto);
  }
  std::string operator()(const gate::StandingRejectionRecord& r) const {
    records::StandingRejectionRecord proto;
    proto.set_id(r.id);
    proto.set_approver_id(r.approver_id);
    proto.set_tool(r.tool);
    proto.set_revocation(r.revocation);
    proto.set_code(absl::StatusCodeToString(r.error.code()));
    proto.set_message(std::string(r.error.message()));
    proto.set_principal(r.principal);
    return Serialize(proto);
  }
};

absl::StatusOr<gate::Record> DecodeEvaluation(absl::string_view payload) {
  auto proto = Parse<records::EvaluationRecord>(payload);
  if (!proto.ok()) return proto.status();
  gate::EvaluationRecord record;
  auto action = ActionFromProto(proto->action());
  if (!action.ok()) {
    return absl::DataLossError(
        absl::StrCat("recorded action: ", action.status().message()));
  }
  record.action = *std::move(action);
  auto decision = DecodeDecision(proto->decision(), proto->charges());
  if (!decision.ok()) return decision.status();
  record.decision = *std::move(decision);
  record.principal = proto->principal();
  return record;
}

absl::StatusOr<gate::Record> DecodeRejection(absl::string_view payload) {
  auto proto = Parse<records::RejectionRecord>(payload);
  if (!proto.ok()) return proto.status();
  gate::RejectionRecord record;
  auto action = ActionFromProto(proto->action());
  if (action.ok()) record.action = *std::move(action);
  record.error = StatusFrom(proto->code(), proto->message());
  record.principal = proto->principal();
  return record;
}

absl::StatusOr<gate::Record> DecodePolicy(absl::string_view payload) {
  auto proto = Parse<records::PolicyRecord>(payload);
  if (!proto.ok()) return proto.status();
  return gate::PolicyRecord{proto->version(),
                            proto->content_hash(),
                            proto->source(),
                            {proto->errors().begin(), proto->errors().end()}};
}

absl::StatusOr<gate::Record> DecodeRequest(absl::string_view payload) {
  auto proto = Parse<records::ApprovalRequestRecord>(payload);
  if (!proto.ok()) return proto.status();
  v1::Decision carrier;
  *carrier.mutable_approvals() = proto->requirements();
  carrier.set_outcome(v1::OUTCOME_PENDING_APPROVAL);
  carrier.set_action_digest(std::string(32, '\0'));
  absl::Time decided_at = TimeFromProto(proto->decided_at());
  *carrier.mutable_decided_at() = proto->decided_at();
  auto decision = DecisionFromProto(carrier);
  if (!decision.ok()) return decision.status();
  return gate::ApprovalRequestRecord{decided_at, decision->verdict.approvals,
                                     proto->requested_by()};
}

absl::StatusOr<gate::Record> DecodeVerdict(absl::string_view payload) {
  auto proto = Parse<records::VerdictRecord>(payload);
  if (!proto.ok()) return proto.status();
  gate::VerdictRecord record;
  auto approval = DecodeApproval(proto->approval());
  if (!approval.ok()) return approval.status();
  record.approval = *std::move(approval);
  record.signature = proto->signature();
  record.approver_roles.assign(proto->approver_roles().begin(),
                               proto->approver_roles().end());
  record.resolution = proto->resolution() == records::RESOLUTION_GRANTED
                          ? gate::Resolution::kGranted
                      : proto->resolution() == records::RESOLUTION_DENIED
                          ? gate::Resolution::kDenied
                          : gate::Resolution::kNone;
  auto decision = DecodeDecision(proto->decision(), proto->charges());
  if (!decision.ok()) return decision.status();
  record.decision = *std::move(decision);
  return record;
}

absl::StatusOr<gate::Record> DecodeApprovalRejection(
    absl::string_view payload) {
  auto proto = Parse<records::ApprovalRejectionRecord>(payload);
  if (!proto.ok()) return proto.status();
  gate::ApprovalRejectionRecord record;
  auto approval = ApprovalFromProto(proto->approval());
  if (approval.ok()) record.approval = *std::move(approval);
  record.error = StatusFrom(proto->code(), proto->message());
  return record;
}

absl::StatusOr<gate::Record> DecodeDeadline(absl::string_view payload) {
  auto proto = Parse<records::DeadlineRecord>(payload);
  if (!proto.ok()) return proto.status();
  auto decision = DecisionFromProto(proto->decision());
  if (!decision.ok()) return decision.status();
  return gate::DeadlineRecord{
      *std::move(decision),
      {proto->escalation_roles().begin(), proto->escalation_roles().end()}};
}

absl::StatusOr<gate::Record> DecodeExecution(absl::string_view payload) {
  auto proto = Parse<records::ExecutionRecord>(payload);
  if (!proto.ok()) return proto.status();
  return gate::ExecutionRecord{ReceiptFromProto(proto->receipt()),
                               proto->principal()};
}

absl::StatusOr<gate::Record> DecodeOutcome(absl::string_view payload) {
  auto proto = Parse<records::OutcomeRecord>(payload);
  if (!proto.ok()) return proto.status();
  return gate::OutcomeRecord{proto->outcome() == v1::EXECUTION_OUTCOME_FAILED
                                 ? gate::ExecutionOutcome::kFailed
                                 : gate::ExecutionOutcome::kSucceeded,
                             proto->detail(), proto->principal()};
}

absl::StatusOr<gate::Record> DecodeAccessDenied(absl::string_view payload) {
  auto proto = Parse<records::AccessDeniedRecord>(payload);
  if (!proto.ok()) return proto.status();
  return gate::AccessDeniedRecord{proto->principal(), proto->method(),
                                  StatusFrom(proto->code(), proto->message())};
}

absl::StatusOr<gate::Record> DecodeSecret(absl::string_view payload) {
  auto proto = Parse<records::SecretRecord>(payload);
  if (!proto.ok()) return proto.status();
  return gate::SecretRecord{proto->name(), proto->version(),
                            proto->principal()};
}

absl::StatusOr<gate::Record> DecodeHalt(absl::string_view payload) {
  auto proto = Parse<records::HaltRecord>(payload);
  if (!proto.ok()) return proto.status();
  return gate::HaltRecord{proto->reason(), proto->principal(),
                          proto->replica()};
}

// Shadow mode (issue 7).
absl::StatusOr<gate::Record> DecodeShadow(absl::string_view payload) {
  auto proto = Parse<records::ShadowRecord>(payload);
  if (!proto.ok()) return proto.status();
  gate::ShadowRecord record;
  record.policy_version = proto->candidate().version();
  record.policy_hash = proto->candidate().content_hash();
  record.rejection = proto->rejection();
  if (proto->outcome() != v1::OUTCOME_UNSPECIFIED) {
    v1::Decision carrier;
    carrier.set_outcome(proto->outcome());
    *carrier.mutable_decided_by() = proto->decided_by();
    *carrier.mutable_reasons() = proto->reasons();
    carrier.set_action_digest(std::string(32, '\0'));
    auto decision = DecisionFromProto(carrier);
    if (!decision.ok()) return decision.status();
    record.verdict = std::move(decision->verdict);
  }
  return record;
}

// Issue 21.
absl::StatusOr<gate::Record> DecodeAmendment(absl::string_view payload) {
  auto proto = Parse<records::AmendmentRecord>(payload);
  if (!proto.ok()) return proto.status();
  gate::AmendmentRecord record;
  record.proposal_id = proto->proposal_id();
  record.approver_id = proto->approver_id();
  record.proposal = {proto->tool(), proto->rule(), proto->rationale()};
  record.rule_id = proto->rule_id();
  record.policy_version = proto->policy().version();
  record.policy_hash = proto->policy().content_hash();
  return record;
}

absl::StatusOr<gate::Record> DecodeStandingGrant(absl::string_view payload) {
  auto proto = Parse<records::StandingGrantRecord>(payload);
  if (!proto.ok()) return proto.status();
  auto standing = StandingFromProto(proto->standing());
  if (!standing.ok()) {
    return absl::DataLossError(absl::StrCat("recorded standing approval: ",
                                            standing.status().message()));
  }
  gate::StandingGrantRecord record;
  record.standing = *std::move(standing);
  record.signature = proto->signature();
  record.approver_roles.assign(proto->approver_roles().begin(),
                               proto->approver_roles().end());
  record.principal = proto->principal();
  return record;
}

absl::StatusOr<gate::Record> DecodeStandingRevocation(
    absl::string_view payload) {
  auto proto = Parse<records::StandingRevocationRecord>(payload);
  if (!proto.ok()) return proto.status();
  return gate::StandingRevocationRecord{
      RevocationFromProto(proto->revocation()), proto->signature(),
      proto->principal()};
}

absl::StatusOr<gate::Record> DecodeStandingRejection(
    absl::string_view payload) {
  auto proto = Parse<records::StandingRejectionRecord>(payload);
  if (!proto.ok()) return proto.status();
  return gate::StandingRejectionRecord{
      proto->id(),
      proto->approver_id(),
      proto->tool(),
      proto->revocation(),
      StatusFrom(proto->code(), proto->message()),
      proto->principal()};
}

}  // namespace

std::string ProtoRecordCodec::Encode(const gate::Record& record) const {
  return std::visit(Encoder{}, record);
}

absl::StatusOr<gate::Record> ProtoRecordCodec::Decode(
    absl::string_view kind, absl::string_view payload) const {
  using Decoder = absl::StatusOr<gate::Record> (*)(absl::string_view);
  static const std::pair<const char*, Decoder> kDecoders[] = {
      {gate::kActionEvaluated, DecodeEvaluation},
      {gate::kActionRejected, DecodeRejection},
      {gate::kPolicyLoaded, DecodePolicy},
      {gate::kPolicyRejected, DecodePolicy},
      {gate::kApprovalRequested, DecodeRequest},
      {gate::kApprovalGranted, DecodeVerdict},
      {gate::kApprovalDenied, DecodeVerdict},
      {gate::kApprovalRejected, DecodeApprovalRejection},
      {gate::kApprovalExpired, DecodeDeadline},
      {gate::kApprovalEscalated, DecodeDeadline},
      {gate::kActionExecuted, DecodeExecution},
      {gate::kActionOutcome, DecodeOutcome},
      {gate::kTenantHalted, DecodeHalt},
      {gate::kTenantResumed, DecodeHalt},
      {gate::kGateHalted, DecodeHalt},
      {gate::kGateResumed, DecodeHalt},
      {gate::kAccessDenied, DecodeAccessDenied},
      {gate::kSecretPut, DecodeSecret},
      {gate::kSecretRotated, DecodeSecret},
      {gate::kSecretDeleted, DecodeSecret},
      {gate::kSecretReleased, DecodeSecret},
      {gate::kShadowDiffered, DecodeShadow},
      {gate::kAmendmentProposed, DecodeAmendment},
      {gate::kStandingGranted, DecodeStandingGrant},
      {gate::kStandingRevoked, DecodeStandingRevocation},
      {gate::kStandingRejected, DecodeStandingRejection},
  };
  for (const auto& [name, decoder] : kDecoders) {
    if (kind == name) return decoder(payload);
  }
  return absl::NotFoundError(
      absl::StrCat("no record is defined for entry kind \"", kind, "\""));
}

absl::StatusOr<std::string> ProtoRecordCodec::EncodeSnapshot(
    const gate::StateSnapshot& s) const {
  records::StateSnapshot proto;
  proto.set_version(s.version);
  proto.set_tenant(s.tenant);
  proto.set_sequence(s.sequence);
  proto.set_entry_hash(s.entry_hash);
  proto.set_pruned_through(s.pruned_through);
  TimeToProto(s.taken_at, proto.mutable_taken_at());
  DurationToProto(s.windows.limits, proto.mutable_limits_window());
  DurationToProto(s.windows.approvals, proto.mutable_approvals_window());
  DurationToProto(s.windows.idempotency, proto.mutable_idempotency_window());
  for (const auto& series : s.usage) {
    auto* out = proto.add_usage();
    out->set_counter(series.counter);
    DurationToProto(series.window, out->mutable_window());
    for (const auto& [at, amount] : series.events) {
      auto* event = out->add_events();
      TimeToProto(at, event->mutable_at());
      event->set_amount(amount.ToString());
    }
  }
  for (const auto& pending : s.pending) {
    auto* out = proto.add_pending();
    out->set_decision_id(pending.decision_id);
    TimeToProto(pending.evaluated_at, out->mutable_evaluated_at());
  }
  for (const auto& executed : s.executed) {
    auto* out = proto.add_executed();
    out->set_idempotency_key(executed.idempotency_key);
    out->set_sequence(executed.sequence);
    TimeToProto(executed.at, out->mutable_at());
    out->set_payload(executed.payload);
  }
  for (const auto& standing : s.standing) {
    auto* out = proto.add_standing();
    out->set_id(standing.id);
    out->set_sequence(standing.sequence);
    out->set_payload(standing.payload);
    TimeToProto(standing.not_after, out->mutable_not_after());
    out->set_uses(standing.uses);
    out->set_revoked(standing.revoked);
    out->set_revoked_by(standing.revoked_by);
  }
  DurationToProto(s.windows.fatigue, proto.mutable_fatigue_window());
  for (const auto& signatures : s.signatures) {
    auto* out = proto.add_signatures();
    out->set_approver(signatures.approver);
    for (absl::Time at : signatures.at) TimeToProto(at, out->add_at());
  }
  return Serialize(proto);
}

absl::StatusOr<gate::StateSnapshot> ProtoRecordCodec::DecodeSnapshot(
    absl::string_view bytes) const {
  absl::StatusOr<records::StateSnapshot> parsed =
      Parse<records::StateSnapshot>(bytes);
  if (!parsed.ok()) return parsed.status();
  const records::StateSnapshot& proto = *parsed;
  gate::StateSnapshot s;
  s.version = proto.version();
  s.tenant = proto.tenant();
  s.sequence = proto.sequence();
  s.entry_hash = proto.entry_hash();
  s.pruned_through = proto.pruned_through();
  s.taken_at = TimeFromProto(proto.taken_at());
  s.windows.limits = DurationFromProto(proto.limits_window());
  s.windows.approvals = DurationFromProto(proto.approvals_window());
  s.windows.idempotency = DurationFromProto(proto.idempotency_window());
  s.windows.fatigue = DurationFromProto(proto.fatigue_window());
  for (const auto& series : proto.usage()) {
    gate::UsageCounters::SeriesEvents out;
    out.counter = series.counter();
    out.window = DurationFromProto(series.window());
    for (const auto& event : series.events()) {
      absl::StatusOr<policy::Decimal> amount =
          policy::Decimal::Parse(event.amount());
      if (!amount.ok()) {
        return absl::DataLossError("a snapshot usage amount does not parse");
      }
      out.events.emplace_back(TimeFromProto(event.at()), *amount);
    }
    s.usage.push_back(std::move(out));
  }
  for (const auto& pending : proto.pending()) {
    s.pending.push_back(
        {pending.decision_id(), TimeFromProto(pending.evaluated_at())});
  }
  for (const auto& executed : proto.executed()) {
    s.executed.push_back({executed.idempotency_key(), executed.sequence(),
                          TimeFromProto(executed.at()), executed.payload()});
  }
  for (const auto& standing : proto.standing()) {
    s.standing.push_back({standing.id(), standing.sequence(),
                          standing.payload(),
                          TimeFromProto(standing.not_after()), standing.uses(),
                          standing.revoked(), standing.revoked_by()});
  }
  for (const auto& signatures : proto.signatures()) {
    gate::StateSnapshot::Signatures out{signatures.approver(), {}};
    for (const auto& at : signatures.at()) out.at.push_back(TimeFromProto(at));
    s.signatures.push_back(std::move(out));
  }
  return s;
}

}  // namespace portcullis::codec
