// The seed examples, literally, against examples/commerce.policy.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "policy/builtin_rules.h"
#include "policy/compiled_policy.h"
#include "policy/compiler.h"
#include "tests/policy/fake_usage.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::CitedIds;
using testing::FakeUsage;
using testing::MakeAction;
using testing::MoneyValue;
using testing::Riyadh;
using testing::Str;

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(PORTCULLIS_EXAMPLES_DIR) + "/" + name);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::shared_ptr<const CompiledPolicy> Commerce() {
  std::vector<SourceFile> files = {
      SourceFile{"commerce.policy", ReadExample("commerce.policy")}};
  CompileResult result = Compile(files);
  for (const Diagnostic& d : result.errors) UNSCOPED_INFO(d.ToString());
  REQUIRE(result.policy != nullptr);
  return result.policy;
}

Action Coupon(const char* amount) {
  return MakeAction(
      "al-noor", "create_coupon",
      {{"customer_id", Str("c-17")}, {"value", MoneyValue(amount, "SAR")}});
}

Action Refund() {
  return MakeAction("al-noor", "refund_order",
                    {{"order_id", Str("AN-104200")},
                     {"amount", MoneyValue("120.00", "SAR")},
                     {"reason", Str("damaged")}});
}

TEST_CASE("the example commerce policy compiles", "[example]") {
  auto policy = Commerce();
  CHECK(policy->version() == "2026-11-21.1");
  CHECK(policy->HasTenant("al-noor"));
  CHECK(policy->HasTenant("desert-books"));
}

TEST_CASE("a 50.00 SAR coupon is allowed", "[example]") {
  auto verdict =
      Commerce()->Evaluate(Coupon("50.00"), Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kAllow);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"coupons"});
}

TEST_CASE("a 50.01 SAR coupon is denied, which no approval can lift",
          "[example]") {
  auto verdict =
      Commerce()->Evaluate(Coupon("50.01"), Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  // A DENY is final: the gate queues no approval for it.
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(verdict->approvals.empty());
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"coupon-cap"});
  CHECK(verdict->decided_by[0].description == "coupons are capped at 50 SAR");
  CHECK(verdict->reasons ==
        std::vector<std::string>{"coupons are capped at 50 SAR"});
}

TEST_CASE("a 50.01 SAR coupon is denied even when approval is also required",
          "[example]") {
  Action action = Coupon("50.01");
  action.context.confidence = 0.4;  // low-confidence demands approval
  auto verdict = Commerce()->Evaluate(action, Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"coupon-cap"});
  CHECK(verdict->approvals.empty());
}

TEST_CASE("a coupon at 08:59 in Asia/Riyadh is denied and at 09:00 allowed",
          "[example]") {
  auto policy = Commerce();
  auto early = policy->Evaluate(Coupon("20"), Riyadh(8, 59), EmptyUsage());
  REQUIRE(early.ok());
  CHECK(early->outcome == Outcome::kDeny);
  CHECK(CitedIds(*early) == std::vector<std::string>{"coupon-hours"});
  CHECK(early->reasons[0] ==
        "coupons are issued between 09:00 and 18:00 Riyadh time");

  auto on_time = policy->Evaluate(Coupon("20"), Riyadh(9, 0), EmptyUsage());
  REQUIRE(on_time.ok());
  CHECK(on_time->outcome == Outcome::kAllow);

  auto closing = policy->Evaluate(Coupon("20"), Riyadh(18, 0), EmptyUsage());
  REQUIRE(closing.ok());
  CHECK(closing->outcome == Outcome::kDeny);
}

TEST_CASE("a refund is PENDING_APPROVAL by the owner", "[example]") {
  auto verdict = Commerce()->Evaluate(Refund(), Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kPendingApproval);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"refunds"});
  REQUIRE(verdict->approvals.size() == 1);
  const ApprovalRequirement& approval = verdict->approvals[0];
  CHECK(approval.rule_id == "refunds");
  CHECK(approval.roles == std::vector<std::string>{"owner"});
  CHECK(approval.quorum == 1);
  CHECK(approval.expires_after == absl::Hours(24));
  CHECK_FALSE(approval.escalation.has_value());
}

