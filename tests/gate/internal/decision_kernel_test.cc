// The decision kernel (issue 20): what it charges, and when it asks the
// standing step, with the real compiler and counters.
#include "gate/internal/decision_kernel.h"

#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <string>

#include "gate/standing_approval.h"
#include "policy/compiler.h"
#include "tests/testing/scripted_counter_store.h"

namespace portcullis::gate::gate_internal {
namespace {

using policy::Outcome;

constexpr char kKernelPolicy[] = R"(
policy "kernel" version "1"
tenant "shop" {
  tool refund_order {
    class write
    arg amount: money(SAR)
    rule refund-cap "refunds are capped at 500 SAR"
      deny when args.amount > 500 SAR
    rule refund-rate "at most 3 refunds an hour"
      limit 3 per 1h
    rule big "refunds over 100 SAR need the owner"
      approve by owner expires 1h when args.amount > 100 SAR
    rule refund-ok "refunds are fine" allow
  }
}
)";

const absl::Time kNow = absl::FromUnixSeconds(1767528000);

std::shared_ptr<const policy::CompiledPolicy> KernelPolicy() {
  auto compiled = policy::Compile({{"kernel.policy", kKernelPolicy}});
  REQUIRE(compiled.errors.empty());
  return compiled.policy;
}

policy::Action Refund(const char* amount) {
  policy::Action a;
  a.tenant = "shop";
  a.agent = "bot";
  a.tool = "refund_order";
  a.arguments["amount"] =
      policy::Value{policy::Money{*policy::Decimal::Parse(amount), "SAR"}};
  return a;
}

// Decides every action with one fixed verdict, charges included whatever
// its outcome: what is charged is the kernel's choice, not the policy's.
class FixedVerdictPolicy final : public policy::CompiledPolicy {
 public:
  explicit FixedVerdictPolicy(policy::Outcome outcome) {
    verdict_.outcome = outcome;
    verdict_.decided_by = {{"fixed", "a fixed verdict"}};
    verdict_.charges = {{"shop/fixed", absl::Hours(1), std::nullopt}};
    if (outcome == policy::Outcome::kPendingApproval) {
      verdict_.approvals = {
          {"fixed", {"owner"}, 1, absl::Hours(1), std::nullopt}};
    }
  }

  const std::string& version() const override { return version_; }
  bool HasTenant(absl::string_view tenant) const override {
    return tenant == "shop";
  }
  std::vector<std::string> Tenants() const override { return {"shop"}; }
  std::vector<policy::RuleInfo> Rules() const override { return {}; }
  std::vector<policy::ToolInfo> Tools(absl::string_view) const override {
    return {};
  }
  absl::StatusOr<policy::Verdict> Evaluate(
      const policy::Action&, absl::Time, const policy::UsageView&,
      std::vector<policy::RuleTrace>*) const override {
    return verdict_;
  }

 private:
  std::string version_ = "fixed-1";
  policy::Verdict verdict_;
};

// Events held by `usage` over every counter.
size_t Events(const UsageCounters& usage) {
  size_t n = 0;
  for (const auto& series : usage.Export()) n += series.events.size();
  return n;
}

// A standing step that is never expected to run.
void NoStanding(policy::Verdict&) { FAIL("the standing step was asked"); }

// A standing step that allows what it is given, as a standing approval
// would, and counts how often it is asked.
struct AllowingStanding {
  int asked = 0;
  void operator()(policy::Verdict& pending) {
    ++asked;
    AllowByStanding(StandingCitation("small", "alice"), "allowed by small",
                    pending);
  }
};

TEST_CASE("the kernel charges an allow at its instant, and the charge counts",
          "[kernel]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  for (int i = 0; i < 3; ++i) {
    auto v = Decide(*policy, Refund("20"), kNow + absl::Minutes(i), {usage},
                    NoStanding);
    REQUIRE(v.ok());
    CHECK(v->outcome == Outcome::kAllow);
  }
  CHECK(Events(usage) == 3);
  // The fourth within the hour meets the limit the three charges made.
  auto fourth = Decide(*policy, Refund("20"), kNow + absl::Minutes(3), {usage},
                       NoStanding);
  REQUIRE(fourth.ok());
  CHECK(fourth->outcome == Outcome::kDeny);
  REQUIRE(!fourth->decided_by.empty());
  CHECK(fourth->decided_by.front().id == "refund-rate");
  CHECK(Events(usage) == 3);  // the deny is not charged
}

