// Replay decides session rules exactly as the gate does (issue 21 part 1):
// a mixed workload of taints, counts, sums, approvals granted or left
// pending and full sessions goes through the gate core; every decision, as
// recorded, is decided again by the Replayer, which must agree on each.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "gate/replay/policy_test_runner.h"
#include "gate/replay/replayer.h"
#include "policy/builtin_rules.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate::replay {
namespace {

using policy::Outcome;

constexpr char kParityPolicy[] = R"(
policy "parity" version "1"
tenant "shop" {
  max_sessions 6
  max_session_events 9
  tool read_customer_pii {
    class read
    arg customer_id: string
    rule vip "reading a VIP's record needs the owner"
      approve by owner expires 1h when args.customer_id == "vip"
    rule pii-ok "reading customer records is fine" allow
  }
  tool send_email {
    class write
    arg to: string
    rule no-mail-after-pii "no external email once customer records were read"
      deny after tool read_customer_pii within 2h
    rule mail-ok "email is fine" allow
  }
  tool refund_order {
    class write
    arg amount: money(SAR)
    rule refund-count "at most 3 refunds an hour per conversation"
      deny when count(tool refund_order, 1h, session) >= 3
    rule refund-sum "at most 300 SAR of refunds a day per conversation"
      deny when sum(args.amount, 24h, session) > 300 SAR
    rule big "refunds over 100 SAR need the owner"
      approve by owner expires 1h when args.amount > 100 SAR
    rule refund-ok "refunds are fine" allow
  }
  tool lookup {
    class read
    rule lookup-ok "lookups are fine" allow
  }
}
)";

std::vector<std::string> Ids(const std::vector<policy::RuleCitation>& cited) {
  std::vector<std::string> ids;
  for (const auto& c : cited) ids.push_back(c.id);
  return ids;
}

TEST_CASE("replay decides a mixed session workload as the gate did",
          "[replay][sessions]") {
  ApprovalFixture f;
  ApplyPolicyText(f, kParityPolicy);
  std::mt19937 random(21);  // fixed: the workload is the same every run
  auto pick = [&](int n) {
    return static_cast<int>(random() % static_cast<unsigned>(n));
  };
  const char* agents[] = {"bot-a", "bot-b"};
  const char* sessions[] = {"s-1", "s-2", "s-3", "s-4"};
  const char* amounts[] = {"20", "20", "150", "90"};

  std::vector<RecordedAction> recording;
  struct Open {
    size_t index;
    Decision decision;
  };
  std::vector<Open> pending;
  std::map<std::string, int> seen;  // deciding rule id -> times
  for (int step = 0; step < 300; ++step) {
    f.clock().Advance(absl::Minutes(1 + pick(4)));
    // Now and then grant the oldest open request.
    if (!pending.empty() && pick(3) == 0) {
      Open open = pending.front();
      pending.erase(pending.begin());
      auto granted = f.Submit(f.For(open.decision, "alice"));
      REQUIRE(granted.ok());
      if (granted->decision.verdict.outcome == Outcome::kAllow) {
        recording[open.index].approval_granted_at = f.clock().Now();
        ++seen["granted"];
      } else {
        ++seen["grant-stopped"];
      }
      f.clock().Advance(absl::Seconds(1));
    }
    policy::Action a = MakeAction("shop", "lookup");
    a.arguments.clear();
    a.agent = agents[pick(2)];
    a.context.session_id = sessions[pick(4)];
    switch (pick(5)) {
      case 0:
        a.tool = "read_customer_pii";
        a.arguments["customer_id"] =
            policy::Value{std::string(pick(4) == 0 ? "vip" : "c-1")};
        break;
      case 1:
        a.tool = "send_email";
        a.arguments["to"] = policy::Value{std::string("x@example.com")};
        break;
      case 2:
      case 3:
        a.tool = "refund_order";
        a.arguments["amount"] = policy::Value{
            policy::Money{*policy::Decimal::Parse(amounts[pick(4)]), "SAR"}};
        break;
      default:
        break;  // lookup: never counted
    }
    auto d = f.gate().Evaluate(a, {"bot"});
    REQUIRE(d.ok());
    RecordedAction r;
    r.time = d->decided_at;
    r.action = a;
    r.decision.outcome = FromPolicyOutcome(d->verdict.outcome);
    r.decision.decided_by = Ids(d->verdict.decided_by);
    for (const std::string& id : r.decision.decided_by) ++seen[id];
    recording.push_back(r);
    if (d->verdict.outcome == Outcome::kPendingApproval) {
      pending.push_back({recording.size() - 1, *d});
    }
  }
  // The workload exercised every kind of session decision.
  CHECK(seen["no-mail-after-pii"] > 0);
  CHECK(seen["refund-count"] > 0);
  CHECK(seen["refund-sum"] > 0);
  CHECK(seen["granted"] > 0);
  CHECK(seen[std::string(policy::kBuiltinSessionFull)] > 0);
  CHECK(seen[std::string(policy::kBuiltinSessionLimit)] > 0);
  CHECK(seen["mail-ok"] > 0);

  auto compiled = policy::Compile({{"parity.policy", kParityPolicy}});
  REQUIRE(compiled.errors.empty());
  Replayer replayer(*compiled.policy);
  int changed = 0;
  for (size_t i = 0; i < recording.size(); ++i) {
    auto replayed = replayer.Replay(recording[i]);
    REQUIRE(replayed.ok());
    if (DecisionChanged(recording[i].decision, *replayed)) {
      ++changed;
      UNSCOPED_INFO("action "
                    << i << " (" << recording[i].action.tool << "): gate "
                    << ReplayOutcomeName(recording[i].decision.outcome)
                    << ", replay " << ReplayOutcomeName(replayed->outcome));
    }
  }
  CHECK(changed == 0);
  for (const auto& [id, n] : seen) UNSCOPED_INFO(id << ": " << n);
}