TEST_CASE("a coupon proposed with confidence 0.4 is PENDING_APPROVAL",
          "[example]") {
  Action action = Coupon("20");
  action.context.confidence = 0.4;
  auto verdict = Commerce()->Evaluate(action, Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kPendingApproval);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"low-confidence"});
  REQUIRE(verdict->approvals.size() == 1);
  CHECK(verdict->approvals[0].expires_after == absl::Hours(4));
}

TEST_CASE("an unattended refund is denied at once", "[example]") {
  Action action = Refund();
  action.context.run_mode = RunMode::kUnattended;
  auto verdict = Commerce()->Evaluate(action, Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(CitedIds(*verdict) ==
        std::vector<std::string>{"refunds", std::string(kBuiltinUnattended)});
  CHECK(verdict->approvals.empty());
  CHECK(verdict->charges.empty());
  CHECK(verdict->reasons.back().find("unattended") != std::string::npos);
}

TEST_CASE("the 21st coupon within the hour is denied", "[example]") {
  FakeUsage usage;
  absl::Time now = Riyadh(12, 0);
  for (int i = 0; i < 20; ++i) {
    usage.Record("al-noor/coupon-rate",
                 now - absl::Minutes(59) + absl::Minutes(i));
  }
  auto verdict = Commerce()->Evaluate(Coupon("10"), now, usage);
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"coupon-rate"});
  CHECK(verdict->reasons[0] ==
        "at most 20 coupons an hour (20 of 20 per 1h used)");
}

TEST_CASE("the 20th coupon within the hour is allowed and charged",
          "[example]") {
  FakeUsage usage;
  absl::Time now = Riyadh(12, 0);
  for (int i = 0; i < 19; ++i) usage.Record("al-noor/coupon-rate", now);
  // Exactly one hour old: it has left the window.
  usage.Record("al-noor/coupon-rate", now - absl::Hours(1));
  auto verdict = Commerce()->Evaluate(Coupon("10"), now, usage);
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kAllow);
  std::vector<std::string> counters;
  for (const UsageCharge& c : verdict->charges) counters.push_back(c.counter);
  CHECK(counters == std::vector<std::string>{
                        "al-noor/agent-rate/agent=bot-1", "al-noor/coupon-rate",
                        "al-noor/coupon-spend/args.customer_id=c-17"});
}

TEST_CASE("a recompiled policy (a restart) keeps counting the same counters",
          "[example]") {
  // The gate rebuilds counters from the ledger's recorded charges; the keys
  // must not depend on anything but the rule and the action.
  FakeUsage ledger;
  absl::Time start = Riyadh(12, 0);
  {
    auto before_restart = Commerce();
    for (int i = 0; i < 20; ++i) {
      absl::Time at = start + absl::Minutes(i);
      auto verdict = before_restart->Evaluate(Coupon("1"), at, ledger);
      REQUIRE(verdict.ok());
      REQUIRE(verdict->outcome == Outcome::kAllow);
      ledger.RecordCharges(*verdict, at);
    }
  }
  auto after_restart = Commerce();
  auto verdict =
      after_restart->Evaluate(Coupon("1"), start + absl::Minutes(30), ledger);
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"coupon-rate"});
}

TEST_CASE("cancellations always need the owner", "[example]") {
  auto verdict = Commerce()->Evaluate(
      MakeAction("al-noor", "cancel_order", {{"order_id", Str("AN-000001")}}),
      Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kPendingApproval);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"cancellations"});
}

TEST_CASE("a large refund needs both the owner and two from finance",
          "[example]") {
  Action action = Refund();
  action.arguments["amount"] = MoneyValue("1500", "SAR");
  auto verdict = Commerce()->Evaluate(action, Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kPendingApproval);
  CHECK(CitedIds(*verdict) ==
        std::vector<std::string>{"refunds", "big-refunds"});
  REQUIRE(verdict->approvals.size() == 2);
  const ApprovalRequirement& finance = verdict->approvals[1];
  CHECK(finance.roles == std::vector<std::string>{"finance"});
  CHECK(finance.quorum == 2);
  CHECK(finance.expires_after == absl::Hours(48));
  REQUIRE(finance.escalation.has_value());
  CHECK(finance.escalation->after == absl::Hours(24));
  CHECK(finance.escalation->roles == std::vector<std::string>{"owner"});
}

