// Deadlines, escalation, waiting and watching on the approval queue.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gate/decision_state.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

TEST_CASE("a request expires at its deadline into a recorded deny",
          "[approval_queue]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  REQUIRE(pending.expires_at == f.clock().Now() + absl::Hours(24));

  f.clock().Advance(absl::Hours(24) - absl::Seconds(1));
  REQUIRE(f.gate().ExpireDue().ok());
  CHECK(f.gate().ListPending("shop")->size() == 1);

  f.clock().Advance(absl::Seconds(1));
  REQUIRE(f.gate().ExpireDue().ok());
  CHECK(f.gate().ListPending("shop")->empty());
  CHECK(f.Count("approval.expired") == 1);
  auto d = f.gate().AwaitDecision("shop", pending.id, absl::ZeroDuration());
  REQUIRE(d.ok());
  CHECK(d->verdict.outcome == Outcome::kDeny);
  CHECK(d->verdict.decided_by[0].id == "builtin:approval-expired");
  // Sweeping again records nothing more.
  REQUIRE(f.gate().ExpireDue().ok());
  CHECK(f.Count("approval.expired") == 1);
}

// Counts expiries only (for portcullis_approvals_expired_total).
class ExpiryCounter : public GateObserver {
 public:
  void OnEvaluated(absl::string_view, const absl::StatusOr<Decision>&,
                   absl::Duration) override {}
  void OnApproved(const Approval&, const absl::Status&) override {}
  void OnExecuted(const absl::Status&, const ToolCall*) override {}
  void OnAccessDenied(absl::string_view) override {}
  void OnApprovalExpired() override { ++expired; }
  std::atomic<int> expired{0};
};

TEST_CASE("the observer hears each expiry once", "[approval_queue]") {
  ApprovalFixture f;
  ExpiryCounter counter;
  f.SetObserver(&counter);
  f.RestartAndRecover();
  Decision first = f.Pending(f.Refund("120.00", "AN-1"));
  Decision second = f.Pending(f.Refund("130.00", "AN-2"));
  f.clock().Advance(absl::Hours(24) - absl::Seconds(1));
  REQUIRE(f.gate().ExpireDue().ok());
  CHECK(counter.expired == 0);
  f.clock().Advance(absl::Seconds(1));
  REQUIRE(f.gate().ExpireDue().ok());
  CHECK(counter.expired == 2);
  REQUIRE(f.gate().ExpireDue().ok());
  CHECK(counter.expired == 2);
  // An approval arriving after the deadline expires the request itself
  // (before the sweep does): counted the same.
  Decision third = f.Pending(f.Refund("140.00", "AN-3"));
  f.clock().Advance(absl::Hours(25));
  CHECK(!f.Submit(f.For(third, "alice")).ok());
  CHECK(counter.expired == 3);
  REQUIRE(f.gate().ExpireDue().ok());
  CHECK(counter.expired == 3);
}

