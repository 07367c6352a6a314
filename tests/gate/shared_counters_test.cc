// Limits shared with other replicas (issue 20, gate/counter_store.h): the
// gate charges what it allows to the shared store, turns a refusal into a
// recorded DENY, fails closed when the store cannot be reached, and takes
// back what it charged for a decision it could not record. The store here
// is scripted (fault injection at the seam); shared_state/'s tests run the
// real store on a real redis-server.
#include <catch2/catch.hpp>

#include "gate/internal/decision_kernel.h"
#include "tests/gate/approval_fixture.h"
#include "tests/testing/scripted_counter_store.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;
using testing::ScriptedCounterStore;

constexpr char kCouponPolicy[] = R"(
policy "coupons" version "1"
tenant "shop" {
  tool create_coupon {
    class write
    arg order_id: string
    rule coupon-rate "at most 2 coupons an hour"
      limit 2 per 1h
    rule coupons "coupons are fine"
      allow
  }
  tool reply_customer {
    class read
    arg order_id: string
    rule replies "replies are fine"
      allow
  }
}
)";

// A gate whose limits are shared through `store`.
void Share(GateFixture& f, ScriptedCounterStore& store) {
  f.options().shared_counters = &store;
  f.Restart();
  ApplyPolicyText(f, kCouponPolicy);
}

TEST_CASE(
    "an allowed action is charged to the shared store under its decision "
    "id",
    "[gate][shared]") {
  GateFixture f;
  ScriptedCounterStore store;
  Share(f, store);
  auto d = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
  REQUIRE(d.ok());
  CHECK(d->verdict.outcome == Outcome::kAllow);
  auto charged = store.charged();
  REQUIRE(charged.size() == 1);
  CHECK(charged[0].tenant == "shop");
  CHECK(charged[0].id == d->id);
  CHECK(charged[0].at == f.clock().Now());
  CHECK(charged[0].charges == d->verdict.charges);
  // An action no limit counts is not sent to the store at all.
  auto reply = f.gate().Evaluate(MakeAction("shop", "reply_customer"), {});
  REQUIRE(reply.ok());
  CHECK(reply->verdict.outcome == Outcome::kAllow);
  CHECK(store.asked().size() == 1);
}

TEST_CASE(
    "a charge the shared store refuses is recorded as a deny citing the "
    "limit and counts nowhere",
    "[gate][shared]") {
  GateFixture f;
  ScriptedCounterStore store;
  Share(f, store);
  store.AnswerWith(ScriptedCounterStore::Answer::kRefuse, 0,
                   "2 of 2 per 1h used across replicas");
  auto refused = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
  REQUIRE(refused.ok());
  CHECK(refused->verdict.outcome == Outcome::kDeny);
  REQUIRE(refused->verdict.decided_by.size() == 1);
  CHECK(refused->verdict.decided_by[0].id == "coupon-rate");
  CHECK(refused->verdict.reasons[0] ==
        "at most 2 coupons an hour (2 of 2 per 1h used across replicas)");
  CHECK(refused->ledger_sequence > 0);  // recorded, as any deny is
  // Nothing was charged here either: once the store has room again, this
  // gate's own limit of 2 is whole.
  store.AnswerWith(ScriptedCounterStore::Answer::kCharge);
  for (int i = 0; i < 2; ++i) {
    auto d = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
    REQUIRE(d.ok());
    CHECK(d->verdict.outcome == Outcome::kAllow);
  }
  auto third = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
  REQUIRE(third.ok());
  CHECK(third->verdict.outcome == Outcome::kDeny);
}

TEST_CASE(
    "while the shared store cannot be reached limited actions are denied "
    "and unlimited ones still decided",
    "[gate][shared]") {
  GateFixture f;
  ScriptedCounterStore store;
  Share(f, store);
  store.AnswerWith(ScriptedCounterStore::Answer::kUnavailable);
  auto d = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
  REQUIRE(d.ok());
  CHECK(d->verdict.outcome == Outcome::kDeny);
  REQUIRE(d->verdict.decided_by.size() == 1);
  CHECK(d->verdict.decided_by[0].id == kSharedCountersUnavailableRule);
  auto reply = f.gate().Evaluate(MakeAction("shop", "reply_customer"), {});
  REQUIRE(reply.ok());
  CHECK(reply->verdict.outcome == Outcome::kAllow);
  // Back again: the outage charged nothing.
  store.AnswerWith(ScriptedCounterStore::Answer::kCharge);
  for (int i = 0; i < 2; ++i) {
    auto again = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
    REQUIRE(again.ok());
    CHECK(again->verdict.outcome == Outcome::kAllow);
  }
}

