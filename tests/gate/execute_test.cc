// Execute and ReportOutcome through the gate core.
#include <catch2/catch.hpp>
#include <thread>

#include "gate/decision_state.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

policy::Action Reply(const std::string& text, const std::string& key = "") {
  policy::Action a = MakeAction("shop", "reply_customer");
  a.arguments.clear();
  a.arguments["text"] = policy::Value{text};
  a.idempotency_key = key;
  return a;
}

Decision Allowed(ApprovalFixture& f, const policy::Action& action) {
  auto d = f.gate().Evaluate(action, {"bot"});
  REQUIRE(d.ok());
  REQUIRE(d->verdict.outcome == Outcome::kAllow);
  return *d;
}

TEST_CASE("an allowed action executes once, with a receipt the gate signed",
          "[execute]") {
  ApprovalFixture f;
  policy::Action action = Reply("Your order has shipped.", "reply-1");
  Decision d = Allowed(f, action);
  auto receipt = f.gate().Execute(d.id, action, {"bot"});
  REQUIRE(receipt.ok());
  CHECK(receipt->decision_id == d.id);
  CHECK(receipt->tenant == "shop");
  CHECK(receipt->tool == "reply_customer");
  CHECK(receipt->idempotency_key == "reply-1");
  CHECK(receipt->action_digest ==
        std::string(crypto::AsBytes(d.action_digest)));
  CHECK(receipt->executed_at == f.clock().Now());
  CHECK(VerifyReceipt(*receipt, f.signing_key().verifying_key()).ok());
  CHECK(f.Count("action.executed") == 1);

  // A retry gets the same receipt and executes nothing.
  auto retry = f.gate().Execute(d.id, action, {"bot"});
  REQUIRE(retry.ok());
  CHECK(retry->signature == receipt->signature);
  CHECK(retry->ledger_sequence == receipt->ledger_sequence);
  CHECK(f.Count("action.executed") == 1);
}

TEST_CASE("a tampered receipt or another gate's key does not verify",
          "[execute]") {
  ApprovalFixture f;
  policy::Action action = Reply("hi");
  auto receipt = f.gate().Execute(Allowed(f, action).id, action, {"bot"});
  REQUIRE(receipt.ok());
  Receipt edited = *receipt;
  edited.tool = "refund_order";
  CHECK(VerifyReceipt(edited, f.signing_key().verifying_key()).code() ==
        absl::StatusCode::kPermissionDenied);
  crypto::SigningKey other = crypto::SigningKey::Generate();
  CHECK(VerifyReceipt(*receipt, other.verifying_key()).code() ==
        absl::StatusCode::kPermissionDenied);
}

