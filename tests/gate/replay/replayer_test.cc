#include "gate/replay/replayer.h"

#include <catch2/catch.hpp>

#include "gate/builtin_rules.h"
#include "tests/gate/replay/replay_fixture.h"

namespace portcullis::gate::replay {
namespace {

using O = ReplayOutcome;

ReplayedDecision Replayed(Replayer& replayer, const RecordedAction& r) {
  absl::StatusOr<ReplayedDecision> d = replayer.Replay(r);
  INFO(d.status().message());
  REQUIRE(d.ok());
  return *d;
}

TEST_CASE("a recorded action is decided again at its recorded instant",
          "[replay]") {
  auto policy = CompileText(kShopPolicy);
  Replayer replayer(*policy);
  ReplayedDecision inside =
      Replayed(replayer, Coupon(At(10), "20", O::kAllow, {"coupons"}));
  CHECK(inside.outcome == O::kAllow);
  CHECK(Ids(inside) == std::vector<std::string>{"coupons"});
  ReplayedDecision outside =
      Replayed(replayer, Coupon(At(20), "20", O::kAllow, {"coupons"}));
  CHECK(outside.outcome == O::kDeny);
  CHECK(Ids(outside) == std::vector<std::string>{"coupon-hours"});
  CHECK(outside.reasons.size() == 1);
}

TEST_CASE("rate limits count the candidate's own allows, in order",
          "[replay]") {
  auto policy = CompileText(kShopPolicy);
  Replayer replayer(*policy);
  // The recording allowed all four (an older policy had no limit).
  CHECK(Replayed(replayer, Coupon(At(10, 0), "5", O::kAllow, {"coupons"}))
            .outcome == O::kAllow);
  // A denied action consumes nothing.
  CHECK(Replayed(replayer, Coupon(At(10, 1), "99", O::kAllow, {"coupons"}))
            .outcome == O::kDeny);
  CHECK(Replayed(replayer, Coupon(At(10, 2), "5", O::kAllow, {"coupons"}))
            .outcome == O::kAllow);
  ReplayedDecision third =
      Replayed(replayer, Coupon(At(10, 3), "5", O::kAllow, {"coupons"}));
  CHECK(third.outcome == O::kDeny);
  CHECK(Ids(third) == std::vector<std::string>{"coupon-rate"});
  // An hour after the first, one unit is free again.
  CHECK(Replayed(replayer, Coupon(At(11, 0), "5", O::kAllow, {"coupons"}))
            .outcome == O::kAllow);
}

TEST_CASE("each tenant has its own counters and its own time order",
          "[replay]") {
  auto policy = CompileText(kShopPolicy);
  Replayer replayer(*policy);
  for (int i = 0; i < 2; ++i) {
    CHECK(Replayed(replayer, Coupon(At(11, i), "5", O::kAllow, {"coupons"}))
              .outcome == O::kAllow);
  }
  // Another tenant's recording may start earlier: concatenated exports.
  for (int i = 0; i < 2; ++i) {
    CHECK(Replayed(replayer,
                   Coupon(At(10, i), "5", O::kAllow, {"coupons"}, "other"))
              .outcome == O::kAllow);
  }
  CHECK(Replayed(replayer, Coupon(At(11, 5), "5", O::kAllow, {"coupons"}))
            .outcome == O::kDeny);
}

TEST_CASE("an action before the previous one of its tenant is an error",
          "[replay]") {
  auto policy = CompileText(kShopPolicy);
  Replayer replayer(*policy);
  REQUIRE(replayer.Replay(Coupon(At(11), "5", O::kAllow, {"coupons"})).ok());
  absl::StatusOr<ReplayedDecision> back =
      replayer.Replay(Coupon(At(10), "5", O::kAllow, {"coupons"}));
  CHECK(back.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(back.status().message().find("time order") != std::string::npos);
  // The same instant is fine.
  CHECK(replayer.Replay(Coupon(At(11), "5", O::kAllow, {"coupons"})).ok());
}

TEST_CASE("a pending action is charged only when its approval is granted",
          "[replay]") {
  auto policy = CompileText(kShopPolicy);
  SECTION("never granted: the next refund is not limited") {
    Replayer replayer(*policy);
    CHECK(Replayed(replayer, Refund(At(10), O::kPendingApproval, {"refunds"}))
              .outcome == O::kPendingApproval);
    CHECK(
        Replayed(replayer, Refund(At(10, 30), O::kPendingApproval, {"refunds"}))
            .outcome == O::kPendingApproval);
  }
  SECTION("granted at 10:10: from then on the limit is used") {
    Replayer replayer(*policy);
    RecordedAction first = Refund(At(10), O::kPendingApproval, {"refunds"});
    first.approval_granted_at = At(10, 10);
    CHECK(Replayed(replayer, first).outcome == O::kPendingApproval);
    // Before the grant the counter is still empty.
    CHECK(
        Replayed(replayer, Refund(At(10, 5), O::kPendingApproval, {"refunds"}))
            .outcome == O::kPendingApproval);
    ReplayedDecision after = Replayed(
        replayer, Refund(At(10, 30), O::kPendingApproval, {"refunds"}));
    CHECK(after.outcome == O::kDeny);
    CHECK(Ids(after) == std::vector<std::string>{"refund-rate"});
  }
  SECTION("a grant time before the decision is an error") {
    Replayer replayer(*policy);
    RecordedAction first = Refund(At(10), O::kPendingApproval, {"refunds"});
    first.approval_granted_at = At(9);
    CHECK(replayer.Replay(first).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a decision recorded as a halt is kept as recorded", "[replay]") {
  auto policy = CompileText(kShopPolicy);
  Replayer replayer(*policy);
  ReplayedDecision halted = Replayed(
      replayer, Coupon(At(10), "5", O::kDeny, {std::string(kHaltedRule)}));
  CHECK(halted.outcome == O::kDeny);
  CHECK(Ids(halted) == std::vector<std::string>{std::string(kHaltedRule)});
  // ... and consumes nothing.
  for (int i = 1; i <= 2; ++i) {
    CHECK(Replayed(replayer, Coupon(At(10, i), "5", O::kAllow, {"coupons"}))
              .outcome == O::kAllow);
  }
}

TEST_CASE("an action the candidate cannot decide is a REJECTED decision",
          "[replay]") {
  auto policy = CompileText(kShopPolicy);
  Replayer replayer(*policy);
  SECTION("an argument the tool does not declare") {
    RecordedAction r = Coupon(At(10), "5", O::kAllow, {"coupons"});
    r.action.arguments["bogus"] = policy::Value{true};
    ReplayedDecision d = Replayed(replayer, r);
    CHECK(d.outcome == O::kRejected);
    REQUIRE(d.reasons.size() == 1);
    CHECK(d.reasons[0].find("bogus") != std::string::npos);
    CHECK(d.decided_by.empty());
  }
  SECTION("an action the gate would refuse as malformed") {
    RecordedAction r = Coupon(At(10), "5", O::kAllow, {"coupons"});
    r.action.agent = "not an agent id";
    CHECK(Replayed(replayer, r).outcome == O::kRejected);
  }
}

// A refund the gate allowed by alice's standing approval (alice: owner).
RecordedAction ByStanding(absl::Time at) {
  RecordedAction r = Refund(at, O::kAllow, {"standing:small", "refunds"});
  r.standing = RecordedStanding{"small", "alice", {"owner"}};
  return r;
}

TEST_CASE("a decision allowed by a standing approval is allowed by it again",
          "[replay][standing]") {
  // Under the policy that decided: the same ALLOW, cited the same way, and
  // charged (the refund rate allows one an hour).
  auto same = CompileText(kShopPolicy);
  Replayer replayer(*same);
  ReplayedDecision again = Replayed(replayer, ByStanding(At(10)));
  CHECK(again.outcome == O::kAllow);
  CHECK(Ids(again) == std::vector<std::string>{"standing:small", "refunds"});
  CHECK_FALSE(DecisionChanged(ByStanding(At(10)).decision, again));
  CHECK(again.reasons.front().find("standing approval small of alice") !=
        std::string::npos);
  ReplayedDecision second = Replayed(replayer, ByStanding(At(10, 30)));
  CHECK(second.outcome == O::kDeny);
  CHECK(Ids(second) == std::vector<std::string>{"refund-rate"});

  // A candidate that asks two people of finance: no standing approval
  // meets that, so it waits for approval.
  std::string two = kShopPolicy;
  two.replace(two.find("approve by owner"), 16, "approve by finance quorum 2");
  auto quorum = CompileText(two);
  Replayer by_quorum(*quorum);
  ReplayedDecision pending = Replayed(by_quorum, ByStanding(At(10)));
  CHECK(pending.outcome == O::kPendingApproval);
  CHECK(DecisionChanged(ByStanding(At(10)).decision, pending));

  // One that asks a role alice did not hold: pending too.
  std::string finance = kShopPolicy;
  finance.replace(finance.find("approve by owner"), 16, "approve by finance");
  auto other_role = CompileText(finance);
  Replayer by_role(*other_role);
  CHECK(Replayed(by_role, ByStanding(At(10))).outcome == O::kPendingApproval);

  // A recording that does not say which approval allowed it is decided by
  // the policy alone.
  Replayer plain(*same);
  RecordedAction bare = ByStanding(At(10));
  bare.standing.reset();
  CHECK(Replayed(plain, bare).outcome == O::kPendingApproval);
}

TEST_CASE("DecisionChanged compares outcomes and rule sets", "[replay]") {
  RecordedDecision before{O::kDeny, {"a", "b"}};
  ReplayedDecision same{O::kDeny, {{"b", ""}, {"a", ""}}, {}};
  CHECK_FALSE(DecisionChanged(before, same));
  ReplayedDecision other_outcome{O::kAllow, {{"a", ""}, {"b", ""}}, {}};
  CHECK(DecisionChanged(before, other_outcome));
  ReplayedDecision fewer{O::kDeny, {{"a", ""}}, {}};
  CHECK(DecisionChanged(before, fewer));
  ReplayedDecision other_rule{O::kDeny, {{"a", ""}, {"c", ""}}, {}};
  CHECK(DecisionChanged(before, other_rule));
  CHECK_FALSE(DecisionChanged(RecordedDecision{O::kRejected, {}},
                              ReplayedDecision{O::kRejected, {}, {"x"}}));
}

}  // namespace
}  // namespace portcullis::gate::replay