TEST_CASE("the kernel never charges a deny, nor asks the standing step",
          "[kernel]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  AllowingStanding standing;
  auto v = Decide(*policy, Refund("900"), kNow, {usage}, std::ref(standing));
  REQUIRE(v.ok());
  CHECK(v->outcome == Outcome::kDeny);
  CHECK(standing.asked == 0);
  CHECK(Events(usage) == 0);
}

TEST_CASE("a deny is never charged, whatever charges its verdict carries",
          "[kernel]") {
  FixedVerdictPolicy deny(Outcome::kDeny);
  UsageCounters usage;
  auto decided = Decide(deny, Refund("20"), kNow, {usage}, NoStanding);
  REQUIRE(decided.ok());
  CHECK(decided->outcome == Outcome::kDeny);
  REQUIRE_FALSE(decided->charges.empty());
  CHECK(Events(usage) == 0);
  auto rechecked = Recheck(deny, Refund("20"), kNow, {usage});
  REQUIRE(rechecked.ok());
  CHECK(rechecked->outcome == Outcome::kDeny);
  CHECK(Events(usage) == 0);
}

TEST_CASE("a pending verdict's charges wait for its grant", "[kernel]") {
  FixedVerdictPolicy pending(Outcome::kPendingApproval);
  UsageCounters usage;
  auto decided =
      Decide(pending, Refund("20"), kNow, {usage}, [](policy::Verdict&) {});
  REQUIRE(decided.ok());
  CHECK(decided->outcome == Outcome::kPendingApproval);
  CHECK(Events(usage) == 0);
  auto granted =
      Recheck(pending, Refund("20"), kNow + absl::Minutes(5), {usage});
  REQUIRE(granted.ok());
  CHECK(usage.Count("shop/fixed", kNow) == 1);
}

TEST_CASE(
    "the kernel leaves a pending action uncharged when no standing "
    "approval covers it",
    "[kernel]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  int asked = 0;
  auto v = Decide(*policy, Refund("200"), kNow, {usage},
                  [&](policy::Verdict& pending) {
                    ++asked;
                    CHECK(pending.outcome == Outcome::kPendingApproval);
                  });
  REQUIRE(v.ok());
  CHECK(v->outcome == Outcome::kPendingApproval);
  CHECK(asked == 1);
  CHECK_FALSE(v->charges.empty());  // what a grant would charge
  CHECK(Events(usage) == 0);
}

TEST_CASE("a pending action the standing step allows is charged", "[kernel]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  AllowingStanding standing;
  auto v = Decide(*policy, Refund("200"), kNow, {usage}, std::ref(standing));
  REQUIRE(v.ok());
  CHECK(standing.asked == 1);
  CHECK(v->outcome == Outcome::kAllow);
  REQUIRE(!v->decided_by.empty());
  CHECK(v->decided_by.front().id == "standing:small");
  CHECK(Events(usage) == 1);
}

TEST_CASE("an allow is not shown to the standing step", "[kernel]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  AllowingStanding standing;
  auto v = Decide(*policy, Refund("20"), kNow, {usage}, std::ref(standing));
  REQUIRE(v.ok());
  CHECK(v->outcome == Outcome::kAllow);
  CHECK(standing.asked == 0);
  CHECK(Events(usage) == 1);
}

TEST_CASE("an action the policy cannot decide charges nothing", "[kernel]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  policy::Action bad = Refund("20");
  bad.arguments["amount"] = policy::Value{std::string("twenty")};
  auto decided = Decide(*policy, bad, kNow, {usage}, NoStanding);
  CHECK(decided.status().code() == absl::StatusCode::kInvalidArgument);
  auto rechecked = Recheck(*policy, bad, kNow, {usage});
  CHECK(rechecked.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Events(usage) == 0);
}

