// Rate and spend limits: what counts, which counter, which window, and that
// a limit is a hard deny.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "policy/compiled_policy.h"
#include "policy/internal/limit_check.h"
#include "tests/policy/fake_usage.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::CitedIds;
using testing::Dec;
using testing::FakeUsage;
using testing::Int;
using testing::MakeAction;
using testing::MoneyValue;
using testing::Str;

const absl::Time kNow = absl::FromUnixSeconds(1767528000);

std::shared_ptr<const CompiledPolicy> Shop(const std::string& rules,
                                           const std::string& wide = "") {
  return testing::MustCompile(R"(
policy "p" version "1"
tenant "shop" {
)" + wide + R"(
  tool pay {
    class write
    arg amount: money(SAR)
    arg customer: string = "anon"
    arg tier: enum(gold, silver) = "silver"
    arg n: int = 0
    arg vip: bool = false
)" + rules + R"(
    rule ok "paying is fine" allow
  }
  tool look { class read rule look-ok "looking is fine" allow }
}
)");
}

Action Pay(const char* amount = "10", std::map<std::string, Value> more = {}) {
  more["amount"] = MoneyValue(amount, "SAR");
  return MakeAction("shop", "pay", std::move(more));
}

std::vector<std::string> Counters(const Verdict& verdict) {
  std::vector<std::string> out;
  for (const UsageCharge& c : verdict.charges) out.push_back(c.counter);
  return out;
}

TEST_CASE("a rate limit reads its counter over the window ending now",
          "[limits]") {
  auto policy = Shop("    rule r \"at most 3 an hour\" limit 3 per 1h");
  FakeUsage usage;
  auto verdict = policy->Evaluate(Pay(), kNow, usage);
  REQUIRE(verdict.ok());
  REQUIRE(usage.queries().size() == 1);
  CHECK(usage.queries()[0].counter == "shop/r");
  CHECK(usage.queries()[0].since == kNow - absl::Hours(1));
  CHECK(verdict->outcome == Outcome::kAllow);
  REQUIRE(verdict->charges.size() == 1);
  CHECK(verdict->charges[0].counter == "shop/r");
  CHECK(verdict->charges[0].window == absl::Hours(1));
  CHECK_FALSE(verdict->charges[0].amount.has_value());
}

TEST_CASE("the action that would go over a rate limit is denied", "[limits]") {
  auto policy = Shop("    rule r \"at most 3 an hour\" limit 3 per 1h");
  FakeUsage usage;
  for (int i = 0; i < 3; ++i) {
    auto verdict = policy->Evaluate(Pay(), kNow + absl::Minutes(i), usage);
    REQUIRE(verdict.ok());
    REQUIRE(verdict->outcome == Outcome::kAllow);
    usage.RecordCharges(*verdict, kNow + absl::Minutes(i));
  }
  auto fourth = policy->Evaluate(Pay(), kNow + absl::Minutes(10), usage);
  REQUIRE(fourth.ok());
  CHECK(fourth->outcome == Outcome::kDeny);
  CHECK(CitedIds(*fourth) == std::vector<std::string>{"r"});
  CHECK(fourth->reasons[0] == "at most 3 an hour (3 of 3 per 1h used)");
  CHECK(fourth->charges.empty());
  // An hour after the first, it has left the window.
  auto later = policy->Evaluate(Pay(), kNow + absl::Hours(1), usage);
  REQUIRE(later.ok());
  CHECK(later->outcome == Outcome::kAllow);
}

TEST_CASE("a limit's own reason is used when given", "[limits]") {
  auto policy = Shop(
      "    rule r \"rate\" limit 1 per 1m reason \"slow down: one a minute\"");
  FakeUsage usage;
  usage.Record("shop/r", kNow);
  auto verdict = policy->Evaluate(Pay(), kNow, usage);
  REQUIRE(verdict.ok());
  CHECK(verdict->reasons[0] == "slow down: one a minute (1 of 1 per 1m used)");
}

