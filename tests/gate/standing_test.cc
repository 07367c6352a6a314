// Standing approvals and the approver fatigue cap (issue 21): a signed
// approval of a bounded class of actions, through the whole gate core
// with the real compiler and ledger, across restarts with and without
// state snapshots.
#include <catch2/catch.hpp>

#include "gate/internal/fatigue_cap.h"
#include "gate/internal/recovery.h"
#include "gate/internal/state_snapshotter.h"
#include "gate/standing_approval.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

policy::Value Sar(const char* amount) {
  return policy::Value{policy::Money{*policy::Decimal::Parse(amount), "SAR"}};
}

// Alice's standing approval of refunds up to 100 SAR, for a day, 3 uses.
StandingApproval SmallRefunds(ApprovalFixture& f, const char* id = "small") {
  StandingApproval s;
  s.tenant = "shop";
  s.id = id;
  s.tool = "refund_order";
  s.constraints = {{"amount", ConstraintOp::kLe, Sar("100")}};
  s.not_before = f.clock().Now();
  s.not_after = f.clock().Now() + absl::Hours(24);
  s.max_uses = 3;
  s.approver_id = "alice";
  s.comment = "damaged items";
  return s;
}

absl::StatusOr<StandingState> Grant(ApprovalFixture& f,
                                    const StandingApproval& s) {
  return f.gate().GrantStanding(s, SignStanding(s, f.key(s.approver_id)),
                                {"alice-cli"});
}

absl::StatusOr<StandingState> Revoke(ApprovalFixture& f, const char* id,
                                     const char* approver = "alice") {
  StandingRevocation r{"shop", id, approver, "no longer needed"};
  return f.gate().RevokeStanding(r, SignRevocation(r, f.key(approver)), {});
}

Decision Decide(ApprovalFixture& f, const policy::Action& a) {
  auto d = f.gate().Evaluate(a, {"bot"});
  REQUIRE(d.ok());
  return *d;
}

// Where tenant "shop"'s recovery started: the snapshot's entry, or 0.
uint64_t Shop(ApprovalFixture& f) {
  for (const auto& t : f.gate().recovery()) {
    if (t.tenant == "shop") return t.snapshot_sequence;
  }
  return 0;
}

bool Cites(const Decision& d, const std::string& id) {
  for (const auto& c : d.verdict.decided_by) {
    if (c.id == "standing:" + id) return true;
  }
  return false;
}

// The last "action.evaluated" entry's decision, as recorded.
Decision Recorded(ApprovalFixture& f) {
  Decision out;
  for (const auto& e : f.Entries("shop")) {
    if (e.kind != kActionEvaluated) continue;
    auto r = DecodeAs<EvaluationRecord>(f.codec(), e.kind, *e.payload);
    REQUIRE(r.ok());
    out = r->decision;
  }
  return out;
}

TEST_CASE("a standing approval allows a matching action and cites it",
          "[standing]") {
  ApprovalFixture f;
  auto granted = Grant(f, SmallRefunds(f));
  REQUIRE(granted.ok());
  CHECK(f.Count(kStandingGranted) == 1);

  Decision d = Decide(f, f.Refund("80.00", "AN-1"));
  CHECK(d.verdict.outcome == Outcome::kAllow);
  CHECK(Cites(d, "small"));
  CHECK(d.verdict.approvals.empty());
  REQUIRE(!d.verdict.reasons.empty());
  CHECK(d.verdict.reasons[0].find("standing approval small") !=
        std::string::npos);
  // The ledger entry cites it too, and the grant can be executed.
  CHECK(Cites(Recorded(f), "small"));
  CHECK(f.gate().Execute(d.id, f.Refund("80.00", "AN-1"), {"bot"}).ok());

  auto listed = f.gate().ListStanding("shop");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].uses == 1);
}

