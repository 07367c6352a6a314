// The example policy's coupon limit through the whole gate core: the real
// compiler, the ledger and counters rebuilt after a restart.
#include <catch2/catch.hpp>

#include "gate/file_policy_source.h"
#include "gate/policy_loader.h"
#include "tests/gate/gate_fixture.h"

namespace portcullis::gate {
namespace {

constexpr char kExample[] = PORTCULLIS_SOURCE_DIR "/examples/commerce.policy";

void ApplyExample(GateFixture& f) {
  auto load = LoadPolicy(FilePolicySource(kExample), f.clock().Now());
  REQUIRE(load.ok());
  REQUIRE(load->errors.empty());
  REQUIRE(f.gate().ApplyPolicy(*load).ok());
}

policy::Action Coupon(int i) {
  policy::Action a = MakeAction("al-noor", "create_coupon");
  a.arguments.clear();
  // A different customer each time, so only the hourly count limits.
  a.arguments["customer_id"] = policy::Value{"c-" + std::to_string(i)};
  a.arguments["value"] =
      policy::Value{policy::Money{*policy::Decimal::Parse("10.00"), "SAR"}};
  a.context.confidence = 0.95;
  return a;
}

TEST_CASE("the 21st coupon within the hour is denied, even after a restart",
          "[limits]") {
  GateFixture f;  // Sunday 2026-01-04, 15:00 in Riyadh: business hours
  ApplyExample(f);
  for (int i = 0; i < 15; ++i) {
    auto d = f.gate().Evaluate(Coupon(i), {});
    REQUIRE(d.ok());
    REQUIRE(d->verdict.outcome == policy::Outcome::kAllow);
    f.clock().Advance(absl::Minutes(1));
  }
  f.Restart();
  REQUIRE(f.gate().Recover().ok());
  ApplyExample(f);
  for (int i = 15; i < 20; ++i) {
    auto d = f.gate().Evaluate(Coupon(i), {});
    REQUIRE(d.ok());
    REQUIRE(d->verdict.outcome == policy::Outcome::kAllow);
  }
  auto twenty_first = f.gate().Evaluate(Coupon(20), {});
  REQUIRE(twenty_first.ok());
  CHECK(twenty_first->verdict.outcome == policy::Outcome::kDeny);
  REQUIRE(twenty_first->verdict.decided_by.size() == 1);
  CHECK(twenty_first->verdict.decided_by[0].id == "coupon-rate");

  // Once the first coupon is an hour old, one more fits again.
  f.clock().Set(absl::FromUnixSeconds(1767528000) + absl::Hours(1));
  auto later = f.gate().Evaluate(Coupon(21), {});
  REQUIRE(later.ok());
  CHECK(later->verdict.outcome == policy::Outcome::kAllow);
}

TEST_CASE("a pending refund is recorded and not allowed", "[limits]") {
  GateFixture f;
  ApplyExample(f);
  policy::Action refund = MakeAction("al-noor", "refund_order");
  refund.arguments.clear();
  refund.arguments["order_id"] = policy::Value{std::string("AN-104200")};
  refund.arguments["amount"] =
      policy::Value{policy::Money{*policy::Decimal::Parse("120.00"), "SAR"}};
  refund.arguments["reason"] = policy::Value{std::string("damaged")};
  refund.context.confidence = 0.95;
  auto d = f.gate().Evaluate(refund, {});
  REQUIRE(d.ok());
  CHECK(d->verdict.outcome == policy::Outcome::kPendingApproval);
  REQUIRE(d->verdict.approvals.size() == 1);
  CHECK(d->verdict.approvals[0].roles == std::vector<std::string>{"owner"});
  CHECK(d->expires_at == f.clock().Now() + absl::Hours(24));
}

}  // namespace
}  // namespace portcullis::gate
