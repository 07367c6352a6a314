// Replay and live evaluation charge identically (issue 20, item 1): a mixed
// workload on two tenants — allows, a cap, rate and spend limits, session
// limits and full sessions, approvals granted later (some stopped by the
// limits at grant time), rejections — goes through a live gate with a fake
// clock for longer than its limits' windows. Its ledger is then read back
// as a recording (each decision as recorded, with when its approval was
// granted) and replayed against the same policy: every replayed decision is
// the live one, and at every checkpoint of the run each tenant's counters,
// as replay built them, hold exactly the charges the gate recorded, event
// by event.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gate/internal/recovery.h"
#include "gate/replay/replayer.h"
#include "gate/state_snapshot.h"
#include "policy/builtin_rules.h"
#include "policy/compiler.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate::replay {
namespace {

using policy::Outcome;

constexpr char kEquivalencePolicy[] = R"(
policy "equivalence" version "1"
tenant "shop" {
  max_sessions 3
  max_session_events 5
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refund-cap "refunds are capped at 500 SAR"
      deny when args.amount > 500 SAR
    rule session-refunds "at most 2 refunds an hour per conversation"
      deny when count(tool refund_order, 1h, session) >= 2
    rule session-spend "at most 600 SAR of refunds a day per conversation"
      deny when sum(args.amount, 24h, session) > 600 SAR
    rule refund-rate "at most 3 refunds an hour"
      limit 3 per 1h
    rule refund-spend "at most 2000 SAR of refunds a day"
      limit 2000 SAR of args.amount per 24h
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
tenant "other" {
  tool create_coupon {
    class write
    arg value: money(SAR)
    rule coupon-rate "at most 2 coupons in 30 minutes"
      limit 2 per 30m
    rule coupon-spend "at most 100 SAR of coupons in 6 hours"
      limit 100 SAR of args.value per 6h
    rule coupons "coupons are fine" allow
  }
}
)";

constexpr const char* kTenants[] = {"shop", "other"};

policy::Value Money(const char* amount, const char* currency = "SAR") {
  return policy::Value{
      policy::Money{*policy::Decimal::Parse(amount), currency}};
}

// A counter's events still in its window at `at`, as text: what a decision
// then reads. (Counters forget old events lazily, when next charged.)
using Counters = std::vector<
    std::pair<std::string, std::vector<std::pair<absl::Time, std::string>>>>;
Counters InWindow(const std::vector<UsageCounters::SeriesEvents>& usage,
                  absl::Time at) {
  Counters out;
  for (const auto& series : usage) {
    std::vector<std::pair<absl::Time, std::string>> events;
    for (const auto& [when, amount] : series.events) {
      if (when > at - series.window) {
        events.emplace_back(when, amount.ToString());
      }
    }
    if (!events.empty()) out.emplace_back(series.counter, std::move(events));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The gate's counters at `now`: the charges it recorded, projected from
// its ledger as it restarts with them.
Counters GateCounters(ApprovalFixture& f, const std::string& tenant,
                      absl::Time now) {
  const RecoveryWindows windows = RecoveryWindowsOf(f.options());
  absl::StatusOr<TenantProjection> projection =
      ProjectFully(f.ledger(), f.codec(), tenant, now, windows);
  REQUIRE(projection.ok());
  return InWindow(projection->ToSnapshot(tenant, now, windows).usage, now);
}

// The tenant's decisions as recorded, in ledger order, in the form replay
// reads (docs/replay.md): each "action.evaluated" entry with when its
// approval was granted, and each action rejected as INVALID_ARGUMENT.
std::vector<RecordedAction> Recording(ApprovalFixture& f,
                                      const std::string& tenant) {
  std::vector<RecordedAction> out;
  std::map<std::string, size_t> by_decision;
  for (const ledger::Entry& entry : f.Entries(tenant)) {
    REQUIRE(entry.payload.has_value());
    if (entry.kind == kActionEvaluated) {
      auto record =
          DecodeAs<EvaluationRecord>(f.codec(), entry.kind, *entry.payload);
      REQUIRE(record.ok());
      RecordedAction r;
      r.time = entry.time;
      r.action = record->action;
      r.decision.outcome = FromPolicyOutcome(record->decision.verdict.outcome);
      for (const auto& rule : record->decision.verdict.decided_by) {
        r.decision.decided_by.push_back(rule.id);
      }
      r.decision_id = record->decision.id;
      r.ledger_sequence = entry.sequence;
      by_decision[r.decision_id] = out.size();
      out.push_back(std::move(r));
    } else if (entry.kind == kActionRejected) {
      auto record =
          DecodeAs<RejectionRecord>(f.codec(), entry.kind, *entry.payload);
      REQUIRE(record.ok());
      if (!absl::IsInvalidArgument(record->error)) continue;
      RecordedAction r;
      r.time = entry.time;
      r.action = record->action;
      r.decision.outcome = ReplayOutcome::kRejected;
      r.ledger_sequence = entry.sequence;
      out.push_back(std::move(r));
    } else if (entry.kind == kApprovalGranted) {
      auto record =
          DecodeAs<VerdictRecord>(f.codec(), entry.kind, *entry.payload);
      REQUIRE(record.ok());
      if (record->resolution != Resolution::kGranted) continue;
      REQUIRE(by_decision.contains(entry.decision_id));
      out[by_decision[entry.decision_id]].approval_granted_at = entry.time;
    }
  }
  return out;
}

std::vector<std::string> Ids(const std::vector<policy::RuleCitation>& rules) {
  std::vector<std::string> ids;
  for (const auto& rule : rules) ids.push_back(rule.id);
  return ids;
}

TEST_CASE(
    "replay decides and charges a recorded mixed workload exactly as live "
    "evaluation did",
    "[replay][kernel]") {
  ApprovalFixture f;
  ApplyPolicyText(f, kEquivalencePolicy);
  std::mt19937 random(2020);  // fixed: the workload is the same every run
  auto pick = [&](int n) {
    return static_cast<int>(random() % static_cast<unsigned>(n));
  };
  const char* refunds[] = {"20",  "20",  "40",  "60", "90",
                           "150", "250", "450", "700"};
  const char* coupons[] = {"10", "25", "40"};
  // Mostly three conversations, now and then a fourth, which the tenant's
  // max_sessions may refuse.
  const char* sessions[] = {"s-1", "s-2", "s-3", "s-1", "s-2",
                            "s-3", "s-1", "s-2", "s-3", "s-4"};
  const absl::Time start = f.clock().Now();

  // The live answers by decision id, and each tenant's counters at every
  // checkpoint, as the gate recorded them.
  std::map<std::string, Decision> live;
  int rejected = 0;
  struct Checkpoint {
    absl::Time at;
    std::map<std::string, Counters> counters;  // by tenant
  };
  std::vector<Checkpoint> checkpoints;
  std::vector<Decision> open;       // pending, oldest first
  std::map<std::string, int> seen;  // deciding rule id or event -> times
  for (int step = 0; step < 400; ++step) {
    f.clock().Advance(absl::Minutes(1 + pick(15)));
    // Now and then alice grants the oldest open request; the gate decides
    // it again then, and its limits may stop it.
    if (!open.empty() && pick(3) == 0) {
      Decision d = open.front();
      open.erase(open.begin());
      auto granted = f.Submit(f.For(d, "alice"));
      REQUIRE(granted.ok());
      ++seen[granted->decision.verdict.outcome == Outcome::kAllow
                 ? "granted"
                 : "grant-stopped"];
      f.clock().Advance(absl::Seconds(30));
    }
    policy::Action a = MakeAction("shop", "reply_customer");
    a.arguments.clear();
    a.agent = pick(2) == 0 ? "bot-a" : "bot-b";
    a.context.session_id = sessions[pick(10)];
    const int kind = pick(8);
    if (kind < 2) {
      a.arguments["text"] = policy::Value{std::string("on its way")};
    } else if (kind < 6) {
      a.tool = "refund_order";
      a.arguments["order_id"] = policy::Value{"AN-" + std::to_string(step)};
      a.arguments["amount"] = Money(refunds[pick(9)]);
      // Now and then in another currency: rejected, as the policy reads it.
      if (pick(12) == 0) a.arguments["amount"] = Money("10", "USD");
    } else {
      a.tenant = "other";
      a.tool = "create_coupon";
      a.arguments["value"] = Money(coupons[pick(3)]);
    }
    absl::StatusOr<Decision> d = f.gate().Evaluate(a, {"bot"});
    if (d.ok()) {
      for (const auto& rule : d->verdict.decided_by) ++seen[rule.id];
      if (d->verdict.outcome == Outcome::kPendingApproval) open.push_back(*d);
      live.emplace(d->id, *d);
    } else {
      REQUIRE(absl::IsInvalidArgument(d.status()));
      ++rejected;
    }
    if (step % 20 == 19) {
      Checkpoint c{f.clock().Now(), {}};
      for (const char* tenant : kTenants) {
        c.counters[tenant] = GateCounters(f, tenant, c.at);
      }
      checkpoints.push_back(std::move(c));
    }
  }
  // The workload exercised every kind of decision and of charge, for
  // longer than the longest window.
  INFO("seen: " << [&] {
    std::string out;
    for (const auto& [what, n] : seen) {
      out += what + "=" + std::to_string(n) + " ";
    }
    return out;
  }());
  CHECK(f.clock().Now() - start > absl::Hours(48));
  for (absl::string_view rule :
       {absl::string_view("refund-ok"), absl::string_view("refund-cap"),
        absl::string_view("session-refunds"),
        absl::string_view("session-spend"), absl::string_view("refund-rate"),
        absl::string_view("refund-spend"), absl::string_view("replies"),
        absl::string_view("granted"), absl::string_view("grant-stopped"),
        absl::string_view("coupons"), absl::string_view("coupon-rate"),
        absl::string_view("coupon-spend"), policy::kBuiltinSessionFull,
        policy::kBuiltinSessionLimit}) {
    INFO(rule);
    CHECK(seen[std::string(rule)] > 0);
  }
  CHECK(rejected > 0);

  // Each tenant's recording, merged in time order (ledger order within a
  // tenant), as one replay.
  std::vector<RecordedAction> recording;
  for (const char* tenant : kTenants) {
    std::vector<RecordedAction> lines = Recording(f, tenant);
    recording.insert(recording.end(), lines.begin(), lines.end());
  }
  std::stable_sort(recording.begin(), recording.end(),
                   [](const RecordedAction& a, const RecordedAction& b) {
                     return a.time < b.time;
                   });
  REQUIRE(recording.size() == live.size() + rejected);

  auto compiled = policy::Compile({{"equivalence.policy", kEquivalencePolicy}});
  REQUIRE(compiled.errors.empty());
  Replayer replayer(*compiled.policy);
  int differences = 0;
  size_t next = 0;
  auto replay_through = [&](absl::Time t) {
    for (; next < recording.size() && recording[next].time <= t; ++next) {
      const RecordedAction& r = recording[next];
      INFO("entry " << r.action.tenant << "/" << r.ledger_sequence << " ("
                    << r.action.tool << ")");
      absl::StatusOr<ReplayedDecision> replayed = replayer.Replay(r);
      REQUIRE(replayed.ok());
      if (r.decision.outcome == ReplayOutcome::kRejected) {
        differences += replayed->outcome != ReplayOutcome::kRejected;
        continue;
      }
      REQUIRE(live.contains(r.decision_id));
      const Decision& was = live.at(r.decision_id);
      // Recorded as answered, and replayed as answered.
      CHECK_FALSE(DecisionChanged(r.decision, *replayed));
      const bool same =
          replayed->outcome == FromPolicyOutcome(was.verdict.outcome) &&
          Ids(replayed->decided_by) == Ids(was.verdict.decided_by);
      CHECK(same);
      differences += !same;
    }
  };
  for (const Checkpoint& c : checkpoints) {
    replay_through(c.at);
    for (const char* tenant : kTenants) {
      INFO("tenant " << tenant << " at +"
                     << absl::FormatDuration(c.at - start));
      Counters replayed =
          InWindow(replayer.CountersAt(tenant, c.at).Export(), c.at);
      CHECK(replayed == c.counters.at(tenant));
      differences += replayed != c.counters.at(tenant);
    }
  }
  replay_through(absl::InfiniteFuture());
  CHECK(next == recording.size());
  CHECK(differences == 0);
  // Some checkpoint saw charges leave a window: the first checkpoint's
  // events are gone by the last.
  REQUIRE(checkpoints.size() > 2);
  CHECK_FALSE(checkpoints.front().counters.at("shop").empty());
  CHECK(checkpoints.front().counters.at("shop") !=
        checkpoints.back().counters.at("shop"));
}

}  // namespace
}  // namespace portcullis::gate::replay
