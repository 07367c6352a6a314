// Waiting and watching without a thread each (issue 15, item 6): the
// approval desk's asynchronous waits and queue subscriptions.
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gate/internal/approval_desk.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

// Collects queue events; returns `keep` to the publisher.
class EventLog final : public QueueListener {
 public:
  bool OnQueueEvent(const QueueEvent& event) override {
    absl::MutexLock lock(&mu_);
    events_.push_back(event);
    return keep_;
  }
  std::vector<QueueEvent> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  void set_keep(bool keep) {
    absl::MutexLock lock(&mu_);
    keep_ = keep;
  }

 private:
  absl::Mutex mu_;
  std::vector<QueueEvent> events_ ABSL_GUARDED_BY(mu_);
  bool keep_ ABSL_GUARDED_BY(mu_) = true;
};

TEST_CASE("an asynchronous await answers once the decision is resolved",
          "[approval_waits]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  absl::StatusOr<Decision> awaited;
  absl::Notification answered;
  uint64_t id = f.gate().AwaitDecisionAsync("shop", pending.id, absl::Hours(1),
                                            [&](absl::StatusOr<Decision> d) {
                                              awaited = std::move(d);
                                              answered.Notify();
                                            });
  CHECK(id != 0);
  CHECK(f.gate().open_waits() == 1);
  CHECK_FALSE(answered.HasBeenNotified());
  REQUIRE(f.Submit(f.For(pending, "alice")).ok());
  // The approving thread answered the wait before Approve returned.
  REQUIRE(answered.HasBeenNotified());
  REQUIRE(awaited.ok());
  CHECK(awaited->verdict.outcome == Outcome::kAllow);
  CHECK(f.gate().open_waits() == 0);
  CHECK_FALSE(f.gate().CancelAwait(id));
}

TEST_CASE("a cancelled await is unregistered and never answers",
          "[approval_waits]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  bool called = false;
  uint64_t id = f.gate().AwaitDecisionAsync(
      "shop", pending.id, absl::Hours(1),
      [&](absl::StatusOr<Decision>) { called = true; });
  REQUIRE(f.gate().open_waits() == 1);
  CHECK(f.gate().CancelAwait(id));
  CHECK(f.gate().open_waits() == 0);
  CHECK_FALSE(f.gate().CancelAwait(id));
  REQUIRE(f.Submit(f.For(pending, "alice")).ok());
  CHECK_FALSE(called);
}

TEST_CASE("an await whose wait runs out answers with the pending decision",
          "[approval_waits]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  absl::StatusOr<Decision> awaited;
  absl::Notification answered;
  uint64_t id =
      f.gate().AwaitDecisionAsync("shop", pending.id, absl::Milliseconds(1),
                                  [&](absl::StatusOr<Decision> d) {
                                    awaited = std::move(d);
                                    answered.Notify();
                                  });
  CHECK(id != 0);
  answered.WaitForNotification();  // the waits' timer ended it
  REQUIRE(awaited.ok());
  CHECK(awaited->verdict.outcome == Outcome::kPendingApproval);
  CHECK(f.gate().open_waits() == 0);
}

TEST_CASE("an await on a decision that is not pending answers at once",
          "[approval_waits]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  REQUIRE(f.Submit(f.For(pending, "alice")).ok());
  absl::StatusOr<Decision> awaited;
  uint64_t id = f.gate().AwaitDecisionAsync(
      "shop", pending.id, absl::Hours(1),
      [&](absl::StatusOr<Decision> d) { awaited = std::move(d); });
  CHECK(id == 0);
  REQUIRE(awaited.ok());
  CHECK(awaited->verdict.outcome == Outcome::kAllow);
  absl::Status unknown;
  f.gate().AwaitDecisionAsync(
      "shop", std::string(32, 'e'), absl::Hours(1),
      [&](absl::StatusOr<Decision> d) { unknown = d.status(); });
  CHECK(unknown.code() == absl::StatusCode::kNotFound);
  CHECK(f.gate().open_waits() == 0);
}

