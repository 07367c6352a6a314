#include "gate/replay/replay_report.h"

#include <catch2/catch.hpp>

#include "tests/gate/replay/replay_fixture.h"

namespace portcullis::gate::replay {
namespace {

using O = ReplayOutcome;

ReplayedDecision Decided(O outcome, std::vector<std::string> ids) {
  ReplayedDecision d;
  d.outcome = outcome;
  for (std::string& id : ids) d.decided_by.push_back({std::move(id), "desc"});
  return d;
}

TEST_CASE("a report keeps every changed decision and counts transitions",
          "[replay]") {
  ReplayReport report;
  RecordedAction allowed = Coupon(At(10), "5", O::kAllow, {"coupons"});
  allowed.decision_id = std::string(32, 'a');
  CHECK_FALSE(report.Add(1, allowed, Decided(O::kAllow, {"coupons"})));
  CHECK(report.Add(2, allowed, Decided(O::kDeny, {"coupon-cap"})));
  CHECK(report.Add(3, allowed, Decided(O::kDeny, {"coupon-rate"})));
  CHECK(report.Add(4, allowed, Decided(O::kPendingApproval, {"refunds"})));
  RecordedAction denied = Coupon(At(10), "5", O::kDeny, {"coupon-cap"});
  CHECK(report.Add(5, denied, Decided(O::kDeny, {"coupon-hours"})));

  CHECK(report.actions() == 5);
  CHECK(report.changed() == 4);
  CHECK(report.unexpected() == 4);
  REQUIRE(report.changes().size() == 4);
  const ChangedDecision& first = report.changes()[0];
  CHECK(first.line == 2);
  CHECK(first.decision_id == std::string(32, 'a'));
  CHECK(first.tenant == "shop");
  CHECK(first.tool == "create_coupon");
  CHECK(first.before.decided_by == std::vector<std::string>{"coupons"});
  CHECK(Ids(first.after) == std::vector<std::string>{"coupon-cap"});

  std::vector<Transition> t = report.Transitions();
  REQUIRE(t.size() == 3);
  CHECK(
      (t[0].before == O::kAllow && t[0].after == O::kDeny && t[0].count == 2));
  // Ties keep outcome order: ALLOW → PENDING before DENY → DENY.
  CHECK((t[1].before == O::kAllow && t[1].after == O::kPendingApproval));
  CHECK((t[2].before == O::kDeny && t[2].after == O::kDeny && t[2].count == 1));
}

TEST_CASE("expectations account for the changes they match", "[replay]") {
  ExpectedChange cap;
  cap.tool = "create_coupon";
  cap.after = O::kDeny;
  cap.decided_by_after = {"coupon-cap"};
  cap.note = "cap lowered";
  ExpectedChange by_line;
  by_line.line = 4;
  ExpectedChange stale;
  stale.tenant = "nobody";
  ReplayReport report(Expectations({cap, by_line, stale}));
  RecordedAction allowed = Coupon(At(10), "5", O::kAllow, {"coupons"});
  report.Add(2, allowed, Decided(O::kDeny, {"coupon-cap"}));
  report.Add(3, allowed, Decided(O::kDeny, {"coupon-rate"}));
  report.Add(4, allowed, Decided(O::kPendingApproval, {"refunds"}));
  CHECK(report.changed() == 3);
  CHECK(report.expected() == 2);
  CHECK(report.unexpected() == 1);
  CHECK(report.changes()[0].expectation == 1);
  CHECK(report.changes()[1].expectation == 0);
  CHECK(report.changes()[2].expectation == 2);
  CHECK(report.UnmatchedExpectations() == std::vector<int>{3});
}

TEST_CASE("an expectation matches only when every field it sets does",
          "[replay]") {
  ChangedDecision change;
  change.line = 7;
  change.decision_id = "d1";
  change.tenant = "shop";
  change.agent = "bot";
  change.tool = "create_coupon";
  change.before.outcome = O::kAllow;
  change.after = Decided(O::kDeny, {"coupon-cap", "coupon-hours"});
  ExpectedChange e;
  CHECK(e.Empty());
  CHECK_FALSE(e.Matches(change));  // an empty expectation excuses nothing
  e.note = "only a note";
  CHECK(e.Empty());
  e.agent = "bot";
  CHECK(e.Matches(change));
  e.decided_by_after = {"coupon-hours", "coupon-cap"};  // a set: any order
  CHECK(e.Matches(change));
  e.decided_by_after = {"coupon-cap"};
  CHECK_FALSE(e.Matches(change));
  e.decided_by_after.clear();
  for (auto mutate : std::vector<std::function<void(ExpectedChange&)>>{
           [](ExpectedChange& x) { x.line = 8; },
           [](ExpectedChange& x) { x.decision_id = "d2"; },
           [](ExpectedChange& x) { x.tenant = "other"; },
           [](ExpectedChange& x) { x.tool = "refund_order"; },
           [](ExpectedChange& x) { x.agent = "bot-2"; },
           [](ExpectedChange& x) { x.before = O::kDeny; },
           [](ExpectedChange& x) { x.after = O::kAllow; }}) {
    ExpectedChange other = e;
    mutate(other);
    CHECK_FALSE(other.Matches(change));
  }
}

}  // namespace
}  // namespace portcullis::gate::replay