TEST_CASE("actions a standing approval does not cover stay pending",
          "[standing]") {
  ApprovalFixture f;
  StandingApproval s = SmallRefunds(f);
  s.constraints.push_back(
      {"order_id", ConstraintOp::kEq, policy::Value{std::string("AN-7")}});
  REQUIRE(Grant(f, s).ok());

  SECTION("a constraint that does not hold") {
    CHECK(Decide(f, f.Refund("100.01", "AN-7")).verdict.outcome ==
          Outcome::kPendingApproval);
    CHECK(Decide(f, f.Refund("50.00", "AN-8")).verdict.outcome ==
          Outcome::kPendingApproval);
    CHECK(Decide(f, f.Refund("100.00", "AN-7")).verdict.outcome ==
          Outcome::kAllow);
  }
  SECTION("another tool") {
    // reply_customer is allowed anyway; the point is no citation.
    CHECK(!Cites(Decide(f,
                        [&] {
                          policy::Action a =
                              MakeAction("shop", "reply_customer");
                          a.arguments.clear();
                          a.arguments["text"] =
                              policy::Value{std::string("hi")};
                          return a;
                        }()),
                 "small"));
  }
  SECTION("after its window") {
    f.clock().Advance(absl::Hours(24));
    CHECK(Decide(f, f.Refund("10.00", "AN-7")).verdict.outcome ==
          Outcome::kPendingApproval);
  }
  SECTION("before its window") {
    StandingApproval later = SmallRefunds(f, "later");
    later.not_before = f.clock().Now() + absl::Hours(1);
    REQUIRE(Grant(f, later).ok());
    CHECK(Decide(f, f.Refund("10.00", "AN-9")).verdict.outcome ==
          Outcome::kPendingApproval);
  }
  SECTION("used up") {
    for (int i = 0; i < 3; ++i) {
      CHECK(Decide(f, f.Refund("10.00", "AN-7")).verdict.outcome ==
            Outcome::kAllow);
    }
    CHECK(Decide(f, f.Refund("10.00", "AN-7")).verdict.outcome ==
          Outcome::kPendingApproval);
  }
  SECTION("revoked") {
    REQUIRE(Revoke(f, "small", "alice").ok());
    CHECK(f.Count(kStandingRevoked) == 1);
    CHECK(Decide(f, f.Refund("10.00", "AN-7")).verdict.outcome ==
          Outcome::kPendingApproval);
    auto again = Revoke(f, "small", "alice");
    CHECK(absl::IsFailedPrecondition(again.status()));
  }
  SECTION("an unattended run: the policy's deny stands") {
    policy::Action a = f.Refund("10.00", "AN-7");
    a.context.run_mode = policy::RunMode::kUnattended;
    CHECK(Decide(f, a).verdict.outcome == Outcome::kDeny);
  }
}

TEST_CASE("a standing approval never lifts a deny or a limit", "[standing]") {
  ApprovalFixture f;
  StandingApproval s = SmallRefunds(f);
  s.constraints.clear();  // every refund
  s.max_uses = 100;
  REQUIRE(Grant(f, s).ok());
  // refund-cap denies over 5000 SAR.
  CHECK(Decide(f, f.Refund("6000.00", "AN-1")).verdict.outcome ==
        Outcome::kDeny);
  // Over 1000 SAR needs finance quorum 2: never met by a standing approval.
  CHECK(Decide(f, f.Refund("1500.00", "AN-2")).verdict.outcome ==
        Outcome::kPendingApproval);
  // refund-spend: 3000 SAR a day.
  for (int i = 0; i < 3; ++i) {
    CHECK(Decide(f, f.Refund("1000.00", "AN-3")).verdict.outcome ==
          Outcome::kAllow);
  }
  Decision over = Decide(f, f.Refund("1.00", "AN-4"));
  CHECK(over.verdict.outcome == Outcome::kDeny);
  CHECK(!Cites(over, "small"));
}