TEST_CASE("an expiry answers the waits on the request", "[approval_waits]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  absl::StatusOr<Decision> awaited;
  f.gate().AwaitDecisionAsync(
      "shop", pending.id, absl::Hours(1),
      [&](absl::StatusOr<Decision> d) { awaited = std::move(d); });
  f.clock().Advance(absl::Hours(24));
  REQUIRE(f.gate().ExpireDue().ok());
  REQUIRE(awaited.ok());
  CHECK(awaited->verdict.outcome == Outcome::kDeny);
  CHECK(f.gate().open_waits() == 0);
}

TEST_CASE("a subscriber gets the listing, then each change, until it leaves",
          "[approval_waits]") {
  ApprovalFixture f;
  Decision first = f.Pending(f.Refund("120.00", "AN-1"));
  EventLog log;
  auto listing = f.gate().SubscribePending("shop", &log);
  REQUIRE(listing.ok());
  REQUIRE(listing->size() == 1);
  CHECK((*listing)[0].original.id == first.id);
  CHECK(f.gate().PendingListeners("shop") == 1);
  Decision second = f.Pending(f.Refund("130.00", "AN-2"));
  // A listener that asks to leave is dropped at once.
  log.set_keep(false);
  REQUIRE(f.Submit(f.For(first, "alice")).ok());
  CHECK(f.gate().PendingListeners("shop") == 0);
  REQUIRE(f.Submit(f.For(second, "alice")).ok());
  std::vector<QueueEvent> seen = log.events();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].kind == QueueEvent::Kind::kAdded);
  CHECK(seen[0].state.original.id == second.id);
  CHECK(seen[1].kind == QueueEvent::Kind::kResolved);
  CHECK(seen[1].state.original.id == first.id);
  f.gate().UnsubscribePending("shop", &log);  // harmless once dropped
  CHECK(f.gate().SubscribePending("nowhere", &log).status().code() ==
        absl::StatusCode::kNotFound);
}

// Gate::Evaluate queues a pending request before its ledger write and
// publishes ADDED once it is recorded: a watcher starting in between used
// to list it and then get its ADDED event too.
TEST_CASE(
    "a watcher starting while a request is being recorded sees it added "
    "once",
    "[approval_waits][concurrency]") {
  ApprovalFixture f;
  f.blocking().Arm();
  absl::StatusOr<Decision> second;
  std::thread evaluator(
      [&] { second = f.gate().Evaluate(f.Refund("130.00", "AN-2"), {"bot"}); });
  f.blocking().AwaitBlockedWrite();  // queued, not yet recorded

  EventLog log;
  auto listing = f.gate().SubscribePending("shop", &log);
  REQUIRE(listing.ok());
  CHECK(listing->empty());

  // The blocking watcher too: its listing is taken before its first send.
  std::vector<QueueEvent> watched;
  absl::Mutex mu;
  absl::Notification stop;
  absl::Notification listed;
  std::thread watcher([&] {
    f.gate()
        .WatchPending(
            "shop",
            [&](const QueueEvent& e) {
              absl::MutexLock lock(&mu);
              watched.push_back(e);
              return true;
            },
            [&] {
              // Asked only once its listing is taken.
              if (!listed.HasBeenNotified()) listed.Notify();
              return stop.HasBeenNotified();
            })
        .IgnoreError();
  });
  // The watcher starts while the request is still being recorded; one that
  // started after it was decided would see nothing of it.
  listed.WaitForNotification();
  f.blocking().Release();
  evaluator.join();
  REQUIRE(second.ok());
  REQUIRE(second->verdict.outcome == Outcome::kPendingApproval);
  // A later change shows that nothing else is coming before it.
  REQUIRE(f.Submit(f.For(*second, "alice")).ok());
  {
    absl::MutexLock lock(&mu);
    auto resolved = [&watched] {
      return !watched.empty() &&
             watched.back().kind == QueueEvent::Kind::kResolved;
    };
    mu.Await(absl::Condition(&resolved));
  }
  stop.Notify();
  watcher.join();

  std::vector<QueueEvent> seen = log.events();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].kind == QueueEvent::Kind::kAdded);
  CHECK(seen[0].state.original.id == second->id);
  CHECK(seen[1].kind == QueueEvent::Kind::kResolved);
  f.gate().UnsubscribePending("shop", &log);

  int added = 0;
  for (const QueueEvent& e : watched) {
    added += e.kind == QueueEvent::Kind::kAdded;
  }
  CHECK(added == 1);
}

}  // namespace
}  // namespace portcullis::gate
