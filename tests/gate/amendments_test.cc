// Approvals that become policy (issue 21): an approver's signed amendment
// proposal is checked against the policy in force, recorded, and once an
// operator applies it, decisions cite the rule and the proposal.
#include <catch2/catch.hpp>

#include "codec/approval_codec.h"
#include "gate/decision_state.h"
#include "policy/amendment.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

constexpr char kNoBig[] =
    "rule no-big \"refunds over 2000 SAR wait for finance\"\n"
    "  deny when args.amount > 2000 SAR";

Approval WithAmendment(Approval a, std::string rule = kNoBig) {
  a.amendment = AmendmentProposal{"refund_order", std::move(rule),
                                  "we never refund that much in one go"};
  return a;
}

std::vector<AmendmentRecord> Amendments(ApprovalFixture& f) {
  std::vector<AmendmentRecord> out;
  for (const auto& e : f.Entries("shop")) {
    if (e.kind != kAmendmentProposed) continue;
    auto record = DecodeAs<AmendmentRecord>(f.codec(), e.kind, *e.payload);
    REQUIRE(record.ok());
    out.push_back(*record);
  }
  return out;
}

TEST_CASE("the signed statement covers the amendment and only then grows",
          "[amendments]") {
  Approval a;
  a.tenant = "shop";
  a.decision_id = "d-1";
  a.action_digest = std::string(32, '\x07');
  a.expires_at = absl::FromUnixSeconds(1767531600);
  a.approver_id = "alice";
  const std::string plain = CanonicalApprovalMessage(a);
  CHECK(ProposalId(a).empty());
  Approval b = WithAmendment(a);
  const std::string amended = CanonicalApprovalMessage(b);
  REQUIRE(amended.size() > plain.size());
  CHECK(amended.substr(0, plain.size()) == plain);
  CHECK(ProposalId(b).size() == 16);
  b.amendment->rationale = "another reason";
  CHECK(CanonicalApprovalMessage(b) != amended);
  CHECK(ProposalId(b) != ProposalId(WithAmendment(a)));
}

TEST_CASE("a proposal that compiles is recorded with the verdict",
          "[amendments]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  Approval a = WithAmendment(f.For(pending, "alice"));
  auto result = f.Submit(a);
  REQUIRE(result.ok());
  CHECK(result->decision.verdict.outcome == Outcome::kAllow);
  CHECK(result->proposal_id == ProposalId(a));
  CHECK(f.Count("approval.granted") == 1);

  std::vector<AmendmentRecord> recorded = Amendments(f);
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].proposal_id == ProposalId(a));
  CHECK(recorded[0].approver_id == "alice");
  CHECK(recorded[0].proposal == *a.amendment);
  CHECK(recorded[0].rule_id == "no-big");
  CHECK(recorded[0].policy_version == "1");
  CHECK(recorded[0].policy_hash == f.gate().policy()->content_hash);
  for (const auto& e : f.Entries("shop")) {
    if (e.kind == kAmendmentProposed) CHECK(e.decision_id == pending.id);
  }
  // The verdict's own record carries the statement, amendment included.
  int verdicts = 0;
  for (const auto& e : f.Entries("shop")) {
    if (e.kind != kApprovalGranted) continue;
    auto verdict = DecodeAs<VerdictRecord>(f.codec(), e.kind, *e.payload);
    REQUIRE(verdict.ok());
    CHECK(verdict->approval.amendment == a.amendment);
    CHECK(VerifyApprovalSignature(verdict->approval, verdict->signature,
                                  f.key("alice").verifying_key()));
    ++verdicts;
  }
  CHECK(verdicts == 1);
}

TEST_CASE("the amendment travels in Approval field 60 and back",
          "[amendments]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  Approval a = WithAmendment(f.For(pending, "alice"));
  portcullis::v1::Approval proto;
  codec::ApprovalToProto(a, &proto);
  CHECK(proto.has_amendment());
  CHECK(proto.GetDescriptor()->FindFieldByName("amendment")->number() == 60);
  auto back = codec::ApprovalFromProto(proto);
  REQUIRE(back.ok());
  CHECK(back->amendment == a.amendment);
  CHECK(CanonicalApprovalMessage(*back) == CanonicalApprovalMessage(a));
  proto.clear_amendment();
  back = codec::ApprovalFromProto(proto);
  REQUIRE(back.ok());
  CHECK_FALSE(back->amendment.has_value());
}