TEST_CASE("forged, altered and unentitled standing approvals are refused",
          "[standing]") {
  ApprovalFixture f;
  StandingApproval s = SmallRefunds(f);

  SECTION("altered after signing") {
    std::string signature = SignStanding(s, f.key("alice"));
    StandingApproval altered = s;
    altered.constraints[0].value = Sar("10000");
    auto r = f.gate().GrantStanding(altered, signature, {});
    CHECK(absl::IsPermissionDenied(r.status()));
    altered = s;
    altered.max_uses = 1000;
    CHECK(absl::IsPermissionDenied(
        f.gate().GrantStanding(altered, signature, {}).status()));
  }
  SECTION("signed with another key") {
    auto r = f.gate().GrantStanding(s, SignStanding(s, f.key("bob")), {});
    CHECK(absl::IsPermissionDenied(r.status()));
  }
  SECTION("an approver without the role of the approve rules") {
    s.approver_id = "bob";  // finance; refunds need an owner
    CHECK(absl::IsPermissionDenied(Grant(f, s).status()));
    s.approver_id = "erin";  // support
    CHECK(absl::IsPermissionDenied(Grant(f, s).status()));
  }
  SECTION("an approver of another tenant") {
    s.approver_id = "dave";
    CHECK(absl::IsPermissionDenied(Grant(f, s).status()));
  }
  SECTION("a constraint that does not fit the argument's type") {
    s.constraints = {{"amount", ConstraintOp::kLe, Sar("10")}};
    s.constraints[0].value =
        policy::Value{policy::Money{*policy::Decimal::Parse("10"), "USD"}};
    CHECK(absl::IsInvalidArgument(Grant(f, s).status()));
    s.constraints = {
        {"order_id", ConstraintOp::kLt, policy::Value{std::string("AN-9")}}};
    CHECK(absl::IsInvalidArgument(Grant(f, s).status()));
    s.constraints = {{"nope", ConstraintOp::kEq, policy::Value{int64_t{1}}}};
    CHECK(absl::IsInvalidArgument(Grant(f, s).status()));
  }
  SECTION("an id that is not one") {
    s.id = "../x";
    CHECK(absl::IsInvalidArgument(Grant(f, s).status()));
  }
  SECTION("a window too long or already over") {
    s.not_after = f.clock().Now() + absl::Hours(24 * 40);
    CHECK(absl::IsInvalidArgument(Grant(f, s).status()));
    s.not_before = f.clock().Now() - absl::Hours(2);
    s.not_after = f.clock().Now() - absl::Hours(1);
    CHECK(absl::IsFailedPrecondition(Grant(f, s).status()));
  }
  SECTION("an id taken") {
    REQUIRE(Grant(f, s).ok());
    CHECK(absl::IsAlreadyExists(Grant(f, s).status()));
    CHECK(f.Count(kStandingGranted) == 1);
  }
  CHECK(Decide(f, f.Refund("10.00", "AN-1")).verdict.outcome ==
        (f.Count(kStandingGranted) == 1 ? Outcome::kAllow
                                        : Outcome::kPendingApproval));
  CHECK(f.Count(kStandingRejected) >= 1);
}

// Two tenants with the same tool and rule, each with its own owner.
constexpr char kTwoShops[] = R"(
policy "refunds" version "2"
tenant "shop" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
}
tenant "other" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
}
)";

TEST_CASE("another tenant's standing approval never applies", "[standing]") {
  ApprovalFixture f;
  ApplyPolicyText(f, kTwoShops);
  StandingApproval s = SmallRefunds(f);
  s.tenant = "other";
  s.approver_id = "dave";  // owner of "other"
  REQUIRE(Grant(f, s).ok());
  policy::Action theirs = f.Refund("10.00", "AN-1");
  theirs.tenant = "other";
  CHECK(Decide(f, theirs).verdict.outcome == Outcome::kAllow);
  // The same refund in "shop", under the same id: pending.
  Decision ours = Decide(f, f.Refund("10.00", "AN-1"));
  CHECK(ours.verdict.outcome == Outcome::kPendingApproval);
  CHECK(!Cites(ours, "small"));
  auto listed = f.gate().ListStanding("shop");
  REQUIRE(listed.ok());
  CHECK(listed->empty());
  // Moved to "shop" by changing its tenant: the signature fails.
  StandingApproval moved = s;
  moved.tenant = "shop";
  CHECK(absl::IsPermissionDenied(
      f.gate()
          .GrantStanding(moved, SignStanding(s, f.key("dave")), {})
          .status()));
  // dave cannot revoke shop's either.
  REQUIRE(Grant(f, SmallRefunds(f)).ok());
  CHECK(absl::IsPermissionDenied(Revoke(f, "small", "dave").status()));
}

