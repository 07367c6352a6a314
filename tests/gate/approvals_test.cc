// The approval flow through the gate core: signed verdicts, every
// rejection path, quorum, refusal, re-checked limits and restarts.
#include <catch2/catch.hpp>

#include "gate/decision_state.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

TEST_CASE("an owner's approval turns a pending refund into an allow",
          "[approvals]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  REQUIRE(pending.verdict.approvals.size() == 1);
  CHECK(f.Count("approval.requested") == 1);

  Approval a = f.For(pending, "alice");
  a.comment = "customer sent photos";
  auto result = f.Submit(a);
  REQUIRE(result.ok());
  CHECK(result->decision.verdict.outcome == Outcome::kAllow);
  CHECK(result->decision.expires_at == f.clock().Now() + f.options().grant_ttl);
  CHECK_FALSE(result->pending.has_value());
  CHECK(f.gate().ListPending("shop")->empty());

  auto state = LoadDecision(f.ledger(), f.codec(), "shop", pending.id);
  REQUIRE(state.ok());
  CHECK(state->current.verdict.outcome == Outcome::kAllow);
  REQUIRE(state->votes.size() == 1);
  CHECK(state->votes[0].approver_id == "alice");
  CHECK(state->votes[0].comment == "customer sent photos");
  CHECK(f.Count("approval.granted") == 1);
}

TEST_CASE(
    "every kind of bad approval is rejected, recorded, and allows "
    "nothing",
    "[approvals]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  Decision other = f.Pending(f.Refund("130.00", "AN-2"));

  struct Case {
    const char* name;
    Approval approval;
    std::string signature;
    absl::StatusCode code;
    const char* words;
  };
  std::vector<Case> cases;
  auto signed_case = [&](const char* name, Approval a, absl::StatusCode code,
                         const char* words) {
    std::string sig = SignApproval(a, f.key(a.approver_id));
    cases.push_back({name, a, sig, code, words});
  };

  Approval other_digest = f.For(pending, "alice");
  other_digest.action_digest =
      std::string(crypto::AsBytes(other.action_digest));
  signed_case("signed over another action's digest", other_digest,
              absl::StatusCode::kPermissionDenied, "different action");

  Approval moved = f.For(pending, "alice");
  moved.tenant = "other";
  std::string sig_for_other = SignApproval(moved, f.key("alice"));
  moved.tenant = "shop";
  cases.push_back({"signed for another tenant", moved, sig_for_other,
                   absl::StatusCode::kPermissionDenied, "does not verify"});

  Approval changed = f.For(pending, "alice");
  std::string sig_before = SignApproval(changed, f.key("alice"));
  changed.verdict = ApprovalVerdict::kDeny;
  cases.push_back({"verdict changed after signing", changed, sig_before,
                   absl::StatusCode::kPermissionDenied, "does not verify"});

  Approval stale = f.For(pending, "alice");
  stale.expires_at = f.clock().Now();
  signed_case("an expired statement", stale,
              absl::StatusCode::kFailedPrecondition, "expired");

  Approval short_sig = f.For(pending, "alice");
  cases.push_back({"a malformed signature", short_sig, "too short",
                   absl::StatusCode::kInvalidArgument, "signature"});

  Approval bad_digest = f.For(pending, "alice");
  bad_digest.action_digest = "not 32 bytes";
  signed_case("a malformed digest", bad_digest,
              absl::StatusCode::kInvalidArgument, "action_digest");

  signed_case("an approver without the role", f.For(pending, "erin"),
              absl::StatusCode::kPermissionDenied, "none of the roles");
  signed_case("an approver of another tenant", f.For(pending, "dave"),
              absl::StatusCode::kPermissionDenied, "may not approve");
  signed_case("the principal that requested the action", f.For(pending, "bot"),
              absl::StatusCode::kPermissionDenied, "requested this action");

  Approval stranger = f.For(pending, "alice");
  stranger.approver_id = "mallory";
  cases.push_back({"an unknown approver", stranger,
                   SignApproval(stranger, f.key("alice")),
                   absl::StatusCode::kPermissionDenied, "not registered"});

  Approval unknown_decision = f.For(pending, "alice");
  unknown_decision.decision_id = std::string(32, 'f');
  signed_case("an unknown decision", unknown_decision,
              absl::StatusCode::kNotFound, "no decision");

  int rejected_before = f.Count("approval.rejected");
  for (const Case& c : cases) {
    INFO(c.name);
    auto result = f.gate().Approve(c.approval, c.signature, {});
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == c.code);
    CHECK(result.status().message().find(c.words) != std::string::npos);
  }
  CHECK(f.Count("approval.rejected") - rejected_before ==
        static_cast<int>(cases.size()));
  // Nothing was approved: both requests still wait, and neither executes.
  CHECK(f.gate().ListPending("shop")->size() == 2);
  auto execute = f.gate().Execute(pending.id, f.Refund("120.00"), {"bot"});
  CHECK(execute.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(execute.status().message().find("waiting for approval") !=
        std::string::npos);
}