TEST_CASE("a proposal that does not compile is refused and nothing recorded",
          "[amendments]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  SECTION("a type error, with its line and column in the proposal") {
    auto result = f.Submit(
        WithAmendment(f.For(pending, "alice"),
                      "rule r \"d\"\n  deny when args.amount > 20 USD"));
    REQUIRE(absl::IsInvalidArgument(result.status()));
    INFO(result.status().message());
    CHECK(result.status().message().find("proposal:2:27: ") !=
          std::string::npos);
  }
  SECTION("a rule id the policy already has") {
    auto result = f.Submit(
        WithAmendment(f.For(pending, "alice"), "rule refunds \"again\" deny"));
    REQUIRE(absl::IsInvalidArgument(result.status()));
    CHECK(result.status().message().find("proposal:1:6: ") !=
          std::string::npos);
  }
  SECTION("more than one rule") {
    auto result = f.Submit(WithAmendment(
        f.For(pending, "alice"), "rule r \"d\" deny } tool t { class read"));
    REQUIRE(absl::IsInvalidArgument(result.status()));
    CHECK(result.status().message().find("exactly one rule") !=
          std::string::npos);
  }
  SECTION("a tool the tenant does not declare") {
    Approval a = WithAmendment(f.For(pending, "alice"));
    a.amendment->tool = "cancel_order";
    auto result = f.Submit(a);
    REQUIRE(absl::IsInvalidArgument(result.status()));
  }
  CHECK(Amendments(f).empty());
  CHECK(f.Count("approval.granted") == 0);
  CHECK(f.Count("approval.rejected") == 1);
  CHECK(f.gate().ListPending("shop")->size() == 1);
}

TEST_CASE("a tampered proposal fails signature verification", "[amendments]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  Approval a = WithAmendment(f.For(pending, "alice"));
  std::string signature = SignApproval(a, f.key("alice"));
  SECTION("the rule changed") {
    a.amendment->rule = "rule no-big \"d\" deny when args.amount > 20 SAR";
  }
  SECTION("the rationale changed") { a.amendment->rationale = "because"; }
  SECTION("the tool changed") { a.amendment->tool = "reply_customer"; }
  SECTION("added to a statement signed without one") {
    Approval plain = f.For(pending, "alice");
    signature = SignApproval(plain, f.key("alice"));
  }
  SECTION("dropped from a statement signed with one") { a.amendment.reset(); }
  auto result = f.gate().Approve(a, signature, {});
  REQUIRE(absl::IsPermissionDenied(result.status()));
  CHECK(Amendments(f).empty());
  CHECK(f.Count("approval.granted") == 0);
}

TEST_CASE("a proposal for another tenant is refused", "[amendments]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  // dave approves for tenant "other" only.
  auto result = f.Submit(WithAmendment(f.For(pending, "dave")));
  REQUIRE(absl::IsPermissionDenied(result.status()));
  CHECK(Amendments(f).empty());
}

TEST_CASE("after the amendment is applied decisions cite rule and proposal",
          "[amendments]") {
  ApprovalFixture f;
  Decision pending = f.Pending(f.Refund("120.00"));
  Approval a = WithAmendment(f.For(pending, "alice"));
  auto result = f.Submit(a);
  REQUIRE(result.ok());

  std::vector<policy::SourceFile> files = {{"test.policy", kRefundPolicy}};
  policy::AmendResult amended = policy::AmendPolicy(
      files, {"shop", "refund_order", a.amendment->rule, result->proposal_id});
  REQUIRE(amended.errors.empty());
  ApplyPolicyText(f, amended.files[0].content);

  auto decision = f.gate().Evaluate(f.Refund("2500.00", "AN-2"), {"bot"});
  REQUIRE(decision.ok());
  CHECK(decision->verdict.outcome == Outcome::kDeny);
  REQUIRE(decision->verdict.decided_by.size() == 1);
  CHECK(decision->verdict.decided_by[0].id == "no-big");
  CHECK(decision->verdict.decided_by[0].proposal == result->proposal_id);

  // And so does the ledger entry.
  bool found = false;
  for (const auto& e : f.Entries("shop")) {
    if (e.kind != kActionEvaluated || e.decision_id != decision->id) continue;
    auto record = DecodeAs<EvaluationRecord>(f.codec(), e.kind, *e.payload);
    REQUIRE(record.ok());
    REQUIRE(record->decision.verdict.decided_by.size() == 1);
    CHECK(record->decision.verdict.decided_by[0].proposal ==
          result->proposal_id);
    found = true;
  }
  CHECK(found);
}

}  // namespace
}  // namespace portcullis::gate
