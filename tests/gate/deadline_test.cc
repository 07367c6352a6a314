// The caller's deadline (issue 15, item 5): no decision is made or recorded
// for a caller that has given up, whether its deadline passed before the
// decision or while the decision waited behind the ledger's commit.
#include <catch2/catch.hpp>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gate/gate.h"
#include "tests/gate/gate_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;
using testing::FakePolicy;

std::shared_ptr<FakePolicy> Shop() {
  auto p = std::make_shared<FakePolicy>();
  p->Add("shop", "reply_customer")
      .Add("shop", "refund_order", {Outcome::kPendingApproval})
      .Add("shop", "create_coupon", {Outcome::kAllow, 1});
  return p;
}

struct Answer {
  absl::Notification given;
  absl::StatusOr<Decision> decision = absl::UnknownError("not answered");
};

void EvaluateInto(GateFixture& f, const std::string& tool, absl::Time deadline,
                  Answer& answer) {
  f.gate().EvaluateAsync(MakeAction("shop", tool), {"agent:bot", deadline},
                         [&answer](absl::StatusOr<Decision> d) {
                           answer.decision = std::move(d);
                           answer.given.Notify();
                         });
}

int Decisions(GateFixture& f) {
  int n = 0;
  for (const ledger::Entry& e : f.Entries("shop")) {
    n += e.kind == "action.evaluated" || e.kind == "action.rejected" ||
         e.kind == "approval.requested";
  }
  return n;
}

TEST_CASE("a call whose deadline has passed is neither decided nor recorded",
          "[gate][deadline]") {
  GateFixture f;
  f.Apply(Shop());
  Answer late;
  EvaluateInto(f, "create_coupon", f.clock().Now(), late);
  REQUIRE(late.given.HasBeenNotified());
  CHECK(late.decision.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(Decisions(f) == 0);

  // Not charged either: the limit's one unit is still there.
  Answer in_time;
  EvaluateInto(f, "create_coupon", f.clock().Now() + absl::Seconds(1), in_time);
  in_time.given.WaitForNotification();
  REQUIRE(in_time.decision.ok());
  CHECK(in_time.decision->verdict.outcome == Outcome::kAllow);
  CHECK(Decisions(f) == 1);
}

TEST_CASE(
    "a decision whose caller gives up while it waits behind a blocked commit "
    "is not recorded, and its charge and queue place are given back",
    "[gate][deadline]") {
  GateFixture f;
  f.Apply(Shop());
  const absl::Time now = f.clock().Now();
  Answer first, coupon, refund, patient;
  f.blocking().Arm();
  // Alone, `first` is written by its own caller (led in place).
  std::thread caller([&] {
    EvaluateInto(f, "reply_customer", absl::InfiniteFuture(), first);
  });
  f.blocking().AwaitBlockedWrite();  // `first` is being written
  // Decided (and charged, and queued for approval) before their deadline,
  // then queued behind the blocked write.
  EvaluateInto(f, "create_coupon", now + absl::Seconds(1), coupon);
  EvaluateInto(f, "refund_order", now + absl::Seconds(1), refund);
  EvaluateInto(f, "reply_customer", now + absl::Seconds(5), patient);
  CHECK_FALSE(coupon.given.HasBeenNotified());
  CHECK_FALSE(refund.given.HasBeenNotified());
  f.clock().Advance(absl::Seconds(2));  // coupon's and refund's callers leave
  f.blocking().Release();
  caller.join();

  for (Answer* a : {&first, &coupon, &refund, &patient}) {
    a->given.WaitForNotification();
  }
  REQUIRE(first.decision.ok());
  REQUIRE(patient.decision.ok());
  CHECK(coupon.decision.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(refund.decision.status().code() == absl::StatusCode::kDeadlineExceeded);
  std::vector<std::string> ids;
  for (const ledger::Entry& e : f.Entries("shop")) {
    if (e.kind == "action.evaluated") ids.push_back(e.decision_id);
  }
  CHECK(ids ==
        std::vector<std::string>{first.decision->id, patient.decision->id});
  CHECK(Decisions(f) == 2);
  // Nothing waits for approval, and the coupon's unit was given back.
  auto pending = f.gate().ListPending("shop");
  REQUIRE(pending.ok());
  CHECK(pending->empty());
  Answer again;
  EvaluateInto(f, "create_coupon", absl::InfiniteFuture(), again);
  again.given.WaitForNotification();
  REQUIRE(again.decision.ok());
  CHECK(again.decision->verdict.outcome == Outcome::kAllow);
}

}  // namespace
}  // namespace portcullis::gate