TEST_CASE("an approval landing exactly at the deadline is too late",
          "[approval_queue]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  Approval a = f.For(pending, "alice");
  a.expires_at = *pending.expires_at + absl::Hours(1);
  f.clock().Set(*pending.expires_at);
  auto late = f.Submit(a);
  CHECK(late.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(late.status().message().find("expired") != std::string::npos);
  // The expiry itself is recorded by the late arrival.
  CHECK(f.Count("approval.expired") == 1);
  CHECK(f.Count("approval.rejected") == 1);
  auto execute = f.gate().Execute(pending.id, f.Refund("120.00"), {});
  CHECK(execute.status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("one second before the deadline an approval still counts",
          "[approval_queue]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  f.clock().Set(*pending.expires_at - absl::Seconds(1));
  auto in_time = f.Submit(f.For(pending, "alice"));
  REQUIRE(in_time.ok());
  CHECK(in_time->decision.verdict.outcome == Outcome::kAllow);
}

TEST_CASE("after the escalation deadline the escalation role may approve",
          "[approval_queue]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("1200.00"));
  REQUIRE(f.Submit(f.For(pending, "bob")).ok());
  REQUIRE(f.Submit(f.For(pending, "alice")).ok());
  // Finance still lacks its second person; before escalation the owner's
  // verdict only counted for the owner's own requirement.
  CHECK(f.gate().ListPending("shop")->size() == 1);

  f.clock().Advance(absl::Hours(4));
  REQUIRE(f.gate().ExpireDue().ok());
  CHECK(f.Count("approval.escalated") == 1);
  auto list = f.gate().ListPending("shop");
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].escalated);
}

TEST_CASE("after escalation a further owner completes the finance quorum",
          "[approval_queue]") {
  ApprovalFixture f;
  auto extra = ApproverRegistry::Create({
      {"alice", f.key("alice").verifying_key(), {"owner"}, {"shop"}},
      {"bob", f.key("bob").verifying_key(), {"finance"}, {"shop"}},
      {"dave", f.key("dave").verifying_key(), {"owner"}, {"shop"}},
  });
  REQUIRE(extra.ok());
  f.SetApprovers(*std::move(extra));
  f.RestartAndRecover();
  Decision pending = f.Pending(f.Refund("1200.00"));
  REQUIRE(f.Submit(f.For(pending, "bob")).ok());
  REQUIRE(f.Submit(f.For(pending, "alice")).ok());
  f.clock().Advance(absl::Hours(5));
  auto dave = f.Submit(f.For(pending, "dave"));
  REQUIRE(dave.ok());
  CHECK(dave->decision.verdict.outcome == Outcome::kAllow);
}

TEST_CASE("pending requests are listed oldest first", "[approval_queue]") {
  ApprovalFixture f;
  Decision first = f.Pending(f.Refund("120.00", "AN-1"));
  f.clock().Advance(absl::Minutes(1));
  Decision second = f.Pending(f.Refund("130.00", "AN-2"));
  auto list = f.gate().ListPending("shop");
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].original.id == first.id);
  CHECK((*list)[1].original.id == second.id);
  CHECK((*list)[0].action.tool == "refund_order");
  CHECK((*list)[0].requested_by == "bot");
  CHECK(f.gate().ListPending("other")->empty());
  CHECK(f.gate().ListPending("nowhere").status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("await returns when another caller resolves the request",
          "[approval_queue][concurrency]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  absl::StatusOr<Decision> awaited;
  std::thread waiter([&] {
    awaited = f.gate().AwaitDecision("shop", pending.id, absl::Hours(1));
  });
  REQUIRE(f.Submit(f.For(pending, "alice")).ok());
  waiter.join();
  REQUIRE(awaited.ok());
  CHECK(awaited->verdict.outcome == Outcome::kAllow);
}

TEST_CASE("await of a decided request answers the entry that recorded it",
          "[approval_queue]") {
  ApprovalFixture f;
  // Allowed at once: the evaluation's entry.
  policy::Action reply = MakeAction("shop", "reply_customer");
  reply.agent = "bot";
  reply.arguments.clear();
  reply.arguments["text"] = policy::Value{std::string("on its way")};
  auto allowed = f.gate().Evaluate(reply, {"bot"});
  REQUIRE(allowed.ok());
  REQUIRE(allowed->verdict.outcome == Outcome::kAllow);
  REQUIRE(allowed->ledger_sequence > 0);
  Decision pending = f.Pending(f.Refund("120.00"));
  auto awaited =
      f.gate().AwaitDecision("shop", allowed->id, absl::ZeroDuration());
  REQUIRE(awaited.ok());
  CHECK(awaited->verdict.outcome == Outcome::kAllow);
  CHECK(awaited->ledger_sequence == allowed->ledger_sequence);

  // Allowed by an approval: the verdict's entry, after the request's.
  auto approved = f.Submit(f.For(pending, "alice"));
  REQUIRE(approved.ok());
  REQUIRE(approved->decision.verdict.outcome == Outcome::kAllow);
  awaited = f.gate().AwaitDecision("shop", pending.id, absl::ZeroDuration());
  REQUIRE(awaited.ok());
  CHECK(awaited->verdict.outcome == Outcome::kAllow);
  CHECK(awaited->ledger_sequence > pending.ledger_sequence);
  CHECK(awaited->ledger_sequence == approved->decision.ledger_sequence);
}

TEST_CASE("await gives up after its wait with the request still pending",
          "[approval_queue]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  auto awaited =
      f.gate().AwaitDecision("shop", pending.id, absl::Milliseconds(1));
  REQUIRE(awaited.ok());
  CHECK(awaited->verdict.outcome == Outcome::kPendingApproval);
  CHECK(f.gate()
            .AwaitDecision("shop", std::string(32, 'e'), absl::ZeroDuration())
            .status()
            .code() == absl::StatusCode::kNotFound);
  CHECK(f.gate()
            .AwaitDecision("other", pending.id, absl::ZeroDuration())
            .status()
            .code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a watcher sees the queue, then each change",
          "[approval_queue][concurrency]") {
  ApprovalFixture f;
  Decision first = f.Pending(f.Refund("1200.00", "AN-1"));
  std::vector<QueueEvent> seen;
  absl::Mutex mu;
  absl::Notification stop;
  auto seen_count = [&] {
    absl::MutexLock lock(&mu);
    return seen.size();
  };
  absl::Status watched;
  std::thread watcher([&] {
    watched = f.gate().WatchPending(
        "shop",
        [&](const QueueEvent& e) {
          absl::MutexLock lock(&mu);
          seen.push_back(e);
          return true;
        },
        [&] { return stop.HasBeenNotified(); });
  });
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](std::vector<QueueEvent>* v) { return v->size() >= 1; }, &seen));
  }
  Decision second = f.Pending(f.Refund("120.00", "AN-2"));
  REQUIRE(f.Submit(f.For(first, "bob")).ok());
  REQUIRE(f.Submit(f.For(second, "alice")).ok());
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](std::vector<QueueEvent>* v) { return v->size() >= 4; }, &seen));
  }
  stop.Notify();
  watcher.join();
  CHECK(watched.ok());
  REQUIRE(seen_count() == 4);
  CHECK(seen[0].kind == QueueEvent::Kind::kAdded);
  CHECK(seen[0].state.original.id == first.id);
  CHECK(seen[1].kind == QueueEvent::Kind::kAdded);
  CHECK(seen[1].state.original.id == second.id);
  CHECK(seen[2].kind == QueueEvent::Kind::kUpdated);
  CHECK(seen[2].state.votes.size() == 1);
  CHECK(seen[3].kind == QueueEvent::Kind::kResolved);
  CHECK(seen[3].state.current.verdict.outcome == Outcome::kAllow);
}

}  // namespace
}  // namespace portcullis::gate