TEST_CASE("an approved refund executes, what runs is what was approved",
          "[execute]") {
  ApprovalFixture f;
  policy::Action refund = f.Refund("120.00");
  Decision pending = f.Pending(refund);
  REQUIRE(f.Submit(f.For(pending, "alice")).ok());

  policy::Action edited = f.Refund("920.00");
  auto wrong = f.gate().Execute(pending.id, edited, {"bot"});
  CHECK(wrong.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(wrong.status().message().find("digest differs") != std::string::npos);
  CHECK(f.Count("action.rejected") == 1);

  auto receipt = f.gate().Execute(pending.id, refund, {"bot"});
  REQUIRE(receipt.ok());
  CHECK(receipt->decision_id == pending.id);
}

TEST_CASE("grants cannot be used when denied, pending, expired or unknown",
          "[execute]") {
  ApprovalFixture f;
  policy::Action capped = f.Refund("6000.00");
  auto denied = f.gate().Evaluate(capped, {"bot"});
  REQUIRE(denied.ok());
  REQUIRE(denied->verdict.outcome == Outcome::kDeny);
  CHECK(f.gate().Execute(denied->id, capped, {}).status().code() ==
        absl::StatusCode::kFailedPrecondition);

  policy::Action refund = f.Refund("120.00");
  Decision pending = f.Pending(refund);
  CHECK(f.gate().Execute(pending.id, refund, {}).status().code() ==
        absl::StatusCode::kFailedPrecondition);

  policy::Action reply = Reply("late");
  Decision allowed = Allowed(f, reply);
  f.clock().Advance(f.options().grant_ttl);
  auto expired = f.gate().Execute(allowed.id, reply, {});
  CHECK(expired.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(expired.status().message().find("expired") != std::string::npos);

  CHECK(f.gate().Execute(std::string(32, 'c'), reply, {}).status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(f.gate().Execute("short", reply, {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(f.Count("action.executed") == 0);
}

TEST_CASE("a decision of one tenant cannot be executed by another",
          "[execute]") {
  ApprovalFixture f;
  policy::Action reply = Reply("hi");
  Decision d = Allowed(f, reply);
  policy::Action as_other = reply;
  as_other.tenant = "other";
  CHECK(f.gate().Execute(d.id, as_other, {}).status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("100 concurrent executions give one execution and one receipt",
          "[execute][concurrency]") {
  ApprovalFixture f;
  policy::Action action = Reply("once", "key-1");
  Decision d = Allowed(f, action);
  constexpr int kCalls = 100;
  std::vector<absl::StatusOr<Receipt>> results(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = f.gate().Execute(d.id, action, {"bot"}); });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) {
    REQUIRE(r.ok());
    CHECK(r->signature == results[0]->signature);
  }
  CHECK(f.Count("action.executed") == 1);
}

TEST_CASE("an idempotency key is bound to one action", "[execute]") {
  ApprovalFixture f;
  policy::Action first = Reply("first", "key-9");
  auto receipt = f.gate().Execute(Allowed(f, first).id, first, {});
  REQUIRE(receipt.ok());

  // The same action decided again: the first receipt, no second run.
  auto again = f.gate().Execute(Allowed(f, first).id, first, {});
  REQUIRE(again.ok());
  CHECK(again->decision_id == receipt->decision_id);
  CHECK(f.Count("action.executed") == 1);

  // Another action under the same key is refused.
  policy::Action other = Reply("something else", "key-9");
  auto clash = f.gate().Execute(Allowed(f, other).id, other, {});
  CHECK(clash.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(clash.status().message().find("key-9") != std::string::npos);
  CHECK(f.Count("action.executed") == 1);
}

TEST_CASE("idempotency keys and used grants survive a restart", "[execute]") {
  ApprovalFixture f;
  policy::Action action = Reply("once", "key-r");
  Decision d = Allowed(f, action);
  auto receipt = f.gate().Execute(d.id, action, {});
  REQUIRE(receipt.ok());
  f.RestartAndRecover();
  auto retry = f.gate().Execute(d.id, action, {});
  REQUIRE(retry.ok());
  CHECK(retry->signature == receipt->signature);
  policy::Action clash = Reply("different", "key-r");
  CHECK(f.gate().Execute(Allowed(f, clash).id, clash, {}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(f.Count("action.executed") == 1);
}

TEST_CASE("an outcome is recorded once, for an executed action", "[execute]") {
  ApprovalFixture f;
  policy::Action action = Reply("hi");
  Decision d = Allowed(f, action);
  CHECK(f.gate()
            .ReportOutcome("shop", d.id, ExecutionOutcome::kSucceeded, "", {})
            .status()
            .code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(f.gate().Execute(d.id, action, {}).ok());
  auto reported = f.gate().ReportOutcome(
      "shop", d.id, ExecutionOutcome::kFailed, "mail server said 550", {});
  REQUIRE(reported.ok());
  auto state = LoadDecision(f.ledger(), f.codec(), "shop", d.id);
  REQUIRE(state.ok());
  REQUIRE(state->outcome.has_value());
  CHECK(state->outcome->outcome == ExecutionOutcome::kFailed);
  CHECK(state->outcome->detail == "mail server said 550");
  CHECK(f.gate()
            .ReportOutcome("shop", d.id, ExecutionOutcome::kSucceeded, "", {})
            .status()
            .code() == absl::StatusCode::kFailedPrecondition);
  CHECK(f.gate()
            .ReportOutcome("shop", d.id, ExecutionOutcome::kSucceeded,
                           std::string(1025, 'x'), {})
            .status()
            .code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::gate
