#include "gate/gate.h"

#include <catch2/catch.hpp>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gate/action_digest.h"
#include "portcullis/ledger/v1/records.pb.h"
#include "tests/gate/gate_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;
using testing::FakePolicy;

std::shared_ptr<FakePolicy> Shop() {
  auto p = std::make_shared<FakePolicy>();
  p->Add("shop", "reply_customer")
      .Add("shop", "delete_account", {Outcome::kDeny})
      .Add("shop", "refund_order", {Outcome::kPendingApproval})
      .Add("shop", "create_coupon", {Outcome::kAllow, 2})
      .Add("shop", "strict_tool", {Outcome::kAllow, 0, "undeclared"})
      .Add("other", "reply_customer");
  return p;
}

TEST_CASE("an allowed action is recorded before the decision is returned",
          "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  policy::Action action = MakeAction("shop", "reply_customer");
  auto decision = f.gate().Evaluate(action, {"agent:bot"});
  REQUIRE(decision.ok());
  CHECK(decision->verdict.outcome == Outcome::kAllow);
  CHECK(decision->id.size() == 32);
  CHECK(decision->action_digest == ActionDigest(action));
  CHECK(decision->policy_version == "fake-1");
  CHECK(decision->expires_at == f.clock().Now() + absl::Minutes(10));

  auto entries = f.Entries("shop");
  // policy.loaded, then the decision.
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].kind == "policy.loaded");
  const ledger::Entry& e = entries[1];
  CHECK(e.kind == "action.evaluated");
  CHECK(e.sequence == decision->ledger_sequence);
  CHECK(e.decision_id == decision->id);
  CHECK(e.request_id == "req-1");
  CHECK(e.correlation_id == "trace-1");
  CHECK(e.action_digest ==
        std::string(crypto::AsBytes(decision->action_digest)));
  CHECK(e.time == f.clock().Now());
  auto record = DecodeAs<EvaluationRecord>(f.codec(), e.kind, *e.payload);
  REQUIRE(record.ok());
  CHECK(record->principal == "agent:bot");
  CHECK(record->decision.id == decision->id);
  CHECK(record->decision.verdict.decided_by == decision->verdict.decided_by);
  CHECK(record->action.arguments == action.arguments);
}

TEST_CASE("deny and pending decisions are results, recorded like any other",
          "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  auto denied = f.gate().Evaluate(MakeAction("shop", "delete_account"), {});
  REQUIRE(denied.ok());
  CHECK(denied->verdict.outcome == Outcome::kDeny);
  CHECK_FALSE(denied->expires_at.has_value());
  auto pending = f.gate().Evaluate(MakeAction("shop", "refund_order"), {});
  REQUIRE(pending.ok());
  CHECK(pending->verdict.outcome == Outcome::kPendingApproval);
  CHECK(pending->expires_at == f.clock().Now() + absl::Hours(1));
  auto unknown_tool = f.gate().Evaluate(MakeAction("shop", "wire_money"), {});
  REQUIRE(unknown_tool.ok());
  CHECK(unknown_tool->verdict.outcome == Outcome::kDeny);
  std::vector<std::string> kinds;
  for (const auto& e : f.Entries("shop")) kinds.push_back(e.kind);
  // A pending decision also enters the approval queue, in the same batch.
  CHECK(kinds == std::vector<std::string>{
                     "policy.loaded", "action.evaluated", "action.evaluated",
                     "approval.requested", "action.evaluated"});
}

TEST_CASE("an unknown tenant is not found and nothing is recorded", "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  auto decision = f.gate().Evaluate(MakeAction("nobody", "reply_customer"), {});
  CHECK(decision.status().code() == absl::StatusCode::kNotFound);
  CHECK(decision.status().message().find("nobody") != std::string::npos);
  CHECK(f.ledger().Tenants() == std::vector<std::string>{"other", "shop"});
}

