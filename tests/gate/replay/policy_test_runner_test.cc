#include "gate/replay/policy_test_runner.h"

#include <catch2/catch.hpp>

#include "tests/gate/replay/replay_fixture.h"

namespace portcullis::gate::replay {
namespace {

using O = ReplayOutcome;

PolicyTestCase Case(const RecordedAction& r, O outcome,
                    std::optional<std::vector<std::string>> decided_by) {
  PolicyTestCase test;
  test.name = "case";
  test.at = r.time;
  test.action = r.action;
  test.outcome = outcome;
  test.decided_by = std::move(decided_by);
  return test;
}

PolicyTestResult Run(PolicyTestRunner& runner, const PolicyTestCase& test) {
  absl::StatusOr<PolicyTestResult> result = runner.Run(test);
  REQUIRE(result.ok());
  return *result;
}

TEST_CASE("a policy test passes when the outcome and rules are as expected",
          "[policy-test]") {
  auto policy = CompileText(kShopPolicy);
  PolicyTestRunner runner(*policy);
  RecordedAction coupon = Coupon(At(10), "20", O::kAllow, {});
  CHECK(
      Run(runner, Case(coupon, O::kAllow, std::vector<std::string>{"coupons"}))
          .passed);
  CHECK(Run(runner, Case(coupon, O::kAllow, std::nullopt)).passed);
}

TEST_CASE("a policy test fails saying what was expected and what came",
          "[policy-test]") {
  auto policy = CompileText(kShopPolicy);
  PolicyTestRunner runner(*policy);
  RecordedAction big = Coupon(At(10), "60", O::kAllow, {});
  PolicyTestResult wrong_outcome =
      Run(runner, Case(big, O::kAllow, std::nullopt));
  CHECK_FALSE(wrong_outcome.passed);
  CHECK(wrong_outcome.failure == "expected ALLOW, got DENY by [coupon-cap]");
  PolicyTestResult wrong_rules = Run(
      runner, Case(big, O::kDeny, std::vector<std::string>{"coupon-hours"}));
  CHECK_FALSE(wrong_rules.passed);
  CHECK(wrong_rules.failure ==
        "expected DENY by [coupon-hours], got DENY by [coupon-cap]");
}

TEST_CASE("given actions fill the counters before the action under test",
          "[policy-test]") {
  auto policy = CompileText(kShopPolicy);
  PolicyTestRunner runner(*policy);
  RecordedAction coupon = Coupon(At(10, 30), "5", O::kAllow, {});
  PolicyTestCase third =
      Case(coupon, O::kDeny, std::vector<std::string>{"coupon-rate"});
  third.given.push_back({At(10), coupon.action, 2});
  CHECK(Run(runner, third).passed);
  // Each case starts with fresh counters.
  CHECK(Run(runner, Case(coupon, O::kAllow, std::nullopt)).passed);

  PolicyTestCase later = third;
  later.given[0].at = At(11);
  CHECK(runner.Run(later).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a rejected action can be expected, with part of its error",
          "[policy-test]") {
  auto policy = CompileText(kShopPolicy);
  PolicyTestRunner runner(*policy);
  RecordedAction coupon = Coupon(At(10), "5", O::kAllow, {});
  coupon.action.arguments.erase("customer_id");
  PolicyTestCase test = Case(coupon, O::kRejected, std::nullopt);
  test.error_contains = "customer_id is required";
  CHECK(Run(runner, test).passed);
  test.error_contains = "something else";
  PolicyTestResult failed = Run(runner, test);
  CHECK_FALSE(failed.passed);
  CHECK(failed.failure.find("something else") != std::string::npos);
}

TEST_CASE("coverage lists the rules no case's action matched",
          "[policy-test]") {
  auto policy = CompileText(kShopPolicy);
  PolicyTestRunner runner(*policy);
  CHECK(runner.rules() == 8);
  CHECK(runner.Unexercised().size() == 8);
  Run(runner, Case(Coupon(At(10), "60", O::kAllow, {}), O::kDeny, {}));
  Run(runner, Case(Coupon(At(10), "5", O::kAllow, {}), O::kAllow, {}));
  std::vector<std::string> missed;
  for (const policy::RuleInfo& rule : runner.Unexercised()) {
    missed.push_back(rule.tenant + "/" + rule.id);
  }
  // coupon-rate did not reach its limit, so it decided nothing.
  CHECK(missed ==
        std::vector<std::string>{"shop/coupon-hours", "shop/coupon-rate",
                                 "shop/refunds", "shop/refund-rate",
                                 "other/coupon-rate", "other/coupons"});
}

}  // namespace
}  // namespace portcullis::gate::replay