TEST_CASE("the kernel fills the trace when asked", "[kernel]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  std::vector<policy::RuleTrace> trace;
  auto v = Decide(*policy, Refund("20"), kNow, {usage}, NoStanding, &trace);
  REQUIRE(v.ok());
  CHECK_FALSE(trace.empty());
}

TEST_CASE("a re-check at grant time charges the still-pending action",
          "[kernel][recheck]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  auto v = Recheck(*policy, Refund("200"), kNow, {usage});
  REQUIRE(v.ok());
  CHECK(v->outcome == Outcome::kPendingApproval);
  CHECK(Events(usage) == 1);
  // Undone as the approval desk undoes a grant it could not record.
  usage.Uncharge(v->charges, kNow);
  CHECK(Events(usage) == 0);
}

TEST_CASE("a re-check that the limits stop charges nothing",
          "[kernel][recheck]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(Recheck(*policy, Refund("20"), kNow, {usage}).ok());
  }
  REQUIRE(Events(usage) == 3);
  auto stopped = Recheck(*policy, Refund("200"), kNow, {usage});
  REQUIRE(stopped.ok());
  CHECK(stopped->outcome == Outcome::kDeny);
  CHECK(Events(usage) == 3);
  auto capped = Recheck(*policy, Refund("900"), kNow + absl::Hours(2), {usage});
  REQUIRE(capped.ok());
  CHECK(capped->outcome == Outcome::kDeny);
  CHECK(Events(usage) == 3);
}

// --- Limits shared with other replicas (issue 20, gate/counter_store.h).

using testing::ScriptedCounterStore;

TEST_CASE(
    "an allow's charges go to the shared store as one batch named by the "
    "decision with the limit's ceiling",
    "[kernel][shared]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  ScriptedCounterStore shared;
  auto v =
      Decide(*policy, Refund("20"), kNow, {usage, &shared, "d-1"}, NoStanding);
  REQUIRE(v.ok());
  CHECK(v->outcome == Outcome::kAllow);
  CHECK(Events(usage) == 1);
  auto charged = shared.charged();
  REQUIRE(charged.size() == 1);
  CHECK(charged[0].tenant == "shop");
  CHECK(charged[0].id == "d-1");
  CHECK(charged[0].at == kNow);
  REQUIRE(charged[0].charges == v->charges);
  REQUIRE(charged[0].charges.size() == 1);
  const auto& ceiling = charged[0].charges[0].ceiling;
  REQUIRE(ceiling.has_value());
  CHECK(ceiling->max == policy::Decimal::FromInteger(3));
  CHECK(ceiling->rule.id == "refund-rate");
  CHECK(ceiling->reason == "at most 3 refunds an hour");
  CHECK(ceiling->unit.empty());
}

TEST_CASE(
    "a shared store that refuses turns the allow into a deny citing the "
    "limit and nothing is charged",
    "[kernel][shared]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  ScriptedCounterStore shared;
  shared.AnswerWith(ScriptedCounterStore::Answer::kRefuse, 0,
                    "3 of 3 per 1h used across replicas");
  auto v =
      Decide(*policy, Refund("20"), kNow, {usage, &shared, "d-1"}, NoStanding);
  REQUIRE(v.ok());
  CHECK(v->outcome == Outcome::kDeny);
  REQUIRE(v->decided_by.size() == 1);
  CHECK(v->decided_by[0].id == "refund-rate");
  REQUIRE(v->reasons.size() == 1);
  CHECK(v->reasons[0] ==
        "at most 3 refunds an hour (3 of 3 per 1h used across replicas)");
  CHECK(v->charges.empty());
  CHECK(Events(usage) == 0);
}

