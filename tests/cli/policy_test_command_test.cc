#include "cli/policy_test_command.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/cli/replay_fixture.h"

namespace portcullis::cli {
namespace {

constexpr char kExamples[] = PORTCULLIS_SOURCE_DIR "/examples/policy-tests";
constexpr char kCommerce[] = PORTCULLIS_SOURCE_DIR "/examples/commerce.policy";

constexpr char kCases[] = R"(# coupons
at: "2026-01-05T10:00:00Z"
cases:
  - name: a small coupon is allowed
    action:
      tenant: shop
      agent: bot
      tool: create_coupon
      arguments:
        customer_id: {stringValue: c-1}
        value: {moneyValue: {amount: "20", currency: SAR}}
    expect: {outcome: OUTCOME_ALLOW, decidedBy: [coupons]}
  - name: the third coupon in an hour is denied
    given: [{at: "2026-01-05T09:30:00Z", times: 2}]
    action:
      tenant: shop
      agent: bot
      tool: create_coupon
      arguments:
        customer_id: {stringValue: c-1}
        value: {moneyValue: {amount: "20", currency: SAR}}
    expect: {outcome: OUTCOME_DENY, decidedBy: [coupon-rate]}
)";

constexpr char kFailing[] = R"(cases:
  - name: a 40 SAR coupon is allowed
    at: "2026-01-05T10:00:00Z"
    action:
      tenant: shop
      agent: bot
      tool: create_coupon
      arguments:
        customer_id: {stringValue: c-1}
        value: {moneyValue: {amount: "40", currency: SAR}}
    expect: {outcome: OUTCOME_ALLOW}
)";

TEST_CASE("policy test runs every case, prints a summary and the coverage",
          "[cli][policy-test]") {
  ReplayDir d;
  d.Write("coupons_test.yaml", kCases);
  d.Write("notes.yaml", "not a test file: ignored");
  Captured c;
  CHECK(RunPolicyTest({d.Path(""), d.Path("shop.policy")}, c.io) == kExitOk);
  const std::string out = c.out.str();
  INFO(out + c.err.str());
  CHECK(out.find("coupons_test.yaml:\n"
                 "  PASS a small coupon is allowed\n"
                 "  PASS the third coupon in an hour is denied\n") !=
        std::string::npos);
  CHECK(out.find("PASS: 2/2\n") != std::string::npos);
  CHECK(out.find("coverage: 2 of 4 rules (50.0%) matched by some case\n"
                 "  not exercised: shop create_coupon coupon-cap: coupons are "
                 "capped at 50 SAR\n"
                 "  not exercised: shop create_coupon coupon-hours: coupons "
                 "only in business hours\n") != std::string::npos);
}

TEST_CASE("the policy under test defaults to DIR's own *.policy files",
          "[cli][policy-test]") {
  ReplayDir d;
  std::filesystem::create_directory(d.Path("suite"));
  d.Write("suite/shop.policy", ShopPolicy("1", "50"));
  d.Write("suite/coupons_test.yaml", kCases);
  Captured c;
  CHECK(RunPolicyTest({d.Path("suite")}, c.io) == kExitOk);
  CHECK(c.out.str().find("PASS: 2/2") != std::string::npos);
}

TEST_CASE("a failing case is reported with what was expected, exit 1",
          "[cli][policy-test]") {
  ReplayDir d;
  d.Write("coupons_test.yaml", kCases);
  d.Write("more_test.json", "");  // an empty file holds no cases
  std::filesystem::create_directory(d.Path("sub"));
  d.Write("sub/cap_test.yml", kFailing);
  Captured c;
  // The candidate caps coupons at 30 SAR; the policy is read from DIR's
  // own *.policy files by default, so point at the candidate.
  CHECK(RunPolicyTest({d.Path(""), d.Path("candidate.policy")}, c.io) ==
        kExitFailed);
  const std::string out = c.out.str();
  INFO(out);
  CHECK(out.find("  FAIL a 40 SAR coupon is allowed (" +
                 d.Path("sub/cap_test.yml") +
                 ":2)\n"
                 "       expected ALLOW, got DENY by [coupon-cap]\n") !=
        std::string::npos);
  CHECK(out.find("PASS: 2/3\nFAIL: 1/3\n") != std::string::npos);
}