TEST_CASE("a replayed approval does not count twice", "[approvals]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("1200.00"));
  Approval bob = f.For(pending, "bob");
  REQUIRE(f.Submit(bob).ok());
  auto replay = f.Submit(bob);
  CHECK(replay.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(replay.status().message().find("replay") != std::string::npos);
  auto state = f.gate().ListPending("shop");
  REQUIRE(state->size() == 1);
  CHECK((*state)[0].votes.size() == 1);
}

TEST_CASE("a quorum needs distinct approvers for every requirement",
          "[approvals]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("1200.00"));
  REQUIRE(pending.verdict.approvals.size() == 2);

  auto bob = f.Submit(f.For(pending, "bob"));
  REQUIRE(bob.ok());
  CHECK(bob->decision.verdict.outcome == Outcome::kPendingApproval);
  REQUIRE(bob->pending.has_value());
  CHECK(bob->pending->votes.size() == 1);

  auto alice = f.Submit(f.For(pending, "alice"));
  REQUIRE(alice.ok());
  // The owner is satisfied; finance still needs a second person.
  CHECK(alice->decision.verdict.outcome == Outcome::kPendingApproval);

  auto carol = f.Submit(f.For(pending, "carol"));
  REQUIRE(carol.ok());
  CHECK(carol->decision.verdict.outcome == Outcome::kAllow);
}

TEST_CASE("one refusal denies, with its comment recorded", "[approvals]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("1200.00"));
  REQUIRE(f.Submit(f.For(pending, "bob")).ok());
  Approval no = f.For(pending, "carol", ApprovalVerdict::kDeny);
  no.comment = "order was never shipped";
  auto result = f.Submit(no);
  REQUIRE(result.ok());
  CHECK(result->decision.verdict.outcome == Outcome::kDeny);
  REQUIRE(result->decision.verdict.reasons.size() == 1);
  CHECK(result->decision.verdict.reasons[0] ==
        "denied by carol: order was never shipped");
  CHECK(f.Count("approval.denied") == 1);
  // A later approval finds nothing to approve.
  auto late = f.Submit(f.For(pending, "alice"));
  CHECK(late.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(late.status().message().find("was denied") != std::string::npos);
}

TEST_CASE("a hard limit is re-checked when the grant is made", "[approvals]") {
  ApprovalFixture f;
  // Two refunds of 2000 SAR each fit the 3000 SAR daily spend when they
  // are evaluated, but only one of them can be granted.
  Decision first = f.Pending(f.Refund("2000.00", "AN-1"));
  Decision second = f.Pending(f.Refund("2000.00", "AN-2"));
  for (const char* who : {"alice", "bob", "carol"}) {
    REQUIRE(f.Submit(f.For(first, who)).ok());
  }
  CHECK(f.gate()
            .AwaitDecision("shop", first.id, absl::ZeroDuration())
            ->verdict.outcome == Outcome::kAllow);
  REQUIRE(f.Submit(f.For(second, "alice")).ok());
  REQUIRE(f.Submit(f.For(second, "bob")).ok());
  auto last = f.Submit(f.For(second, "carol"));
  REQUIRE(last.ok());
  CHECK(last->decision.verdict.outcome == Outcome::kDeny);
  REQUIRE_FALSE(last->decision.verdict.decided_by.empty());
  CHECK(last->decision.verdict.decided_by[0].id == "refund-spend");
}

TEST_CASE("a pending request survives a restart with its verdicts",
          "[approvals]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("1200.00"));
  REQUIRE(f.Submit(f.For(pending, "bob")).ok());
  f.RestartAndRecover();
  auto list = f.gate().ListPending("shop");
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].original.id == pending.id);
  REQUIRE((*list)[0].votes.size() == 1);
  CHECK((*list)[0].votes[0].approver_id == "bob");
  // Bob's earlier verdict still counts, and cannot be replayed.
  CHECK(f.Submit(f.For(pending, "bob")).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  REQUIRE(f.Submit(f.For(pending, "carol")).ok());
  auto done = f.Submit(f.For(pending, "alice"));
  REQUIRE(done.ok());
  CHECK(done->decision.verdict.outcome == Outcome::kAllow);
}

TEST_CASE("an approved spend still counts after a restart", "[approvals]") {
  ApprovalFixture f;
  Decision first = f.Pending(f.Refund("2000.00", "AN-1"));
  for (const char* who : {"alice", "bob", "carol"}) {
    REQUIRE(f.Submit(f.For(first, who)).ok());
  }
  f.RestartAndRecover();
  // 2000 approved + 2000 more would exceed the 3000 SAR day.
  auto again = f.gate().Evaluate(f.Refund("2000.00", "AN-2"), {"bot"});
  REQUIRE(again.ok());
  CHECK(again->verdict.outcome == Outcome::kDeny);
}

}  // namespace
}  // namespace portcullis::gate