TEST_CASE("a refund for a malformed order id is denied by the regex rule",
          "[example]") {
  Action action = Refund();
  action.arguments["order_id"] = Str("AN-12");
  auto verdict = Commerce()->Evaluate(action, Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"order-ids"});
}

TEST_CASE("coupons for one customer stop at 500 SAR a day", "[example]") {
  FakeUsage usage;
  absl::Time now = Riyadh(12, 0);
  usage.Record("al-noor/coupon-spend/args.customer_id=c-17",
               now - absl::Hours(20), testing::Dec("460"));
  auto within = Commerce()->Evaluate(Coupon("40"), now, usage);
  REQUIRE(within.ok());
  CHECK(within->outcome == Outcome::kAllow);
  auto over = Commerce()->Evaluate(Coupon("40.01"), now, usage);
  REQUIRE(over.ok());
  CHECK(over->outcome == Outcome::kDeny);
  CHECK(CitedIds(*over) == std::vector<std::string>{"coupon-spend"});
}

TEST_CASE("an undeclared tool is denied by the allowlist", "[example]") {
  auto verdict = Commerce()->Evaluate(MakeAction("al-noor", "delete_store"),
                                      Riyadh(10, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(CitedIds(*verdict) ==
        std::vector<std::string>{std::string(kBuiltinNotAllowlisted)});
}

TEST_CASE("the second tenant allows read tools tenant-wide", "[example]") {
  auto verdict = Commerce()->Evaluate(
      MakeAction("desert-books", "search_catalog", {{"query", Str("dune")}}),
      testing::At("Africa/Cairo", 2026, 1, 4, 23, 0), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kAllow);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"read-tools"});
}

TEST_CASE("the second tenant drafts on weekdays only", "[example]") {
  Action draft = MakeAction("desert-books", "draft_email",
                            {{"to", Str("ops@desert-books.example")}});
  // 4 January 2026 is a Sunday; 9 January a Friday.
  auto sunday = Commerce()->Evaluate(
      draft, testing::At("Africa/Cairo", 2026, 1, 4, 12, 0), EmptyUsage());
  REQUIRE(sunday.ok());
  CHECK(sunday->outcome == Outcome::kAllow);
  auto friday = Commerce()->Evaluate(
      draft, testing::At("Africa/Cairo", 2026, 1, 9, 12, 0), EmptyUsage());
  REQUIRE(friday.ok());
  CHECK(friday->outcome == Outcome::kDeny);
  CHECK(CitedIds(*friday) == std::vector<std::string>{"weekend-drafts"});
}

TEST_CASE("coupons are issued on any day within the hours", "[example]") {
  // 9 January 2026 is a Friday.
  auto friday = Commerce()->Evaluate(
      Coupon("20"), testing::At("Asia/Riyadh", 2026, 1, 9, 10, 0),
      EmptyUsage());
  REQUIRE(friday.ok());
  CHECK(friday->outcome == Outcome::kAllow);
}

TEST_CASE("the second tenant freezes writes at night", "[example]") {
  Action gift = MakeAction("desert-books", "issue_gift_card",
                           {{"amount", MoneyValue("100", "EGP")},
                            {"recipient", Str("a@b.example")}});
  auto night = Commerce()->Evaluate(
      gift, testing::At("Africa/Cairo", 2026, 1, 4, 23, 0), EmptyUsage());
  REQUIRE(night.ok());
  CHECK(night->outcome == Outcome::kDeny);
  CHECK(CitedIds(*night) == std::vector<std::string>{"night-freeze"});
  auto day = Commerce()->Evaluate(
      gift, testing::At("Africa/Cairo", 2026, 1, 4, 12, 0), EmptyUsage());
  REQUIRE(day.ok());
  CHECK(day->outcome == Outcome::kPendingApproval);
}

}  // namespace
}  // namespace portcullis::policy
