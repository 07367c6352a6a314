// EvaluateAndExecute (issue 17): an ALLOW executed in the decision's own
// ledger append, answered with the receipt Execute would have returned.
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gate/decision_state.h"
#include "gate/gate.h"
#include "gate/state_snapshot.h"
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

ExecutedDecision Executed(GateFixture& f, const policy::Action& action) {
  auto answer = f.gate().EvaluateAndExecute(action, {"bot"});
  REQUIRE(answer.ok());
  REQUIRE(answer->decision.verdict.outcome == Outcome::kAllow);
  REQUIRE(answer->receipt.has_value());
  return *std::move(answer);
}

std::vector<std::string> Kinds(GateFixture& f, const std::string& tenant) {
  std::vector<std::string> kinds;
  for (const ledger::Entry& e : f.Entries(tenant)) kinds.push_back(e.kind);
  return kinds;
}

TEST_CASE(
    "an allowed action evaluated with execution is executed in the same "
    "append, with a receipt that verifies like Execute's",
    "[evaluate_execute]") {
  ApprovalFixture f;
  policy::Action action = Reply("Your order has shipped.", "reply-1");
  const int writes_before = f.faults().writes();
  ExecutedDecision answer = Executed(f, action);
  // One synced write for the decision and its execution.
  CHECK(f.faults().writes() == writes_before + 1);

  const Decision& d = answer.decision;
  const Receipt& receipt = *answer.receipt;
  CHECK(receipt.decision_id == d.id);
  CHECK(receipt.tenant == "shop");
  CHECK(receipt.tool == "reply_customer");
  CHECK(receipt.idempotency_key == "reply-1");
  CHECK(receipt.action_digest == std::string(crypto::AsBytes(d.action_digest)));
  CHECK(receipt.executed_at == f.clock().Now());
  CHECK(VerifyReceipt(receipt, f.signing_key().verifying_key()).ok());
  CHECK(receipt.ledger_sequence == d.ledger_sequence + 1);

  // What the ledger says about the decision is what Execute would have
  // left: executed, with this very receipt.
  auto state = LoadDecision(f.ledger(), f.codec(), "shop", d.id);
  REQUIRE(state.ok());
  REQUIRE(state->receipt.has_value());
  CHECK(state->receipt->signature == receipt.signature);
  CHECK(state->receipt->ledger_sequence == receipt.ledger_sequence);
}

TEST_CASE(
    "the ledger holds the same entries as Evaluate then Execute, in one write "
    "instead of two",
    "[evaluate_execute]") {
  ApprovalFixture two;
  policy::Action action = Reply("hi", "k-1");
  int before = two.faults().writes();
  auto d = two.gate().Evaluate(action, {"bot"});
  REQUIRE(d.ok());
  auto receipt = two.gate().Execute(d->id, action, {"bot"});
  REQUIRE(receipt.ok());
  CHECK(two.faults().writes() == before + 2);

  ApprovalFixture one;
  before = one.faults().writes();
  ExecutedDecision answer = Executed(one, action);
  CHECK(one.faults().writes() == before + 1);

  CHECK(Kinds(one, "shop") == Kinds(two, "shop"));
  auto separate = two.Entries("shop");
  auto together = one.Entries("shop");
  REQUIRE(separate.size() == together.size());
  for (size_t i = 0; i < separate.size(); ++i) {
    INFO("entry " << i << " " << separate[i].kind);
    CHECK(together[i].sequence == separate[i].sequence);
    CHECK(together[i].request_id == separate[i].request_id);
    CHECK(together[i].correlation_id == separate[i].correlation_id);
    CHECK(together[i].action_digest == separate[i].action_digest);
    CHECK(together[i].decision_id.empty() == separate[i].decision_id.empty());
  }
  CHECK(together.back().kind == "action.executed");
  CHECK(together.back().decision_id == answer.decision.id);
  // The executed records differ only by decision, time and signature.
  Record executed;
  REQUIRE(DecodeEntry(one.codec(), together.back(), executed).ok());
  const auto* record = std::get_if<ExecutionRecord>(&executed);
  REQUIRE(record != nullptr);
  CHECK(record->principal == "bot");
  CHECK(record->receipt.signature == answer.receipt->signature);
}