TEST_CASE("a policy test's given actions open and taint the session",
          "[policy-test][sessions]") {
  auto compiled = policy::Compile({{"parity.policy", kParityPolicy}});
  REQUIRE(compiled.errors.empty());
  PolicyTestRunner runner(*compiled.policy);
  const absl::Time t0 = absl::FromUnixSeconds(1767600000);
  policy::Action pii;
  pii.tenant = "shop";
  pii.agent = "bot-a";
  pii.tool = "read_customer_pii";
  pii.arguments["customer_id"] = policy::Value{std::string("c-1")};
  pii.context.session_id = "s-1";
  policy::Action mail = pii;
  mail.tool = "send_email";
  mail.arguments.clear();
  mail.arguments["to"] = policy::Value{std::string("x@example.com")};

  PolicyTestCase test;
  test.name = "no mail after pii";
  test.at = t0 + absl::Minutes(5);
  test.given.push_back({t0, pii, 1});
  test.action = mail;
  test.outcome = ReplayOutcome::kDeny;
  test.decided_by = std::vector<std::string>{"no-mail-after-pii"};
  auto result = runner.Run(test);
  REQUIRE(result.ok());
  CHECK(result->passed);
  // In another session the same mail is fine.
  test.action.context.session_id = "s-2";
  test.outcome = ReplayOutcome::kAllow;
  test.decided_by = std::vector<std::string>{"mail-ok"};
  result = runner.Run(test);
  REQUIRE(result.ok());
  CHECK(result->passed);
  // Nine given reads fill the session: the tenth is refused.
  test.given[0].times = 9;
  test.action = pii;
  test.outcome = ReplayOutcome::kDeny;
  test.decided_by =
      std::vector<std::string>{std::string(policy::kBuiltinSessionFull)};
  result = runner.Run(test);
  REQUIRE(result.ok());
  CHECK(result->passed);
}

}  // namespace
}  // namespace portcullis::gate::replay