TEST_CASE("a malformed action is rejected and the rejection recorded",
          "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  policy::Action bad = MakeAction("shop", "reply_customer");
  bad.agent = "agent with spaces";
  auto decision = f.gate().Evaluate(bad, {});
  CHECK(decision.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(decision.status().message().find("action.agent") != std::string::npos);
  auto entries = f.Entries("shop");
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].kind == "action.rejected");
  CHECK(entries[1].decision_id.empty());
  portcullis::ledger::v1::RejectionRecord record;
  REQUIRE(record.ParseFromString(*entries[1].payload));
  CHECK(record.code() == "INVALID_ARGUMENT");
}

TEST_CASE("arguments the policy rejects are an error, recorded, not allowed",
          "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  policy::Action action = MakeAction("shop", "strict_tool");
  action.arguments["undeclared"] = policy::Value{true};
  auto decision = f.gate().Evaluate(action, {});
  CHECK(decision.status().code() == absl::StatusCode::kInvalidArgument);
  auto entries = f.Entries("shop");
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].kind == "action.rejected");
}

TEST_CASE("a rejected action for an unknown tenant creates no chain",
          "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  policy::Action bad = MakeAction("ghost", "reply_customer");
  bad.tool = "";
  CHECK(f.gate().Evaluate(bad, {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  bad.tenant = "../etc";
  CHECK(f.gate().Evaluate(bad, {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(f.ledger().Tenants() == std::vector<std::string>{"other", "shop"});
}

TEST_CASE("without a policy nothing is allowed", "[gate]") {
  GateFixture f;
  auto decision = f.gate().Evaluate(MakeAction("shop", "reply_customer"), {});
  CHECK(decision.status().code() == absl::StatusCode::kUnavailable);
  CHECK(f.ledger().Tenants().empty());
}

TEST_CASE(
    "if the decision cannot be recorded the call fails and allows "
    "nothing",
    "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  f.faults().FailWrites(true);
  for (int i = 0; i < 3; ++i) {
    auto decision = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
    CHECK(decision.status().code() == absl::StatusCode::kUnavailable);
  }
  f.faults().FailWrites(false);
  // The failed calls consumed none of the limit of 2 per hour.
  for (int i = 0; i < 2; ++i) {
    auto decision = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
    REQUIRE(decision.ok());
    CHECK(decision->verdict.outcome == Outcome::kAllow);
  }
  auto third = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
  REQUIRE(third.ok());
  CHECK(third->verdict.outcome == Outcome::kDeny);
  CHECK(f.Entries("shop").size() == 4);
}

TEST_CASE(
    "an evaluation behind one being recorded waits for the ledger without "
    "holding its caller",
    "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  struct Answer {
    absl::Notification given;
    absl::StatusOr<Decision> decision = absl::UnknownError("not answered");
  };
  auto evaluate = [&](Answer& answer) {
    f.gate().EvaluateAsync(MakeAction("shop", "create_coupon"), {"agent:bot"},
                           [&answer](absl::StatusOr<Decision> d) {
                             answer.decision = std::move(d);
                             answer.given.Notify();
                           });
  };
  Answer first, second, third;
  f.blocking().Arm();
  // Alone, the first is recorded by its own caller (the ledger leads it in
  // place), which it holds until it is answered.
  bool answered_before_returning = false;
  std::thread caller([&] {
    evaluate(first);
    answered_before_returning = first.given.HasBeenNotified();
  });
  f.blocking().AwaitBlockedWrite();
  // Decided and charged, but not answered until it is recorded.
  CHECK_FALSE(first.given.HasBeenNotified());
  evaluate(second);
  // The limit is 2: the units held by unrecorded decisions are taken.
  evaluate(third);
  CHECK_FALSE(third.given.HasBeenNotified());
  f.blocking().Release();
  caller.join();
  CHECK(answered_before_returning);

  for (Answer* a : {&first, &second, &third}) {
    a->given.WaitForNotification();
    REQUIRE(a->decision.ok());
  }
  CHECK(first.decision->verdict.outcome == Outcome::kAllow);
  CHECK(second.decision->verdict.outcome == Outcome::kAllow);
  CHECK(third.decision->verdict.outcome == Outcome::kDeny);
  auto entries = f.Entries("shop");
  REQUIRE(entries.size() == 4);
  CHECK(entries[1].decision_id == first.decision->id);
  CHECK(first.decision->ledger_sequence == 2);
  CHECK(third.decision->ledger_sequence == 4);
}

TEST_CASE("limit counters survive a restart", "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  for (int i = 0; i < 2; ++i) {
    REQUIRE(f.gate()
                .Evaluate(MakeAction("shop", "create_coupon"), {})
                ->verdict.outcome == Outcome::kAllow);
  }
  f.Restart();
  REQUIRE(f.gate().Recover().ok());
  f.Apply(Shop());
  auto third = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
  REQUIRE(third.ok());
  CHECK(third->verdict.outcome == Outcome::kDeny);

  // An hour later the window has moved on, after another restart too.
  f.clock().Advance(absl::Hours(1));
  f.Restart();
  REQUIRE(f.gate().Recover().ok());
  f.Apply(Shop());
  auto later = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
  REQUIRE(later.ok());
  CHECK(later->verdict.outcome == Outcome::kAllow);
}

TEST_CASE("concurrent calls cannot both take the last unit of a limit",
          "[gate][concurrency]") {
  GateFixture f;
  f.Apply(Shop());
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto d = f.gate().Evaluate(MakeAction("shop", "create_coupon"), {});
        if (d.ok() && d->verdict.outcome == Outcome::kAllow) ++allowed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(allowed == 2);
}

TEST_CASE("a policy that does not compile is recorded and the old one stays",
          "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  PolicyLoad broken;
  broken.content_hash = std::string(64, 'b');
  broken.source = "policies/";
  broken.errors = {"shop.policy:3:7: unknown type \"monye\""};
  absl::Status s = f.gate().ApplyPolicy(broken);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message().find("monye") != std::string::npos);
  CHECK(f.gate().policy()->version == "fake-1");
  auto entries = f.Entries("shop");
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].kind == "policy.rejected");
  portcullis::ledger::v1::PolicyRecord record;
  REQUIRE(record.ParseFromString(*entries[1].payload));
  CHECK(record.errors_size() == 1);
  CHECK(record.content_hash() == std::string(64, 'b'));
  // Decisions keep using the old policy.
  CHECK(f.gate()
            .Evaluate(MakeAction("shop", "reply_customer"), {})
            ->verdict.outcome == Outcome::kAllow);
}

TEST_CASE("a new policy takes effect for calls after it is applied", "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  auto stricter = std::make_shared<FakePolicy>("fake-2");
  stricter->Add("shop", "reply_customer", {Outcome::kDeny});
  REQUIRE(f.gate().ApplyPolicy(LoadOf(stricter, std::string(64, 'c'))).ok());
  auto d = f.gate().Evaluate(MakeAction("shop", "reply_customer"), {});
  REQUIRE(d.ok());
  CHECK(d->verdict.outcome == Outcome::kDeny);
  CHECK(d->policy_version == "fake-2");
  CHECK(d->policy_hash == std::string(64, 'c'));
}

TEST_CASE("a policy change that cannot be recorded does not take effect",
          "[gate]") {
  GateFixture f;
  f.Apply(Shop());
  f.faults().FailWrites(true);
  auto other = std::make_shared<FakePolicy>("fake-2");
  other->Add("shop", "reply_customer", {Outcome::kDeny});
  CHECK(f.gate().ApplyPolicy(LoadOf(other)).code() ==
        absl::StatusCode::kUnavailable);
  CHECK(f.gate().policy()->version == "fake-1");
}

}  // namespace
}  // namespace portcullis::gate
