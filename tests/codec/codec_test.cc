#include <catch2/catch.hpp>

#include "codec/action_codec.h"
#include "codec/decision_codec.h"
#include "codec/proto_record_codec.h"

namespace portcullis::codec {
namespace {

v1::Action SampleProto() {
  v1::Action a;
  a.set_tenant("al-noor");
  a.set_agent("support-bot");
  a.set_tool("refund_order");
  a.set_idempotency_key("refund-1042");
  auto& args = *a.mutable_arguments();
  args["amount"].mutable_money_value()->set_amount("120.50");
  args["amount"].mutable_money_value()->set_currency("SAR");
  args["order_id"].set_string_value("1042");
  args["count"].set_int_value(-2);
  args["notify"].set_bool_value(true);
  auto* list = args["tags"].mutable_list_value();
  list->add_values()->set_string_value("vip");
  list->add_values()->set_int_value(7);
  a.mutable_context()->set_confidence(0.75);
  a.mutable_context()->set_run_mode(v1::RUN_MODE_UNATTENDED);
  a.mutable_context()->set_request_id("r");
  a.mutable_context()->set_correlation_id("c");
  a.mutable_context()->set_session_id("s");
  return a;
}

TEST_CASE("an action survives the trip to the domain and back", "[codec]") {
  v1::Action proto = SampleProto();
  auto action = ActionFromProto(proto);
  REQUIRE(action.ok());
  CHECK(action->context.run_mode == policy::RunMode::kUnattended);
  CHECK(action->context.confidence == 0.75);
  CHECK(std::get<policy::Money>(action->arguments.at("amount").v).amount ==
        *policy::Decimal::Parse("120.5"));
  v1::Action back;
  ActionToProto(*action, &back);
  auto again = ActionFromProto(back);
  REQUIRE(again.ok());
  CHECK(again->arguments == action->arguments);
  CHECK(back.context().confidence() == 0.75);
  CHECK(back.idempotency_key() == "refund-1042");
}

TEST_CASE("an absent confidence stays absent", "[codec]") {
  v1::Action proto = SampleProto();
  proto.mutable_context()->clear_confidence();
  auto action = ActionFromProto(proto);
  REQUIRE(action.ok());
  CHECK_FALSE(action->context.confidence.has_value());
  v1::Action back;
  ActionToProto(*action, &back);
  CHECK_FALSE(back.context().has_confidence());
}

TEST_CASE("unrepresentable values are rejected naming the argument",
          "[codec]") {
  v1::Action no_value = SampleProto();
  (*no_value.mutable_arguments())["empty"];
  auto a = ActionFromProto(no_value);
  CHECK(a.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(a.status().message().find("action.arguments.empty") == 0);

  for (const char* amount : {"", "abc", "1e3", "12,50"}) {
    v1::Action bad_money = SampleProto();
    (*bad_money.mutable_arguments())["amount"]
        .mutable_money_value()
        ->set_amount(amount);
    auto b = ActionFromProto(bad_money);
    CHECK(b.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(b.status().message().find("action.arguments.amount.amount") == 0);
  }

  // Inside lists, the path names each index down to the bad value.
  v1::Action nested = SampleProto();
  auto* outer = (*nested.mutable_arguments())["nested"].mutable_list_value();
  outer->add_values()->set_string_value("ok");
  auto* inner = outer->add_values()->mutable_list_value();
  inner->add_values()->set_int_value(1);
  inner->add_values()->mutable_money_value()->set_amount("x");
  auto c = ActionFromProto(nested);
  CHECK(c.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(c.status().message().find("action.arguments.nested[1][1].amount: ") ==
        0);
  inner->add_values();
  inner->mutable_values(1)->mutable_money_value()->set_amount("1");
  inner->mutable_values(1)->mutable_money_value()->set_currency("SAR");
  auto d = ActionFromProto(nested);
  CHECK(d.status().message() ==
        "action.arguments.nested[1][2]: no value is set");

  v1::Action deep = SampleProto();
  v1::Value* v = &(*deep.mutable_arguments())["deep"];
  for (int i = 0; i < 9; ++i) v = v->mutable_list_value()->add_values();
  v->set_bool_value(true);
  auto e = ActionFromProto(deep);
  CHECK(e.status().message() ==
        "action.arguments.deep[0][0][0][0][0][0][0][0]: lists nest too deeply");
}

gate::Decision SampleDecision() {
  gate::Decision d;
  d.id = "0123456789abcdef0123456789abcdef";
  d.tenant = "al-noor";
  d.verdict.outcome = policy::Outcome::kPendingApproval;
  d.verdict.decided_by = {{"refunds", "refunds need the owner"}};
  d.verdict.reasons = {"refunds need the owner"};
  d.verdict.approvals = {{"refunds",
                          {"owner", "manager"},
                          2,
                          absl::Hours(24),
                          policy::Escalation{absl::Hours(4), {"owner"}}}};
  d.policy_version = "v7";
  d.policy_hash = std::string(64, 'e');
  d.action_digest = crypto::Blake2b256("action");
  d.decided_at = absl::FromUnixMillis(1767528000123);
  d.expires_at = d.decided_at + absl::Hours(24);
  d.ledger_sequence = 12;
  return d;
}

TEST_CASE("a decision survives the trip to the API and back", "[codec]") {
  gate::Decision d = SampleDecision();
  v1::Decision proto;
  DecisionToProto(d, &proto);
  CHECK(proto.outcome() == v1::OUTCOME_PENDING_APPROVAL);
  CHECK(proto.approvals(0).quorum() == 2);
  CHECK(proto.action_digest().size() == 32);
  auto back = DecisionFromProto(proto);
  REQUIRE(back.ok());
  CHECK(back->id == d.id);
  CHECK(back->verdict.decided_by == d.verdict.decided_by);
  CHECK(back->verdict.approvals == d.verdict.approvals);
  CHECK(back->decided_at == d.decided_at);
  CHECK(back->expires_at == d.expires_at);
  CHECK(back->action_digest == d.action_digest);
  CHECK(back->ledger_sequence == 12);
}

TEST_CASE("a recorded decision without outcome or digest is data loss",
          "[codec]") {
  v1::Decision proto;
  DecisionToProto(SampleDecision(), &proto);
  v1::Decision no_outcome = proto;
  no_outcome.set_outcome(v1::OUTCOME_UNSPECIFIED);
  CHECK(DecisionFromProto(no_outcome).status().code() ==
        absl::StatusCode::kDataLoss);
  v1::Decision short_digest = proto;
  short_digest.set_action_digest("abc");
  CHECK(DecisionFromProto(short_digest).status().code() ==
        absl::StatusCode::kDataLoss);
}

TEST_CASE("evaluation records round-trip with their charges", "[codec]") {
  ProtoRecordCodec codec;
  gate::EvaluationRecord record;
  record.action = *ActionFromProto(SampleProto());
  record.decision = SampleDecision();
  record.decision.verdict.charges = {
      {"al-noor/refund-spend", absl::Hours(24),
       *policy::Decimal::Parse("120.5")},
      {"al-noor/refund-rate", absl::Hours(1), std::nullopt}};
  record.principal = "agent:bot";
  std::string bytes = codec.Encode(record);
  CHECK(codec.Encode(record) == bytes);  // deterministic
  auto back =
      gate::DecodeAs<gate::EvaluationRecord>(codec, "action.evaluated", bytes);
  REQUIRE(back.ok());
  CHECK(back->action.arguments == record.action.arguments);
  CHECK(back->decision.verdict.charges == record.decision.verdict.charges);
  CHECK(back->principal == "agent:bot");
  CHECK(codec.Decode("action.evaluated", "\xff\xff garbage").status().code() ==
        absl::StatusCode::kDataLoss);
  CHECK(codec.Decode("no.such.kind", bytes).status().code() ==
        absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace portcullis::codec