TEST_CASE("uses and revocations survive a restart", "[standing]") {
  ApprovalFixture f;
  f.RestartAndRecover();
  REQUIRE(Grant(f, SmallRefunds(f, "small")).ok());
  REQUIRE(Grant(f, SmallRefunds(f, "gone")).ok());
  REQUIRE(Revoke(f, "gone").ok());
  CHECK(Decide(f, f.Refund("10.00", "AN-1")).verdict.outcome ==
        Outcome::kAllow);
  const bool snapshot = GENERATE(false, true);
  uint64_t covered = 0;
  if (snapshot) {
    covered = f.ledger().Head("shop")->sequence;
    REQUIRE(f.gate().snapshotter() != nullptr);
    REQUIRE(f.gate().snapshotter()->WriteSnapshot("shop", covered).ok());
  }
  CHECK(Decide(f, f.Refund("10.00", "AN-2")).verdict.outcome ==
        Outcome::kAllow);

  f.RestartAndRecover();
  CHECK(Shop(f) == covered);
  auto listed = f.gate().ListStanding("shop");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].approval.id == "gone");
  CHECK((*listed)[0].revoked);
  CHECK((*listed)[1].uses == 2);
  // One use left, then pending again.
  Decision third = Decide(f, f.Refund("10.00", "AN-3"));
  CHECK(third.verdict.outcome == Outcome::kAllow);
  CHECK(Cites(third, "small"));
  CHECK(Decide(f, f.Refund("10.00", "AN-4")).verdict.outcome ==
        Outcome::kPendingApproval);
  // The same signed statement cannot be granted again.
  CHECK(absl::IsAlreadyExists(Grant(f, SmallRefunds(f, "gone")).status()));
}

TEST_CASE("the fatigue cap refuses an approver's signature beyond it",
          "[standing][fatigue]") {
  ApprovalFixture f;
  f.options().fatigue_cap = {2, absl::Hours(1)};
  f.RestartAndRecover();
  Decision one = f.Pending(f.Refund("10.00", "AN-1"));
  Decision two = f.Pending(f.Refund("10.00", "AN-2"));
  Decision three = f.Pending(f.Refund("10.00", "AN-3"));
  REQUIRE(f.Submit(f.For(one, "alice")).ok());
  REQUIRE(Grant(f, SmallRefunds(f)).ok());
  auto refused = f.Submit(f.For(two, "alice"));
  REQUIRE(absl::IsResourceExhausted(refused.status()));
  const std::string why(refused.status().message());
  CHECK(why.find("2 approvals within the last 1h") != std::string::npos);
  CHECK(why.find("next is possible at") != std::string::npos);
  CHECK(absl::IsResourceExhausted(Grant(f, SmallRefunds(f, "more")).status()));
  CHECK(f.Count(kStandingRejected) == 1);
  // Recorded as a refused approval, with the reason.
  bool recorded = false;
  for (const auto& e : f.Entries("shop")) {
    if (e.kind != kApprovalRejected) continue;
    auto r = DecodeAs<ApprovalRejectionRecord>(f.codec(), e.kind, *e.payload);
    REQUIRE(r.ok());
    recorded |= absl::IsResourceExhausted(r->error);
  }
  CHECK(recorded);
  // A refusal is never capped; another approver is not affected.
  CHECK(f.Submit(f.For(two, "alice", ApprovalVerdict::kDeny)).ok());
  // An hour after the first, alice may sign again.
  f.clock().Advance(absl::Hours(1));
  CHECK(f.Submit(f.For(three, "alice")).ok());
}

void ApplyShadow(ApprovalFixture& f, const std::string& text) {
  PolicyLoad load = CompilePolicy({{{"shadow.policy", text}}, "shadow.policy"},
                                  f.clock().Now());
  REQUIRE(load.errors.empty());
  REQUIRE(f.gate().ApplyShadowPolicy(load).ok());
}

