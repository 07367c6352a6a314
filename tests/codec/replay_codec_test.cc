#include "codec/replay_codec.h"

#include <catch2/catch.hpp>

#include "codec/policy_test_codec.h"
#include "codec/proto_record_codec.h"
#include "codec/time_codec.h"
#include "gate/replay/replay_report.h"

namespace portcullis::codec {
namespace {

using gate::replay::RecordedAction;
using gate::replay::ReplayOutcome;

absl::StatusOr<RecordedAction> ParseLine(absl::string_view line) {
  return ParseRecordingLine(ProtoJson(), line);
}

std::string Line(const RecordedAction& recorded) {
  return RecordingLine(ProtoJson(), recorded);
}

constexpr char kLine[] =
    R"({"time":"2026-01-05T10:00:00Z","action":{"tenant":"shop","agent":"bot",)"
    R"("tool":"create_coupon","arguments":{"value":{"moneyValue":{"amount":)"
    R"("20.00","currency":"SAR"}},"customer_id":{"stringValue":"c-1"}}},)"
    R"("decision":{"outcome":"OUTCOME_ALLOW","decidedBy":["coupons"]}})";

TEST_CASE("a recording line parses into a recorded action", "[replay-codec]") {
  auto recorded = ParseLine(kLine);
  REQUIRE(recorded.ok());
  CHECK(recorded->time == absl::FromUnixSeconds(1767607200));
  CHECK(recorded->action.tenant == "shop");
  CHECK(recorded->action.arguments.size() == 2);
  CHECK(recorded->decision.outcome == ReplayOutcome::kAllow);
  CHECK(recorded->decision.decided_by == std::vector<std::string>{"coupons"});
  CHECK_FALSE(recorded->approval_granted_at.has_value());
}

TEST_CASE("a recorded action prints as one canonical line and back",
          "[replay-codec]") {
  auto recorded = ParseLine(kLine);
  REQUIRE(recorded.ok());
  recorded->decision_id = std::string(32, 'f');
  recorded->decision.outcome = ReplayOutcome::kPendingApproval;
  recorded->approval_granted_at = recorded->time + absl::Minutes(5);
  recorded->ledger_sequence = 7;
  std::string line = Line(*recorded);
  CHECK(line.find('\n') == std::string::npos);
  // Map entries in key order, whatever the input order was.
  CHECK(line.find("\"customer_id\"") < line.find("\"value\""));
  CHECK(line.find("\"approvalGrantedAt\":\"2026-01-05T10:05:00Z\"") !=
        std::string::npos);
  auto again = ParseLine(line);
  REQUIRE(again.ok());
  CHECK(again->action.arguments == recorded->action.arguments);
  CHECK(again->approval_granted_at == recorded->approval_granted_at);
  CHECK(again->decision_id == recorded->decision_id);
  CHECK(again->ledger_sequence == 7);
  CHECK(Line(*again) == line);
}

TEST_CASE("malformed recording lines are rejected naming the problem",
          "[replay-codec]") {
  struct Bad {
    std::string line;
    std::string says;
  };
  for (
      const Bad& bad : std::vector<Bad>{
          {"{not json", "not a recorded action in JSON"},
          {R"({"time":"2026-01-05T10:00:00Z","bogus":1})", "bogus"},
          {R"({"action":{"tenant":"shop"},"decision":{"outcome":"OUTCOME_DENY","decidedBy":["x"]}})",
           "\"time\" is required"},
          {R"({"time":"2026-01-05T10:00:00Z","decision":{"outcome":"OUTCOME_DENY"}})",
           "\"action\" is required"},
          {R"({"time":"2026-01-05T10:00:00Z","action":{"tenant":"shop"}})",
           "\"decision\" is required"},
          {R"({"time":"2026-01-05T10:00:00Z","action":{"tenant":"shop"},"decision":{"decidedBy":["x"]}})",
           "no outcome"},
          {R"({"time":"2026-01-05T10:00:00Z","action":{"tenant":"shop"},"decision":{"outcome":"OUTCOME_ALLOW"}})",
           "decidedBy"},
          {R"({"time":"2026-01-05T10:00:00Z","action":{"tenant":"shop"},"decision":{"outcome":"OUTCOME_ALLOW","decidedBy":["x"]},"approvalGrantedAt":"2026-01-05T10:00:00Z"})",
           "approvalGrantedAt is only for"},
          {R"({"time":"2026-01-05T10:00:00Z","action":{"tenant":"shop","arguments":{"v":{"moneyValue":{"amount":"fifty","currency":"SAR"}}}},"decision":{"outcome":"OUTCOME_ALLOW","decidedBy":["x"]}})",
           "action.arguments.v.amount"},
          {R"({"time":"yesterday","action":{},"decision":{}})", "time"},
      }) {
    auto parsed = ParseLine(bad.line);
    INFO(bad.line);
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(parsed.status().message().find(bad.says) != std::string::npos);
  }
  // A rejected action needs no deciding rules.
  CHECK(
      ParseLine(
          R"({"time":"2026-01-05T10:00:00Z","action":{"tenant":"shop"},"decision":{"outcome":"OUTCOME_REJECTED","error":"bad"}})")
          .ok());
}

TEST_CASE("an expectation must match on something", "[replay-codec]") {
  replay_v1::ExpectedChange proto;
  proto.set_note("only a note");
  CHECK(ExpectedChangeFromProto(proto).status().code() ==
        absl::StatusCode::kInvalidArgument);
  proto.set_after(replay_v1::OUTCOME_DENY);
  proto.add_decided_by_after("coupon-cap");
  auto change = ExpectedChangeFromProto(proto);
  REQUIRE(change.ok());
  CHECK(change->after == ReplayOutcome::kDeny);
  CHECK_FALSE(change->before.has_value());
  CHECK(change->decided_by_after == std::vector<std::string>{"coupon-cap"});
}

TEST_CASE("a report prints as canonical JSON", "[replay-codec]") {
  auto recorded = ParseLine(kLine);
  REQUIRE(recorded.ok());
  gate::replay::ExpectedChange expected;
  expected.after = ReplayOutcome::kDeny;
  expected.note = "cap lowered";
  gate::replay::ReplayReport report(gate::replay::Expectations({expected}));
  gate::replay::ReplayedDecision denied;
  denied.outcome = ReplayOutcome::kDeny;
  denied.decided_by = {{"coupon-cap", "coupons are capped at 10 SAR"}};
  denied.reasons = {"coupons are capped at 10 SAR"};
  report.Add(3, *recorded, denied);
  gate::PolicySnapshot policy;
  policy.version = "2";
  policy.content_hash = std::string(64, 'b');
  replay_v1::ReplayReport proto;
  ReplayReportToProto(report, "in.jsonl", policy, &proto);
  CHECK(proto.actions() == 1);
  CHECK(proto.expected() == 1);
  REQUIRE(proto.changes_size() == 1);
  CHECK(proto.changes(0).line() == 3);
  CHECK(proto.changes(0).expectation_note() == "cap lowered");
  CHECK(proto.changes(0).after().decided_by(0).description() ==
        "coupons are capped at 10 SAR");
  auto json = ProtoJson().Print(proto);
  REQUIRE(json.ok());
  CHECK(json->find("\"transitions\":[{\"before\":\"OUTCOME_ALLOW\",\"after\":"
                   "\"OUTCOME_DENY\",\"count\":\"1\"}]") != std::string::npos);
  CHECK(*ProtoJson().Print(proto) == *json);
}

TEST_CASE("policy test cases convert with their defaults", "[replay-codec]") {
  replay::v1::PolicyTestCase proto;
  proto.set_name("a case");
  proto.mutable_action()->set_tenant("shop");
  proto.mutable_expect()->set_outcome(replay_v1::OUTCOME_ALLOW);
  absl::Time at = absl::FromUnixSeconds(1767607200);
  CHECK(PolicyTestCaseFromProto(proto, std::nullopt)
            .status()
            .message()
            .find("\"at\" is required") != std::string::npos);
  proto.add_given()->set_times(3);
  auto test = PolicyTestCaseFromProto(proto, at);
  REQUIRE(test.ok());
  CHECK(test->at == at);
  REQUIRE(test->given.size() == 1);
  CHECK(test->given[0].times == 3);
  CHECK(test->given[0].at == at);
  CHECK(test->given[0].action.tenant == "shop");
  CHECK_FALSE(test->decided_by.has_value());

  replay::v1::PolicyTestCase bad = proto;
  bad.clear_name();
  CHECK(PolicyTestCaseFromProto(bad, at).status().message().find("name") !=
        std::string::npos);
  bad = proto;
  bad.clear_expect();
  CHECK(PolicyTestCaseFromProto(bad, at).status().message().find("expect") !=
        std::string::npos);
  bad = proto;
  bad.mutable_expect()->set_outcome(replay_v1::OUTCOME_UNSPECIFIED);
  CHECK(PolicyTestCaseFromProto(bad, at).status().message().find(
            "expect.outcome") != std::string::npos);
  bad = proto;
  bad.mutable_given(0)->set_times(kMaxPriorRepeats + 1);
  CHECK(PolicyTestCaseFromProto(bad, at).status().message().find(
            "given[0].times") != std::string::npos);
  bad = proto;
  bad.mutable_expect()->set_error_contains("x");
  CHECK(PolicyTestCaseFromProto(bad, at).status().message().find(
            "errorContains") != std::string::npos);
  bad = proto;
  bad.clear_action();
  CHECK(PolicyTestCaseFromProto(bad, at).status().message().find("action") !=
        std::string::npos);
}

TEST_CASE("a shadow record survives the ledger codec", "[replay-codec]") {
  ProtoRecordCodec codec;
  gate::ShadowRecord record;
  record.policy_version = "candidate";
  record.policy_hash = std::string(64, 'c');
  policy::Verdict verdict;
  verdict.outcome = policy::Outcome::kDeny;
  verdict.decided_by = {{"coupon-cap", "coupons are capped"}};
  verdict.reasons = {"coupons are capped"};
  record.verdict = verdict;
  auto decoded = gate::DecodeAs<gate::ShadowRecord>(
      codec, gate::kShadowDiffered, codec.Encode(record));
  REQUIRE(decoded.ok());
  CHECK(decoded->policy_version == "candidate");
  CHECK(decoded->policy_hash == record.policy_hash);
  REQUIRE(decoded->verdict.has_value());
  CHECK(decoded->verdict->outcome == policy::Outcome::kDeny);
  CHECK(decoded->verdict->decided_by == verdict.decided_by);
  CHECK(decoded->verdict->reasons == verdict.reasons);

  gate::ShadowRecord rejected;
  rejected.policy_version = "candidate";
  rejected.rejection = "argument x is not declared";
  auto back = gate::DecodeAs<gate::ShadowRecord>(codec, gate::kShadowDiffered,
                                                 codec.Encode(rejected));
  REQUIRE(back.ok());
  CHECK_FALSE(back->verdict.has_value());
  CHECK(back->rejection == rejected.rejection);
  CHECK(codec.Decode(gate::kShadowDiffered, "\xff\xff").status().code() ==
        absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace portcullis::codec
