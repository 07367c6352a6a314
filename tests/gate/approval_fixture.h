// A gate with a refund policy and a cast of approvers, for the approval,
// execution and kill-switch tests.
#ifndef PORTCULLIS_TESTS_GATE_APPROVAL_FIXTURE_H_
#define PORTCULLIS_TESTS_GATE_APPROVAL_FIXTURE_H_

#include <map>
#include <string>

#include "gate/approval.h"
#include "tests/gate/gate_fixture.h"

namespace portcullis::gate {

inline constexpr char kRefundPolicy[] = R"(
policy "refunds" version "1"
tenant "shop" {
  tool refund_order {
    class write
    irreversible
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
    rule big-refunds "refunds over 1000 SAR need two people from finance"
      approve by finance quorum 2 expires 48h escalate after 4h to owner
      when args.amount > 1000 SAR
    rule refund-cap "refunds are capped at 5000 SAR"
      deny when args.amount > 5000 SAR
    rule refund-spend "at most 3000 SAR of refunds a day"
      limit 3000 SAR of args.amount per 24h
  }
  tool reply_customer {
    class read
    arg text: string
    rule replies "replies are fine"
      allow
  }
}
tenant "other" {
  tool reply_customer {
    class read
    arg text: string
    rule replies "replies are fine"
      allow
  }
}
)";

// The cast: alice (owner), bob and carol (finance), dave (owner of another
// tenant), erin (support), and "bot", which is also the agent's principal.
class ApprovalFixture : public GateFixture {
 public:
  explicit ApprovalFixture(std::string db_dir = "")
      : GateFixture(std::move(db_dir)) {
    for (const char* id : {"alice", "bob", "carol", "dave", "erin", "bot"}) {
      keys_.emplace(id, crypto::SigningKey::Generate());
    }
    auto registry = ApproverRegistry::Create({
        {"alice", key("alice").verifying_key(), {"owner"}, {"shop"}},
        {"bob", key("bob").verifying_key(), {"finance"}, {"shop"}},
        {"carol", key("carol").verifying_key(), {"finance"}, {"shop"}},
        {"dave", key("dave").verifying_key(), {"owner"}, {"other"}},
        {"erin", key("erin").verifying_key(), {"support"}, {"*"}},
        {"bot", key("bot").verifying_key(), {"owner"}, {"shop"}},
    });
    REQUIRE(registry.ok());
    SetApprovers(*std::move(registry));
    Restart();
    ApplyPolicyText(*this, kRefundPolicy);
  }

  const crypto::SigningKey& key(const std::string& approver) {
    return keys_.at(approver);
  }

  // Restarts the gate and brings it back as portcullisd would.
  void RestartAndRecover() {
    Restart();
    REQUIRE(gate().Recover().ok());
    ApplyPolicyText(*this, kRefundPolicy);
  }

  policy::Action Refund(const char* amount, const char* order = "AN-1") {
    policy::Action a = MakeAction("shop", "refund_order");
    a.arguments.clear();
    a.arguments["order_id"] = policy::Value{std::string(order)};
    a.arguments["amount"] =
        policy::Value{policy::Money{*policy::Decimal::Parse(amount), "SAR"}};
    a.idempotency_key = std::string("refund-") + order;
    return a;
  }

  // Evaluates as the agent "bot" and expects PENDING_APPROVAL.
  Decision Pending(const policy::Action& action) {
    auto d = gate().Evaluate(action, {"bot"});
    REQUIRE(d.ok());
    REQUIRE(d->verdict.outcome == policy::Outcome::kPendingApproval);
    return *d;
  }

  // An approval by `approver` for `d`, valid for an hour, as signed.
  Approval For(const Decision& d, const std::string& approver,
               ApprovalVerdict verdict = ApprovalVerdict::kApprove) {
    Approval a;
    a.tenant = d.tenant;
    a.decision_id = d.id;
    a.action_digest = std::string(crypto::AsBytes(d.action_digest));
    a.verdict = verdict;
    a.expires_at = clock().Now() + absl::Hours(1);
    a.approver_id = approver;
    return a;
  }

  // Signs `a` with its approver's key and submits it.
  absl::StatusOr<ApproveResult> Submit(const Approval& a) {
    return gate().Approve(a, SignApproval(a, key(a.approver_id)), {});
  }

  // How many entries of `kind` tenant "shop" has.
  int Count(const std::string& kind) {
    int n = 0;
    for (const auto& e : Entries("shop")) n += e.kind == kind;
    return n;
  }

 private:
  std::map<std::string, crypto::SigningKey> keys_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_TESTS_GATE_APPROVAL_FIXTURE_H_