TEST_CASE(
    "a decision executed with its evaluation is not executed again by "
    "Execute",
    "[evaluate_execute]") {
  ApprovalFixture f;
  policy::Action action = Reply("once", "once-1");
  ExecutedDecision answer = Executed(f, action);

  // A retry of Execute gets the same receipt and executes nothing.
  auto retry = f.gate().Execute(answer.decision.id, action, {"bot"});
  REQUIRE(retry.ok());
  CHECK(retry->signature == answer.receipt->signature);
  CHECK(retry->ledger_sequence == answer.receipt->ledger_sequence);
  CHECK(f.Count("action.executed") == 1);

  // Another action on the same decision is refused as already executed.
  policy::Action other = Reply("twice", "once-1");
  auto refused = f.gate().Execute(answer.decision.id, other, {"bot"});
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  other.idempotency_key = "once-2";
  refused = f.gate().Execute(answer.decision.id, other, {"bot"});
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(refused.status().message().find("already executed") !=
        std::string::npos);
  CHECK(f.Count("action.executed") == 1);

  // Its outcome is reported as after Execute.
  CHECK(f.gate()
            .ReportOutcome("shop", answer.decision.id,
                           ExecutionOutcome::kSucceeded, "", {"bot"})
            .ok());
}

TEST_CASE("an idempotency key repeated returns the first receipt",
          "[evaluate_execute]") {
  ApprovalFixture f;
  policy::Action action = Reply("once", "key-9");
  ExecutedDecision first = Executed(f, action);

  // The same action evaluated again: a new decision, the first receipt,
  // no second execution.
  ExecutedDecision again = Executed(f, action);
  CHECK(again.decision.id != first.decision.id);
  CHECK(again.receipt->decision_id == first.decision.id);
  CHECK(again.receipt->signature == first.receipt->signature);
  CHECK(f.Count("action.executed") == 1);

  // Execute of a plainly evaluated decision for it answers the same.
  auto plain = f.gate().Evaluate(action, {"bot"});
  REQUIRE(plain.ok());
  auto executed = f.gate().Execute(plain->id, action, {"bot"});
  REQUIRE(executed.ok());
  CHECK(executed->signature == first.receipt->signature);

  // Another action under the key: allowed, not executed with its decision;
  // Execute then says why.
  policy::Action other = Reply("something else", "key-9");
  auto clash = f.gate().EvaluateAndExecute(other, {"bot"});
  REQUIRE(clash.ok());
  CHECK(clash->decision.verdict.outcome == Outcome::kAllow);
  CHECK_FALSE(clash->receipt.has_value());
  auto refused = f.gate().Execute(clash->decision.id, other, {"bot"});
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(refused.status().message().find("key-9") != std::string::npos);
  CHECK(f.Count("action.executed") == 1);

  // Remembered across a restart, like Execute's keys.
  f.RestartAndRecover();
  ExecutedDecision after = Executed(f, action);
  CHECK(after.receipt->signature == first.receipt->signature);
  CHECK(f.Count("action.executed") == 1);
}

TEST_CASE(
    "deny and pending answers carry no receipt and an approved request "
    "executes "
    "with Execute",
    "[evaluate_execute]") {
  ApprovalFixture f;
  auto denied = f.gate().EvaluateAndExecute(f.Refund("6000.00"), {"bot"});
  REQUIRE(denied.ok());
  CHECK(denied->decision.verdict.outcome == Outcome::kDeny);
  CHECK_FALSE(denied->receipt.has_value());

  policy::Action refund = f.Refund("120.00");
  auto pending = f.gate().EvaluateAndExecute(refund, {"bot"});
  REQUIRE(pending.ok());
  CHECK(pending->decision.verdict.outcome == Outcome::kPendingApproval);
  CHECK_FALSE(pending->receipt.has_value());
  CHECK(f.Count("action.executed") == 0);
  CHECK(f.Count("approval.requested") == 1);

  REQUIRE(f.Submit(f.For(pending->decision, "alice")).ok());
  auto receipt = f.gate().Execute(pending->decision.id, refund, {"bot"});
  REQUIRE(receipt.ok());
  CHECK(receipt->decision_id == pending->decision.id);
  CHECK(f.Count("action.executed") == 1);
}