TEST_CASE("malformed test files exit 2 naming the file and line",
          "[cli][policy-test]") {
  ReplayDir d;
  std::string file, says;
  SECTION("not YAML") {
    file = "cases: [\n";
    says = "bad_test.yaml: line ";
  }
  SECTION("an unknown field") {
    file = "cases:\n  - name: x\n    expected: {outcome: OUTCOME_ALLOW}\n";
    says = "bad_test.yaml:2: ";
  }
  SECTION("no outcome") {
    file =
        "at: \"2026-01-05T10:00:00Z\"\ncases:\n  - name: x\n    action: "
        "{tenant: shop}\n    expect: {decidedBy: [coupons]}\n";
    says = "bad_test.yaml:3: expect.outcome";
  }
  SECTION("no instant") {
    file =
        "cases:\n  - name: x\n    action: {tenant: shop}\n    expect: "
        "{outcome: OUTCOME_DENY}\n";
    says = "bad_test.yaml:2: \"at\" is required";
  }
  SECTION("two cases with one name") {
    file =
        "at: \"2026-01-05T10:00:00Z\"\ncases:\n"
        "  - {name: x, action: {tenant: shop}, expect: {outcome: "
        "OUTCOME_DENY}}\n"
        "  - {name: x, action: {tenant: shop}, expect: {outcome: "
        "OUTCOME_DENY}}\n";
    says = "bad_test.yaml:4: another case is named \"x\"";
  }
  SECTION("given after the case") {
    file =
        "at: \"2026-01-05T10:00:00Z\"\ncases:\n"
        "  - name: x\n    given: [{at: \"2026-01-05T11:00:00Z\"}]\n"
        "    action: {tenant: shop}\n    expect: {outcome: OUTCOME_DENY}\n";
    says = "bad_test.yaml:3: a given action comes after";
  }
  d.Write("bad_test.yaml", file);
  Captured c;
  CHECK(RunPolicyTest({d.Path(""), d.Path("shop.policy")}, c.io) == kExitUsage);
  INFO(c.err.str());
  CHECK(c.err.str().find(d.Path(says)) != std::string::npos);
}

TEST_CASE("policy test exits 2 without tests, 1 when the policy is broken",
          "[cli][policy-test]") {
  ReplayDir d;
  Captured none;
  CHECK(RunPolicyTest({d.Path(""), d.Path("shop.policy")}, none.io) ==
        kExitUsage);
  CHECK(none.err.str().find("holds no test files") != std::string::npos);
  Captured missing;
  CHECK(RunPolicyTest({d.Path("absent")}, missing.io) == kExitUsage);

  d.Write("coupons_test.yaml", kCases);
  d.Write("broken.policy", "tenant {");
  Captured broken;
  CHECK(RunPolicyTest({d.Path(""), d.Path("broken.policy")}, broken.io) ==
        kExitFailed);
  CHECK(broken.err.str().find("broken.policy:1:") != std::string::npos);
  Captured no_policy;
  CHECK(RunPolicyTest({d.Path(""), d.Path("absent.policy")}, no_policy.io) ==
        kExitUsage);
}

TEST_CASE("the example policy tests pass against the example policy",
          "[cli][policy-test]") {
  Captured c;
  CHECK(RunPolicyTest({kExamples, kCommerce}, c.io) == kExitOk);
  INFO(c.out.str() + c.err.str());
  CHECK(c.out.str().find("FAIL") == std::string::npos);
  CHECK(c.out.str().find("not exercised: al-noor reply_customer "
                         "reply-length") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