TEST_CASE("an allow that cannot be recorded is refunded to the shared store",
          "[gate][shared]") {
  GateFixture f;
  ScriptedCounterStore store;
  Share(f, store);
  f.faults().FailWrites(true);
  auto d = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
  CHECK(d.status().code() == absl::StatusCode::kUnavailable);
  auto charged = store.charged();
  auto refunded = store.refunded();
  REQUIRE(charged.size() == 1);
  REQUIRE(refunded.size() == 1);
  CHECK(refunded[0].id == charged[0].id);
  CHECK(refunded[0].at == charged[0].at);
  CHECK(refunded[0].charges == charged[0].charges);
}

TEST_CASE(
    "an approval granted against a full shared limit is stopped and "
    "charges nothing",
    "[gate][shared][approvals]") {
  ApprovalFixture f;
  ScriptedCounterStore store;
  f.options().shared_counters = &store;
  f.RestartAndRecover();
  Decision pending = f.Pending(f.Refund("100"));
  store.AnswerWith(ScriptedCounterStore::Answer::kRefuse, 0,
                   "3000 SAR of 3000 SAR per 24h used across replicas");
  auto result = f.Submit(f.For(pending, "alice"));
  REQUIRE(result.ok());
  CHECK(result->decision.verdict.outcome == Outcome::kDeny);
  CHECK(f.Count("approval.denied") == 1);
  CHECK(store.charged().empty());
}

TEST_CASE(
    "a granted approval is charged to the shared store and refunded when "
    "the grant cannot be recorded",
    "[gate][shared][approvals]") {
  ApprovalFixture f;
  ScriptedCounterStore store;
  f.options().shared_counters = &store;
  f.RestartAndRecover();
  Decision pending = f.Pending(f.Refund("100"));
  f.faults().FailWrites(true);
  auto failed = f.Submit(f.For(pending, "alice"));
  CHECK(failed.status().code() == absl::StatusCode::kUnavailable);
  REQUIRE(store.charged().size() == 1);
  const std::string first = store.charged()[0].id;
  CHECK(first.rfind(pending.id + "/", 0) == 0);  // the decision's, a nonce
  REQUIRE(store.refunded().size() == 1);
  CHECK(store.refunded()[0].id == first);
  f.faults().FailWrites(false);
  auto granted = f.Submit(f.For(pending, "alice"));
  REQUIRE(granted.ok());
  CHECK(granted->decision.verdict.outcome != Outcome::kDeny);
  // Tried again under a batch of its own: a store never charges a batch
  // it refunded.
  REQUIRE(store.charged().size() == 2);
  CHECK(store.charged()[1].id.rfind(pending.id + "/", 0) == 0);
  CHECK(store.charged()[1].id != first);
}

TEST_CASE(
    "a standing approval's use is given back when the shared store refuses "
    "what it allowed",
    "[gate][shared][standing]") {
  ApprovalFixture f;
  ScriptedCounterStore store;
  f.options().shared_counters = &store;
  f.RestartAndRecover();
  StandingApproval s;
  s.tenant = "shop";
  s.id = "small";
  s.tool = "refund_order";
  s.constraints = {
      {"amount", ConstraintOp::kLe,
       policy::Value{policy::Money{*policy::Decimal::Parse("100"), "SAR"}}}};
  s.not_before = f.clock().Now();
  s.not_after = f.clock().Now() + absl::Hours(24);
  s.max_uses = 1;
  s.approver_id = "alice";
  REQUIRE(f.gate()
              .GrantStanding(s, SignStanding(s, f.key("alice")), {"alice-cli"})
              .ok());
  store.AnswerWith(ScriptedCounterStore::Answer::kRefuse);
  auto refused = f.gate().Evaluate(f.Refund("80"), {"bot"});
  REQUIRE(refused.ok());
  CHECK(refused->verdict.outcome == Outcome::kDeny);
  CHECK(refused->verdict.decided_by[0].id == "refund-spend");
  // Its one use is still there for the next refund.
  store.AnswerWith(ScriptedCounterStore::Answer::kCharge);
  auto allowed = f.gate().Evaluate(f.Refund("80"), {"bot"});
  REQUIRE(allowed.ok());
  CHECK(allowed->verdict.outcome == Outcome::kAllow);
  auto listed = f.gate().ListStanding("shop");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].uses == 1);
}

}  // namespace
}  // namespace portcullis::gate
