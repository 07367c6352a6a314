// Replay charges as the gate does (issue 20): a mixed workload — allows,
// rate and spend limit denials, a cap, rejections, approvals granted later
// (some stopped at grant time by the limits), standing approvals' uses —
// goes through a real gate on a real ledger. Its ledger is exported line by
// line as `portcullis ledger export --format replay` does
// (RecordedActionFor) and replayed against the same policy: every replayed
// decision is the live one, and replay's counters end as the gate's.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cli/replay_export.h"
#include "gate/internal/recovery.h"
#include "gate/internal/tenant_book.h"
#include "gate/replay/replayer.h"
#include "gate/standing_approval.h"
#include "policy/compiler.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::cli {
namespace {

using gate::replay::ReplayOutcome;
using policy::Outcome;

constexpr char kParityPolicy[] = R"(
policy "parity" version "1"
tenant "shop" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refund-cap "refunds are capped at 500 SAR"
      deny when args.amount > 500 SAR
    rule refund-rate "at most 3 refunds an hour"
      limit 3 per 1h
    rule refund-spend "at most 5000 SAR of refunds a day"
      limit 5000 SAR of args.amount per 24h
    rule big "refunds over 100 SAR need the owner"
      approve by owner expires 24h when args.amount > 100 SAR
    rule refund-ok "small refunds are fine" allow
  }
  tool reply_customer {
    class read
    arg text: string
    rule replies "replies are fine" allow
  }
}
)";

policy::Value Sar(const char* amount) {
  return policy::Value{policy::Money{*policy::Decimal::Parse(amount), "SAR"}};
}

// Alice's standing approval of refunds up to 300 SAR: a day, 4 uses.
gate::StandingApproval SmallRefunds(gate::ApprovalFixture& f,
                                    const std::string& id) {
  gate::StandingApproval s;
  s.tenant = "shop";
  s.id = id;
  s.tool = "refund_order";
  s.constraints = {{"amount", gate::ConstraintOp::kLe, Sar("300")}};
  s.not_before = f.clock().Now();
  s.not_after = f.clock().Now() + absl::Hours(24);
  s.max_uses = 4;
  s.approver_id = "alice";
  return s;
}

// A counter's events still in its window at `at`: what a decision then
// reads. (Counters forget old events lazily, each when it is next charged,
// and a projection from the ledger holds only the windows' events.)
using Standing = std::vector<
    std::pair<std::string, std::vector<std::pair<absl::Time, std::string>>>>;
Standing InWindow(const gate::UsageCounters& usage, absl::Time at) {
  Standing out;
  for (const auto& series : usage.Export()) {
    std::vector<std::pair<absl::Time, std::string>> events;
    for (const auto& [when, amount] : series.events) {
      if (when > at - series.window) {
        events.emplace_back(when, amount.ToString());
      }
    }
    if (!events.empty()) out.emplace_back(series.counter, std::move(events));
  }
  return out;
}