TEST_CASE(
    "a shared store that cannot be reached denies what would charge a "
    "limit and charges nothing",
    "[kernel][shared]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  ScriptedCounterStore shared;
  shared.AnswerWith(ScriptedCounterStore::Answer::kUnavailable);
  auto v =
      Decide(*policy, Refund("20"), kNow, {usage, &shared, "d-1"}, NoStanding);
  REQUIRE(v.ok());
  CHECK(v->outcome == Outcome::kDeny);
  REQUIRE(v->decided_by.size() == 1);
  CHECK(v->decided_by[0].id == kSharedCountersUnavailableRule);
  REQUIRE(v->reasons.size() == 1);
  CHECK(v->reasons[0].find("cannot be reached") != std::string::npos);
  // What the store said is not passed on: it may name its address.
  CHECK(v->reasons[0].find("scripted") == std::string::npos);
  CHECK(Events(usage) == 0);
  // A re-check at grant time fails closed the same way.
  auto granted = Recheck(*policy, Refund("200"), kNow, {usage, &shared, "d-2"});
  REQUIRE(granted.ok());
  CHECK(granted->outcome == Outcome::kDeny);
  CHECK(Events(usage) == 0);
}

TEST_CASE("the shared store is not asked for a deny or a pending action",
          "[kernel][shared]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  ScriptedCounterStore shared;
  REQUIRE(
      Decide(*policy, Refund("900"), kNow, {usage, &shared, "d-1"}, NoStanding)
          ->outcome == Outcome::kDeny);
  REQUIRE(Decide(*policy, Refund("200"), kNow, {usage, &shared, "d-2"},
                 [](policy::Verdict&) {})
              ->outcome == Outcome::kPendingApproval);
  CHECK(shared.asked().empty());
}

TEST_CASE(
    "a re-check the shared store refuses stops the grant and charges "
    "nothing",
    "[kernel][shared][recheck]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  ScriptedCounterStore shared;
  shared.AnswerWith(ScriptedCounterStore::Answer::kRefuse);
  auto v = Recheck(*policy, Refund("200"), kNow, {usage, &shared, "d-1"});
  REQUIRE(v.ok());
  CHECK(v->outcome == Outcome::kDeny);
  CHECK(v->decided_by[0].id == "refund-rate");
  CHECK(Events(usage) == 0);
}

TEST_CASE(
    "an allow that cannot be recorded is refunded locally and from the "
    "shared store",
    "[kernel][shared]") {
  auto policy = KernelPolicy();
  UsageCounters usage;
  ScriptedCounterStore shared;
  Counters counters{usage, &shared, "d-1"};
  auto v = Decide(*policy, Refund("20"), kNow, counters, NoStanding);
  REQUIRE(v.ok());
  REQUIRE(Events(usage) == 1);
  Uncharge("shop", v->charges, kNow, counters);
  CHECK(Events(usage) == 0);
  auto refunded = shared.refunded();
  REQUIRE(refunded.size() == 1);
  CHECK(refunded[0].id == "d-1");
  CHECK(refunded[0].tenant == "shop");
  CHECK(refunded[0].at == kNow);
  CHECK(refunded[0].charges == v->charges);
}

TEST_CASE("a spend limit's charge carries its cap and currency",
          "[kernel][shared]") {
  auto compiled = policy::Compile({{"spend.policy", R"(
policy "spend" version "1"
tenant "shop" {
  tool refund_order {
    class write
    arg amount: money(SAR)
    rule refund-budget "at most 500 SAR of refunds a day"
      limit 500 SAR of args.amount per 24h
    rule refund-ok "refunds are fine" allow
  }
}
)"}});
  REQUIRE(compiled.errors.empty());
  UsageCounters usage;
  ScriptedCounterStore shared;
  auto v = Decide(*compiled.policy, Refund("20.5"), kNow,
                  {usage, &shared, "d-1"}, NoStanding);
  REQUIRE(v.ok());
  REQUIRE(v->outcome == Outcome::kAllow);
  REQUIRE(v->charges.size() == 1);
  REQUIRE(v->charges[0].ceiling.has_value());
  CHECK(v->charges[0].ceiling->max == *policy::Decimal::Parse("500"));
  CHECK(v->charges[0].ceiling->unit == "SAR");
  CHECK(v->charges[0].ceiling->rule.id == "refund-budget");
}

}  // namespace
}  // namespace portcullis::gate::gate_internal
