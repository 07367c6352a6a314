#include "gate/internal/shadow_policy.h"

#include <catch2/catch.hpp>

#include "gate/decision_state.h"
#include "gate/policy_loader.h"
#include "tests/gate/gate_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

// Coupons of at most 50 SAR, at most 3 an hour; refunds need the owner.
constexpr char kActive[] = R"(
policy "shop" version "active"
tenant "shop" {
  tool create_coupon {
    class write
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at 50 SAR"
      deny when args.value > 50 SAR
    rule coupon-rate "at most 3 coupons an hour"
      limit 3 per 1h
    rule coupons "coupons within the limits are fine"
      allow
  }
  tool refund_order {
    class write
    arg order_id: string
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
}
)";

// The candidate: the cap lowered to 30 SAR, 2 coupons an hour; refunds
// unchanged.
constexpr char kCandidate[] = R"(
policy "shop" version "candidate"
tenant "shop" {
  tool create_coupon {
    class write
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at 30 SAR"
      deny when args.value > 30 SAR
    rule coupon-rate "at most 2 coupons an hour"
      limit 2 per 1h
    rule coupons "coupons within the limits are fine"
      allow
  }
  tool refund_order {
    class write
    arg order_id: string
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
}
)";

PolicyLoad Compiled(GateFixture& f, const std::string& text) {
  return CompilePolicy({{{"shop.policy", text}}, "shop.policy"},
                       f.clock().Now());
}

void ApplyShadow(GateFixture& f, const std::string& text) {
  PolicyLoad load = Compiled(f, text);
  REQUIRE(load.errors.empty());
  REQUIRE(f.gate().ApplyShadowPolicy(load).ok());
}

policy::Action Coupon(const std::string& value) {
  policy::Action a = MakeAction("shop", "create_coupon");
  a.arguments.clear();
  a.arguments["value"] =
      policy::Value{policy::Money{*policy::Decimal::Parse(value), "SAR"}};
  return a;
}

Outcome Decide(GateFixture& f, const policy::Action& action) {
  auto d = f.gate().Evaluate(action, {});
  REQUIRE(d.ok());
  return d->verdict.outcome;
}

std::vector<ledger::Entry> Shadowed(GateFixture& f) {
  std::vector<ledger::Entry> out;
  for (ledger::Entry& e : f.Entries("shop")) {
    if (e.kind == kShadowDiffered) out.push_back(std::move(e));
  }
  return out;
}

TEST_CASE(
    "a shadow policy decides every action beside the policy in force, "
    "never enforced, and each difference is recorded",
    "[shadow]") {
  GateFixture f;
  ApplyPolicyText(f, kActive);
  ApplyShadow(f, kCandidate);

  CHECK(Decide(f, Coupon("20")) == Outcome::kAllow);  // both allow
  auto forty = f.gate().Evaluate(Coupon("40"), {});   // the candidate denies
  REQUIRE(forty.ok());
  CHECK(forty->verdict.outcome == Outcome::kAllow);  // not enforced

  std::vector<ledger::Entry> shadowed = Shadowed(f);
  REQUIRE(shadowed.size() == 1);
  const ledger::Entry& e = shadowed[0];
  CHECK(e.decision_id == forty->id);
  CHECK(e.sequence == forty->ledger_sequence + 1);  // the same batch
  auto record = DecodeAs<ShadowRecord>(f.codec(), e.kind, *e.payload);
  REQUIRE(record.ok());
  CHECK(record->policy_version == "candidate");
  CHECK(record->policy_hash.size() == 64);
  REQUIRE(record->verdict.has_value());
  CHECK(record->verdict->outcome == Outcome::kDeny);
  REQUIRE(record->verdict->decided_by.size() == 1);
  CHECK(record->verdict->decided_by[0].id == "coupon-cap");
  CHECK(record->verdict->decided_by[0].description ==
        "coupons are capped at 30 SAR");

  ShadowStatus status = f.gate().Status().shadow;
  REQUIRE(status.candidate != nullptr);
  CHECK(status.candidate->version == "candidate");
  CHECK(status.decided == 2);
  CHECK(status.differed == 1);
}

TEST_CASE("without a shadow policy nothing is shadowed", "[shadow]") {
  GateFixture f;
  ApplyPolicyText(f, kActive);
  CHECK(Decide(f, Coupon("40")) == Outcome::kAllow);
  CHECK(Shadowed(f).empty());
  CHECK(f.gate().Status().shadow.candidate == nullptr);
  ApplyShadow(f, kCandidate);
  f.gate().ClearShadowPolicy();
  CHECK(Decide(f, Coupon("40")) == Outcome::kAllow);
  CHECK(Shadowed(f).empty());
}