TEST_CASE("scopes name their values in the counter key", "[limits]") {
  auto policy = Shop(
      "    rule r \"rate\" limit 5 per 1h per agent, args.customer, "
      "args.tier, args.n, args.vip, session, tool");
  Action action = Pay("1", {{"customer", Str("c/1 ü")}, {"n", Int(-4)}});
  action.context.session_id = "s-9";
  auto verdict = policy->Evaluate(action, kNow, EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(Counters(*verdict) ==
        std::vector<std::string>{
            "shop/r/agent=bot-1/args.customer=c%2F1%20%C3%BC/args.tier=silver/"
            "args.n=-4/args.vip=false/agent=bot-1/session=s-9/tool=pay"});
}

TEST_CASE("a per-session limit is kept per agent", "[limits][sessions]") {
  // Callers name their sessions, so another agent that sends the same
  // session id must not use up (or share) this agent's limit.
  auto policy =
      Shop("    rule r \"one per session\" limit 1 per 1h per session");
  FakeUsage usage;
  Action mine = Pay();
  mine.context.session_id = "s-1";
  auto first = policy->Evaluate(mine, kNow, usage);
  REQUIRE(first.ok());
  CHECK(first->outcome == Outcome::kAllow);
  CHECK(Counters(*first) ==
        std::vector<std::string>{"shop/r/agent=bot-1/session=s-1"});
  usage.RecordCharges(*first, kNow);

  auto again = policy->Evaluate(mine, kNow, usage);
  REQUIRE(again.ok());
  CHECK(again->outcome == Outcome::kDeny);

  Action theirs = mine;
  theirs.agent = "bot-2";
  auto other = policy->Evaluate(theirs, kNow, usage);
  REQUIRE(other.ok());
  CHECK(other->outcome == Outcome::kAllow);
  CHECK(Counters(*other) ==
        std::vector<std::string>{"shop/r/agent=bot-2/session=s-1"});
}

TEST_CASE("usage charged under the session-only key still counts in its window",
          "[limits][sessions]") {
  // Ledgers and snapshots written before per-session limits were kept per
  // agent hold "/session=<id>" counters: they count until they age out, so
  // an upgrade never hands a session a fresh limit.
  auto rate = Shop("    rule r \"one per session\" limit 1 per 1h per session");
  Action action = Pay("40");
  action.context.session_id = "s-1";
  FakeUsage recent;
  recent.Record("shop/r/session=s-1", kNow - absl::Minutes(10));
  auto denied = rate->Evaluate(action, kNow, recent);
  REQUIRE(denied.ok());
  CHECK(denied->outcome == Outcome::kDeny);
  CHECK(Counters(*denied).empty());

  FakeUsage aged;
  aged.Record("shop/r/session=s-1", kNow - absl::Hours(1));
  auto allowed = rate->Evaluate(action, kNow, aged);
  REQUIRE(allowed.ok());
  CHECK(allowed->outcome == Outcome::kAllow);
  CHECK(Counters(*allowed) ==
        std::vector<std::string>{"shop/r/agent=bot-1/session=s-1"});

  auto spend = Shop(
      "    rule s \"100 SAR per session\" limit 100 SAR of args.amount per 1h "
      "per session");
  FakeUsage spent;
  spent.Record("shop/s/session=s-1", kNow - absl::Minutes(5), Dec("70"));
  auto over = spend->Evaluate(action, kNow, spent);
  REQUIRE(over.ok());
  CHECK(over->outcome == Outcome::kDeny);
  CHECK(over->reasons[0] ==
        "100 SAR per session (70 SAR of 100 SAR per 1h used; this adds 40 "
        "SAR)");
}

TEST_CASE("per tenant is the default scope", "[limits]") {
  auto policy = Shop("    rule r \"rate\" limit 5 per 1h per tenant");
  auto verdict = policy->Evaluate(Pay(), kNow, EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(Counters(*verdict) == std::vector<std::string>{"shop/r"});
}

TEST_CASE("different scope values count separately", "[limits]") {
  auto policy = Shop("    rule r \"rate\" limit 1 per 1h per args.customer");
  FakeUsage usage;
  usage.Record("shop/r/args.customer=a", kNow);
  auto a = policy->Evaluate(Pay("1", {{"customer", Str("a")}}), kNow, usage);
  auto b = policy->Evaluate(Pay("1", {{"customer", Str("b")}}), kNow, usage);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->outcome == Outcome::kDeny);
  CHECK(b->outcome == Outcome::kAllow);
}

TEST_CASE("identical actions get identical counter keys", "[limits]") {
  auto first =
      Shop("    rule r \"rate\" limit 5 per 1h per agent, args.customer");
  auto second =
      Shop("    rule r \"rate\" limit 5 per 1h per agent, args.customer");
  Action action = Pay("3", {{"customer", Str("c-1")}});
  auto a = first->Evaluate(action, kNow, EmptyUsage());
  auto b = second->Evaluate(action, kNow + absl::Hours(5), EmptyUsage());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->charges == b->charges);
}