TEST_CASE("shadow mode decides with the standing approvals as the gate would",
          "[standing][shadow]") {
  ApprovalFixture f;
  REQUIRE(Grant(f, SmallRefunds(f)).ok());  // 3 uses
  SECTION("the policy in force as the candidate differs in nothing") {
    ApplyShadow(f, kRefundPolicy);
    // Every use, the last included, and the pending one after them.
    for (const char* order : {"AN-1", "AN-2", "AN-3"}) {
      CHECK(Cites(Decide(f, f.Refund("10.00", order)), "small"));
    }
    CHECK(Decide(f, f.Refund("10.00", "AN-4")).verdict.outcome ==
          Outcome::kPendingApproval);
    CHECK(f.Count(kShadowDiffered) == 0);
    CHECK(f.gate().Status().shadow.decided == 4);
    // The shadow used none of them.
    auto listed = f.gate().ListStanding("shop");
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    CHECK((*listed)[0].uses == 3);
  }
  SECTION("a candidate that asks for a quorum differs") {
    std::string two = kRefundPolicy;
    two.replace(two.find("approve by owner"), 16,
                "approve by finance quorum 2");
    ApplyShadow(f, two);
    CHECK(Cites(Decide(f, f.Refund("10.00", "AN-1")), "small"));
    REQUIRE(f.Count(kShadowDiffered) == 1);
    for (const auto& e : f.Entries("shop")) {
      if (e.kind != kShadowDiffered) continue;
      auto r = DecodeAs<ShadowRecord>(f.codec(), e.kind, *e.payload);
      REQUIRE(r.ok());
      REQUIRE(r->verdict.has_value());
      CHECK(r->verdict->outcome == Outcome::kPendingApproval);
    }
  }
}

TEST_CASE("the fatigue cap counts the signatures made before a restart",
          "[standing][fatigue]") {
  ApprovalFixture f;
  f.options().fatigue_cap = {2, absl::Hours(1)};
  const bool from_snapshot = GENERATE(false, true);
  f.options().snapshot_every_checkpoints = from_snapshot ? 1 : 0;
  f.RestartAndRecover();
  // Over the standing approval's 100 SAR: each waits for approval.
  Decision one = f.Pending(f.Refund("200.00", "AN-1"));
  Decision two = f.Pending(f.Refund("200.00", "AN-2"));
  Decision three = f.Pending(f.Refund("200.00", "AN-3"));
  REQUIRE(f.Submit(f.For(one, "alice")).ok());
  f.clock().Advance(absl::Minutes(10));
  REQUIRE(Grant(f, SmallRefunds(f)).ok());
  // A refusal is not an approving signature.
  REQUIRE(f.Submit(f.For(two, "alice", ApprovalVerdict::kDeny)).ok());
  auto head = f.ledger().Head("shop");
  REQUIRE(head.has_value());
  if (from_snapshot) {
    REQUIRE(f.gate().snapshotter()->WriteSnapshot("shop", head->sequence).ok());
  }

  f.RestartAndRecover();
  CHECK(Shop(f) == (from_snapshot ? head->sequence : 0));
  auto refused = f.Submit(f.For(three, "alice"));
  REQUIRE(absl::IsResourceExhausted(refused.status()));
  CHECK(std::string(refused.status().message()).find("has signed 2") !=
        std::string::npos);
  // The first signature leaves the window an hour after it was made, not
  // an hour after the restart: one more, then the cap again.
  f.clock().Advance(absl::Minutes(50));
  Decision four = f.Pending(f.Refund("200.00", "AN-4"));
  REQUIRE(f.Submit(f.For(three, "alice")).ok());
  CHECK(absl::IsResourceExhausted(f.Submit(f.For(four, "alice")).status()));
}

TEST_CASE("restored signatures from several tenants count together",
          "[fatigue]") {
  const absl::Time t0 = absl::FromUnixSeconds(1'000'000);
  FatigueCap cap({3, absl::Hours(1)});
  // An approver's signatures on two tenants, one of them out of the window.
  cap.Restore("alice", {t0 - absl::Hours(2), t0 + absl::Minutes(5)},
              t0 + absl::Minutes(30));
  cap.Restore("alice", {t0, t0 + absl::Minutes(10)}, t0 + absl::Minutes(30));
  cap.Restore("bob", {}, t0 + absl::Minutes(30));
  CHECK(absl::IsResourceExhausted(
      cap.Take("alice", t0 + absl::Minutes(30), "approval")));
  CHECK(cap.Take("bob", t0 + absl::Minutes(30), "approval").ok());
  // The oldest that counts (t0) frees the first slot an hour after it.
  CHECK(absl::IsResourceExhausted(
      cap.Take("alice", t0 + absl::Minutes(59), "approval")));
  CHECK(cap.Take("alice", t0 + absl::Hours(1), "approval").ok());
}

}  // namespace
}  // namespace portcullis::gate