TEST_CASE(
    "the shadow's counters start from the active ones and follow its own "
    "allows",
    "[shadow]") {
  GateFixture f;
  ApplyPolicyText(f, kActive);
  CHECK(Decide(f, Coupon("10")) == Outcome::kAllow);  // before the shadow
  ApplyShadow(f, kCandidate);
  // The candidate's limit of 2 already has one coupon on its counter.
  CHECK(Decide(f, Coupon("10")) == Outcome::kAllow);
  CHECK(Shadowed(f).empty());
  CHECK(Decide(f, Coupon("10")) == Outcome::kAllow);  // the active's third
  std::vector<ledger::Entry> shadowed = Shadowed(f);
  REQUIRE(shadowed.size() == 1);
  auto record =
      DecodeAs<ShadowRecord>(f.codec(), shadowed[0].kind, *shadowed[0].payload);
  REQUIRE(record.ok());
  CHECK(record->verdict->decided_by[0].id == "coupon-rate");
  // The candidate denied the third: its counter still holds two, while the
  // active one, now full, denies the fourth — and so does the candidate.
  CHECK(Decide(f, Coupon("10")) == Outcome::kDeny);
  shadowed = Shadowed(f);
  CHECK(shadowed.size() == 1);
}

TEST_CASE("a shadow that cannot decide an action records a rejection",
          "[shadow]") {
  GateFixture f;
  ApplyPolicyText(f, kActive);
  ApplyShadow(f, R"(
policy "shop" version "candidate"
tenant "shop" {
  tool create_coupon {
    class write
    arg value: money(SAR)
    arg customer_id: string
    rule coupons "coupons are fine" allow
  }
}
)");
  CHECK(Decide(f, Coupon("10")) == Outcome::kAllow);
  std::vector<ledger::Entry> shadowed = Shadowed(f);
  REQUIRE(shadowed.size() == 1);
  auto record =
      DecodeAs<ShadowRecord>(f.codec(), shadowed[0].kind, *shadowed[0].payload);
  REQUIRE(record.ok());
  CHECK_FALSE(record->verdict.has_value());
  CHECK(record->rejection.find("customer_id") != std::string::npos);
}

TEST_CASE("a halted tenant's decisions are not shadowed", "[shadow]") {
  GateFixture f;
  ApplyPolicyText(f, kActive);
  ApplyShadow(f, kCandidate);
  REQUIRE(f.gate().Halt("shop", "incident", {}).ok());
  CHECK(Decide(f, Coupon("40")) == Outcome::kDeny);
  CHECK(Shadowed(f).empty());
  CHECK(f.gate().Status().shadow.decided == 0);
}

TEST_CASE("a shadow policy that does not compile leaves the previous one",
          "[shadow]") {
  GateFixture f;
  ApplyPolicyText(f, kActive);
  ApplyShadow(f, kCandidate);
  PolicyLoad broken = Compiled(f, "tenant {");
  REQUIRE_FALSE(broken.errors.empty());
  absl::Status s = f.gate().ApplyShadowPolicy(broken);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message().find("shop.policy:1:") != std::string::npos);
  CHECK(f.gate().Status().shadow.candidate->version == "candidate");
}

TEST_CASE("a pending decision with a shadow difference still loads and waits",
          "[shadow]") {
  GateFixture f;
  ApplyPolicyText(f, kActive);
  ApplyShadow(f, R"(
policy "shop" version "candidate"
tenant "shop" {
  tool refund_order {
    class write
    arg order_id: string
    rule no-refunds "refunds are paused" deny
  }
}
)");
  auto pending = f.gate().Evaluate(MakeAction("shop", "refund_order"), {});
  REQUIRE(pending.ok());
  CHECK(pending->verdict.outcome == Outcome::kPendingApproval);
  REQUIRE(Shadowed(f).size() == 1);
  auto state = LoadDecision(f.ledger(), f.codec(), "shop", pending->id);
  REQUIRE(state.ok());
  CHECK(state->pending());
  f.Restart();
  REQUIRE(f.gate().Recover().ok());
  ApplyPolicyText(f, kActive);
  auto listed = f.gate().ListPending("shop");
  REQUIRE(listed.ok());
  CHECK(listed->size() == 1);
}

}  // namespace
}  // namespace portcullis::gate
