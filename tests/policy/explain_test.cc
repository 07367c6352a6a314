// Traces say how every rule fared and why; FormatExplanation turns a
// decision and its trace into text for `portcullis policy explain`.
#include "policy/explain.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "policy/builtin_rules.h"
#include "policy/compiled_policy.h"
#include "tests/policy/fake_usage.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::FakeUsage;
using testing::MakeAction;
using testing::MoneyValue;
using testing::Riyadh;
using testing::Str;

constexpr const char* kPolicy = R"(
policy "p" version "1"
tenant "al-noor" {
  timezone "Asia/Riyadh"
  rule unsure "unsure proposals go to a person" approve by owner expires 4h when context.confidence < 0.8
  tool create_coupon {
    class write
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at 50 SAR" deny when args.value > 50 SAR
    rule coupon-hours "coupons only in business hours" deny unless hours(09:00-18:00)
    rule coupon-rate "at most 20 coupons an hour" limit 20 per 1h
    rule coupons "coupons are fine" allow
  }
}
)";

Action Coupon(const char* amount) {
  return MakeAction("al-noor", "create_coupon",
                    {{"value", MoneyValue(amount, "SAR")}});
}

TEST_CASE(
    "a trace has one entry per rule, saying whether and why it "
    "matched",
    "[explain]") {
  auto policy = testing::MustCompile(kPolicy);
  FakeUsage usage;
  usage.Record("al-noor/coupon-rate", Riyadh(8, 30));
  std::vector<RuleTrace> trace;
  auto verdict =
      policy->Evaluate(Coupon("50.01"), Riyadh(8, 59), usage, &trace);
  REQUIRE(verdict.ok());
  REQUIRE(trace.size() == 5);
  CHECK(trace[0].rule_id == "unsure");
  CHECK_FALSE(trace[0].matched);
  CHECK(trace[0].explanation ==
        "does not apply: when context.confidence < 0.8 is false "
        "(context.confidence = 0.95)");
  CHECK(trace[1].rule_id == "coupon-cap");
  CHECK(trace[1].matched);
  CHECK(trace[1].explanation ==
        "applies: when args.value > 50 SAR is true (args.value = 50.01 SAR)");
  CHECK(trace[2].rule_id == "coupon-hours");
  CHECK(trace[2].matched);
  CHECK(trace[2].explanation ==
        "applies: unless hours(09:00-18:00) is false (local time sun "
        "2026-01-04 08:59:00 in Asia/Riyadh)");
  CHECK(trace[3].rule_id == "coupon-rate");
  CHECK_FALSE(trace[3].matched);
  CHECK(trace[3].explanation ==
        "applies always; counter al-noor/coupon-rate: 1 of 20 per 1h used: "
        "within the limit");
  CHECK(trace[4].rule_id == "coupons");
  CHECK(trace[4].matched);
  CHECK(trace[4].explanation == "applies always");
}

TEST_CASE("a trace says when a limit is reached", "[explain]") {
  auto policy = testing::MustCompile(kPolicy);
  FakeUsage usage;
  for (int i = 0; i < 20; ++i) {
    usage.Record("al-noor/coupon-rate", Riyadh(9, 30));
  }
  std::vector<RuleTrace> trace;
  auto verdict = policy->Evaluate(Coupon("5"), Riyadh(10, 0), usage, &trace);
  REQUIRE(verdict.ok());
  REQUIRE(trace.size() == 5);
  CHECK(trace[3].matched);
  CHECK(trace[3].explanation ==
        "applies always; counter al-noor/coupon-rate: 20 of 20 per 1h used: "
        "limit reached");
}

TEST_CASE("a trace ends with the built-in rule that decided", "[explain]") {
  auto policy = testing::MustCompile(kPolicy);
  std::vector<RuleTrace> trace;
  auto unknown = policy->Evaluate(MakeAction("al-noor", "nope"), Riyadh(10, 0),
                                  EmptyUsage(), &trace);
  REQUIRE(unknown.ok());
  REQUIRE(trace.size() == 1);
  CHECK(trace[0].rule_id == kBuiltinNotAllowlisted);
  CHECK(trace[0].matched);
}

TEST_CASE("an explanation shows the decision, its rules and the trace",
          "[explain]") {
  auto policy = testing::MustCompile(kPolicy);
  std::vector<RuleTrace> trace;
  Action action = Coupon("20");
  action.context.confidence = 0.5;
  auto verdict = policy->Evaluate(action, Riyadh(10, 0), EmptyUsage(), &trace);
  REQUIRE(verdict.ok());
  std::string text = FormatExplanation(action, *verdict, trace);
  CHECK(text ==
        "action: tenant \"al-noor\", tool \"create_coupon\", agent \"bot-1\"\n"
        "  args.value = 20 SAR\n"
        "decision: PENDING_APPROVAL\n"
        "decided by:\n"
        "  unsure \"unsure proposals go to a person\"\n"
        "    reason: unsure proposals go to a person: needs approval by owner "
        "(quorum 1) within 4h\n"
        "approvals required:\n"
        "  unsure: approval by owner (quorum 1) within 4h\n"
        "counts against:\n"
        "  al-noor/coupon-rate (1 for 1h)\n"
        "rules:\n"
        "  [x] unsure: applies: when context.confidence < 0.8 is true "
        "(context.confidence = 0.5)\n"
        "  [ ] coupon-cap: does not apply: when args.value > 50 SAR is false "
        "(args.value = 20 SAR)\n"
        "  [ ] coupon-hours: does not apply: unless hours(09:00-18:00) is "
        "true (local time sun 2026-01-04 10:00:00 in Asia/Riyadh)\n"
        "  [ ] coupon-rate: applies always; counter al-noor/coupon-rate: 0 of "
        "20 per 1h used: within the limit\n"
        "  [x] coupons: applies always\n");
}

TEST_CASE("an explanation escapes what the agent sent", "[explain]") {
  Action action = MakeAction("t\n", "x", {{"Bad Name", Str("v\x01")}});
  Verdict verdict;
  verdict.decided_by.push_back({"builtin:unknown-tenant", "d"});
  verdict.reasons.push_back("r");
  std::string text = FormatExplanation(action, verdict, {});
  CHECK(text.find("tenant \"t\\x0a\"") != std::string::npos);
  CHECK(text.find("args.\"Bad Name\" = \"v\\x01\"") != std::string::npos);
}

TEST_CASE("an approval formats with its escalation", "[explain]") {
  ApprovalRequirement approval{"big",
                               {"finance", "cfo"},
                               2,
                               absl::Hours(48),
                               Escalation{absl::Hours(24), {"ceo"}}};
  CHECK(FormatApproval(approval) ==
        "big: approval by finance or cfo (quorum 2) within 2d, escalating "
        "after 1d to ceo");
}

}  // namespace
}  // namespace portcullis::policy