TEST_CASE("a tenant-wide limit can be kept per tool", "[limits]") {
  auto policy =
      Shop("", "  rule calls \"calls per tool\" limit 2 per 1m per tool");
  FakeUsage usage;
  usage.Record("shop/calls/tool=pay", kNow);
  usage.Record("shop/calls/tool=pay", kNow);
  auto pay = policy->Evaluate(Pay(), kNow, usage);
  auto look = policy->Evaluate(MakeAction("shop", "look"), kNow, usage);
  REQUIRE(pay.ok());
  REQUIRE(look.ok());
  CHECK(pay->outcome == Outcome::kDeny);
  CHECK(CitedIds(*pay) == std::vector<std::string>{"calls"});
  CHECK(look->outcome == Outcome::kAllow);
  CHECK(Counters(*look) == std::vector<std::string>{"shop/calls/tool=look"});
}

TEST_CASE("a spend limit adds the action's amount to the window's sum",
          "[limits]") {
  auto policy = Shop(
      "    rule spend \"at most 100 SAR a day\" limit 100 SAR of args.amount "
      "per 24h");
  FakeUsage usage;
  usage.Record("shop/spend", kNow - absl::Hours(23), Dec("60.50"));
  usage.Record("shop/spend", kNow - absl::Hours(24), Dec("500"));  // expired
  auto fits = policy->Evaluate(Pay("39.50"), kNow, usage);
  REQUIRE(fits.ok());
  CHECK(fits->outcome == Outcome::kAllow);
  REQUIRE(fits->charges.size() == 1);
  CHECK(fits->charges[0].counter == "shop/spend");
  CHECK(fits->charges[0].window == absl::Hours(24));
  REQUIRE(fits->charges[0].amount.has_value());
  CHECK(*fits->charges[0].amount == Dec("39.5"));

  auto over = policy->Evaluate(Pay("39.51"), kNow, usage);
  REQUIRE(over.ok());
  CHECK(over->outcome == Outcome::kDeny);
  CHECK(over->reasons[0] ==
        "at most 100 SAR a day (60.5 SAR of 100 SAR per 1d used; this adds "
        "39.51 SAR)");
}

TEST_CASE("a spend total that overflows counts as over the limit", "[limits]") {
  auto policy = Shop(
      "    rule spend \"cap\" limit 999999999999999999 SAR of args.amount per "
      "24h");
  FakeUsage usage;
  usage.Record("shop/spend", kNow, Dec("999999999999999999"));
  auto verdict = policy->Evaluate(Pay("1"), kNow, usage);
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
}

TEST_CASE("a limit with a condition counts only the actions it applies to",
          "[limits]") {
  auto policy = Shop(
      "    rule big \"two big ones an hour\" limit 2 per 1h when args.amount > "
      "100 SAR");
  FakeUsage usage;
  usage.Record("shop/big", kNow);
  usage.Record("shop/big", kNow);
  auto small = policy->Evaluate(Pay("50"), kNow, usage);
  REQUIRE(small.ok());
  CHECK(small->outcome == Outcome::kAllow);
  CHECK(small->charges.empty());
  auto big = policy->Evaluate(Pay("150"), kNow, usage);
  REQUIRE(big.ok());
  CHECK(big->outcome == Outcome::kDeny);
}

TEST_CASE("an exceeded limit is a deny that approval cannot lift", "[limits]") {
  auto policy = Shop(
      "    rule r \"one an hour\" limit 1 per 1h\n"
      "    rule check \"a person checks\" approve by owner expires 1h");
  FakeUsage usage;
  usage.Record("shop/r", kNow);
  auto verdict = policy->Evaluate(Pay(), kNow, usage);
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(CitedIds(*verdict) == std::vector<std::string>{"r"});
  CHECK(verdict->approvals.empty());
}

TEST_CASE("a pending action lists the charges it will make once approved",
          "[limits]") {
  auto policy = Shop(
      "    rule r \"rate\" limit 5 per 1h\n"
      "    rule check \"a person checks\" approve by owner expires 1h");
  auto verdict = policy->Evaluate(Pay(), kNow, EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kPendingApproval);
  CHECK(Counters(*verdict) == std::vector<std::string>{"shop/r"});
}

TEST_CASE("a denied action consumes nothing", "[limits]") {
  auto policy = Shop(
      "    rule r \"rate\" limit 5 per 1h\n"
      "    rule cap \"cap\" deny when args.amount > 100 SAR");
  auto verdict = policy->Evaluate(Pay("200"), kNow, EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  CHECK(verdict->charges.empty());
}

TEST_CASE("key values are percent-encoded outside a safe alphabet",
          "[limits]") {
  using policy_internal::EncodeKeyValue;
  CHECK(EncodeKeyValue("bot-1.a_b:c@d") == "bot-1.a_b:c@d");
  CHECK(EncodeKeyValue("a/b=c%") == "a%2Fb%3Dc%25");
  CHECK(EncodeKeyValue(std::string("\0\xff", 2)) == "%00%FF");
  CHECK(EncodeKeyValue("") == "");
}

}  // namespace
}  // namespace portcullis::policy
