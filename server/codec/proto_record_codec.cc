#include "server/codec/proto_record_codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "portcullis/ledger/v1/records.pb.h"
#include "server/codec/action_codec.h"
#include "server/codec/decision_codec.h"

namespace portcullis::server {
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

}  // namespace

std::string ProtoRecordCodec::Encode(
    const gate::EvaluationRecord& record) const {
  records::EvaluationRecord proto;
  ActionToProto(record.action, proto.mutable_action());
  DecisionToProto(record.decision, proto.mutable_decision());
  for (const policy::UsageCharge& charge : record.decision.verdict.charges) {
    records::UsageCharge* c = proto.add_charges();
    c->set_counter(charge.counter);
    c->set_window_seconds(absl::ToInt64Seconds(charge.window));
    if (charge.amount) c->set_amount(charge.amount->ToString());
  }
  proto.set_principal(record.principal);
  return Serialize(proto);
}

std::string ProtoRecordCodec::Encode(
    const gate::RejectionRecord& record) const {
  records::RejectionRecord proto;
  ActionToProto(record.action, proto.mutable_action());
  proto.set_code(absl::StatusCodeToString(record.error.code()));
  proto.set_message(std::string(record.error.message()));
  proto.set_principal(record.principal);
  return Serialize(proto);
}

std::string ProtoRecordCodec::Encode(const gate::PolicyRecord& record) const {
  records::PolicyRecord proto;
  proto.set_version(record.version);
  proto.set_content_hash(record.content_hash);
  proto.set_source(record.source);
  for (const std::string& error : record.errors) proto.add_errors(error);
  return Serialize(proto);
}

absl::StatusOr<gate::EvaluationRecord> ProtoRecordCodec::DecodeEvaluation(
    absl::string_view payload) const {
  records::EvaluationRecord proto;
  if (!proto.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError("evaluation record does not parse");
  }
  gate::EvaluationRecord record;
  auto action = ActionFromProto(proto.action());
  if (!action.ok()) {
    return absl::DataLossError(
        absl::StrCat("recorded action: ", action.status().message()));
  }
  record.action = *std::move(action);
  auto decision = DecisionFromProto(proto.decision());
  if (!decision.ok()) return decision.status();
  record.decision = *std::move(decision);
  for (const records::UsageCharge& c : proto.charges()) {
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
    record.decision.verdict.charges.push_back(std::move(charge));
  }
  record.principal = proto.principal();
  return record;
}

}  // namespace portcullis::server