TEST_CASE(
    "replay decides and charges a recorded mixed workload as the live gate "
    "did",
    "[replay][kernel]") {
  gate::ApprovalFixture f;
  gate::ApplyPolicyText(f, kParityPolicy);
  std::mt19937 random(20);  // fixed: the workload is the same every run
  auto pick = [&](int n) {
    return static_cast<int>(random() % static_cast<unsigned>(n));
  };
  const char* amounts[] = {"20", "60", "90", "150", "250", "450", "700"};

  // What the gate answered, call by call; each step's grant comes before
  // its action, so replay (which charges a grant when the tenant's next
  // action comes) sees every grant.
  std::vector<absl::StatusOr<gate::Decision>> live;
  std::vector<gate::Decision> open;  // pending, oldest first
  std::map<std::string, int> seen;   // deciding rule id or event -> times
  int standing_grants = 0;
  for (int step = 0; step < 240; ++step) {
    f.clock().Advance(absl::Minutes(1 + pick(20)));
    if (step % 80 == 20) {
      gate::StandingApproval s =
          SmallRefunds(f, "small-" + std::to_string(++standing_grants));
      REQUIRE(f.gate()
                  .GrantStanding(s, SignStanding(s, f.key("alice")), {"alice"})
                  .ok());
    }
    // Now and then alice grants the oldest open request; the gate decides
    // it again then, and its limits may stop it.
    if (!open.empty() && pick(3) == 0) {
      gate::Decision d = open.front();
      open.erase(open.begin());
      auto granted = f.Submit(f.For(d, "alice"));
      REQUIRE(granted.ok());
      ++seen[granted->decision.verdict.outcome == Outcome::kAllow
                 ? "granted"
                 : "grant-stopped"];
      f.clock().Advance(absl::Seconds(30));
    }
    policy::Action a = gate::MakeAction("shop", "reply_customer");
    a.agent = "bot";
    a.arguments.clear();
    a.idempotency_key = "step-" + std::to_string(step);
    const int kind = pick(6);
    if (kind >= 4) {
      a.arguments["text"] = policy::Value{std::string("on its way")};
    } else {
      a.tool = "refund_order";
      a.arguments["order_id"] = policy::Value{"AN-" + std::to_string(step)};
      a.arguments["amount"] = Sar(amounts[pick(7)]);
      // Now and then in another currency: rejected, as the policy reads it.
      if (kind == 3 && pick(4) == 0) {
        a.arguments["amount"] =
            policy::Value{policy::Money{*policy::Decimal::Parse("10"), "USD"}};
      }
    }
    absl::StatusOr<gate::Decision> d = f.gate().Evaluate(a, {"bot"});
    if (d.ok()) {
      for (const auto& rule : d->verdict.decided_by) ++seen[rule.id];
      if (d->verdict.outcome == Outcome::kPendingApproval) open.push_back(*d);
    } else {
      REQUIRE(absl::IsInvalidArgument(d.status()));
      ++seen["rejected"];
    }
    live.push_back(std::move(d));
  }
  // The workload exercised every kind of decision and of charge.
  INFO("seen: " << [&] {
    std::string out;
    for (const auto& [what, n] : seen) {
      out += what + "=" + std::to_string(n) + " ";
    }
    return out;
  }());
  CHECK(seen["refund-ok"] > 0);
  CHECK(seen["refund-rate"] > 0);
  CHECK(seen["refund-spend"] > 0);
  CHECK(seen["refund-cap"] > 0);
  CHECK(seen["rejected"] > 0);
  CHECK(seen["granted"] > 0);
  CHECK(seen["grant-stopped"] > 0);
  CHECK(seen["standing:small-1"] > 0);
  CHECK(seen["standing:small-2"] > 0);

  // Exported as `portcullis ledger export --format replay` would.
  std::vector<gate::replay::RecordedAction> recording;
  StandingGrants grants;
  for (const ledger::Entry& entry : f.Entries("shop")) {
    if (entry.kind != gate::kActionEvaluated &&
        entry.kind != gate::kActionRejected) {
      continue;
    }
    auto line = RecordedActionFor(f.ledger(), f.codec(), entry, &grants);
    REQUIRE(line.ok());
    if (line->has_value()) recording.push_back(**std::move(line));
  }
  REQUIRE(recording.size() == live.size());

  auto compiled = policy::Compile({{"parity.policy", kParityPolicy}});
  REQUIRE(compiled.errors.empty());
  gate::replay::Replayer replayer(*compiled.policy);
  for (size_t i = 0; i < recording.size(); ++i) {
    INFO("line " << i << ", entry " << recording[i].ledger_sequence);
    auto replayed = replayer.Replay(recording[i]);
    REQUIRE(replayed.ok());
    const absl::StatusOr<gate::Decision>& was = live[i];
    if (!was.ok()) {
      CHECK(replayed->outcome == ReplayOutcome::kRejected);
      continue;
    }
    CHECK(recording[i].decision_id == was->id);
    CHECK(replayed->outcome ==
          gate::replay::FromPolicyOutcome(was->verdict.outcome));
    CHECK(replayed->decided_by == was->verdict.decided_by);
  }

  // The gate's counters, built from the charges it recorded (as it
  // restarts with them), and replay's, as they stand now.
  const absl::Time now = f.clock().Now();
  auto projection = gate::ProjectFully(f.ledger(), f.codec(), "shop", now,
                                       gate::RecoveryWindowsOf(f.options()));
  REQUIRE(projection.ok());
  gate::TenantBook gate_state;
  REQUIRE(projection
              ->Materialize(f.ledger(), f.codec(), "shop", now,
                            gate::RecoveryWindowsOf(f.options()), gate_state)
              .ok());
  const gate::UsageCounters& replayed = replayer.CountersAt("shop", now);
  Standing expected = InWindow(gate_state.Usage(), now);
  CHECK_FALSE(expected.empty());
  CHECK(InWindow(replayed, now) == expected);
}

}  // namespace
}  // namespace portcullis::cli