constexpr char kMailPolicy[] = R"(
policy "mail" version "1"
tenant "shop" {
  tool send_mail {
    class write
    arg text: string
    rule mail-rate "at most 2 mails an hour"
      limit 2 per 1h
    rule mail "mail within the limit is fine"
      allow
  }
}
)";

policy::Action Mail(const std::string& key) {
  policy::Action a = MakeAction("shop", "send_mail");
  a.arguments.clear();
  a.arguments["text"] = policy::Value{std::string("hello")};
  a.idempotency_key = key;
  return a;
}

TEST_CASE(
    "a ledger write failure leaves the decision and its execution neither "
    "recorded nor charged",
    "[evaluate_execute]") {
  GateFixture f;
  ApplyPolicyText(f, kMailPolicy);
  const size_t entries = f.Entries("shop").size();
  f.faults().FailWrites(true);
  for (int i = 0; i < 3; ++i) {
    auto failed = f.gate().EvaluateAndExecute(Mail("mail-1"), {"bot"});
    CHECK(failed.status().code() == absl::StatusCode::kUnavailable);
  }
  f.faults().FailWrites(false);
  CHECK(f.Entries("shop").size() == entries);

  // Nothing was charged (the limit of 2 is whole) and the key is not
  // taken: it executes now, under a decision of its own.
  ExecutedDecision first = Executed(f, Mail("mail-1"));
  CHECK(first.receipt->decision_id == first.decision.id);
  ExecutedDecision second = Executed(f, Mail("mail-2"));
  CHECK(second.receipt->decision_id == second.decision.id);
  auto third = f.gate().EvaluateAndExecute(Mail("mail-3"), {"bot"});
  REQUIRE(third.ok());
  CHECK(third->decision.verdict.outcome == Outcome::kDeny);
  CHECK_FALSE(third->receipt.has_value());
  CHECK(f.Entries("shop").size() == entries + 5);
}

TEST_CASE(
    "an execution in flight under the same key is not waited for: the ALLOW "
    "comes without a receipt and Execute answers the first receipt",
    "[evaluate_execute][concurrency]") {
  ApprovalFixture f;
  policy::Action action = Reply("racing", "race-1");
  auto first = f.gate().Evaluate(action, {"bot"});
  REQUIRE(first.ok());

  f.blocking().Arm();
  absl::StatusOr<Receipt> executed = absl::UnknownError("not yet");
  std::thread executing(
      [&] { executed = f.gate().Execute(first->id, action, {"bot"}); });
  f.blocking().AwaitBlockedWrite();  // the key is busy now

  absl::Notification answered;
  absl::StatusOr<Decision> decision = absl::UnknownError("not yet");
  std::optional<Receipt> receipt;
  f.gate().EvaluateAndExecuteAsync(
      action, {"bot"},
      [&](absl::StatusOr<Decision> d, std::optional<Receipt> r) {
        decision = std::move(d);
        receipt = std::move(r);
        answered.Notify();
      });
  f.blocking().Release();
  executing.join();
  answered.WaitForNotification();
  REQUIRE(executed.ok());
  REQUIRE(decision.ok());
  CHECK(decision->verdict.outcome == Outcome::kAllow);
  CHECK_FALSE(receipt.has_value());
  auto later = f.gate().Execute(decision->id, action, {"bot"});
  REQUIRE(later.ok());
  CHECK(later->signature == executed->signature);
  CHECK(f.Count("action.executed") == 1);
}

TEST_CASE("a grant that expires at once is not executed with its decision",
          "[evaluate_execute]") {
  ApprovalFixture f;
  f.options().grant_ttl = absl::ZeroDuration();
  f.RestartAndRecover();
  auto answer = f.gate().EvaluateAndExecute(Reply("late"), {"bot"});
  REQUIRE(answer.ok());
  CHECK(answer->decision.verdict.outcome == Outcome::kAllow);
  CHECK_FALSE(answer->receipt.has_value());
  CHECK(f.Count("action.executed") == 0);
}

}  // namespace
}  // namespace portcullis::gate
