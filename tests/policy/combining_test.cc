// How rule effects combine into one Verdict: deny over approval over allow,
// built-in denies, unattended runs, tenant-wide rules and citations.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "policy/builtin_rules.h"
#include "policy/compiled_policy.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::CitedIds;
using testing::Int;
using testing::MakeAction;

const absl::Time kNow = absl::FromUnixSeconds(1767528000);

std::shared_ptr<const CompiledPolicy> Tool(const std::string& rules,
                                           const std::string& wide = "") {
  return testing::MustCompile(
      "policy \"p\" version \"7\"\ntenant \"t\" {\n" + wide +
      "\n  tool x {\n    class write\n    arg n: int = 0\n" + rules +
      "\n  }\n  tool y { class read }\n}\n");
}

Verdict Decide(const std::shared_ptr<const CompiledPolicy>& policy,
               Action action) {
  auto verdict = policy->Evaluate(action, kNow, EmptyUsage());
  INFO(verdict.status().ToString());
  REQUIRE(verdict.ok());
  CHECK_FALSE(verdict->decided_by.empty());
  CHECK(verdict->decided_by.size() == verdict->reasons.size());
  return *verdict;
}

Verdict DecideN(const std::shared_ptr<const CompiledPolicy>& policy,
                int64_t n) {
  return Decide(policy, MakeAction("t", "x", {{"n", Int(n)}}));
}

TEST_CASE("deny overrides approval, which overrides allow", "[combining]") {
  auto policy = Tool(R"(
    rule big "n over 10 is refused" deny when args.n > 10
    rule mid "n over 5 needs a person" approve by owner expires 1h when args.n > 5
    rule ok "fine" allow)");
  Verdict allow = DecideN(policy, 1);
  CHECK(allow.outcome == Outcome::kAllow);
  CHECK(CitedIds(allow) == std::vector<std::string>{"ok"});
  CHECK(allow.reasons == std::vector<std::string>{"fine"});

  Verdict pending = DecideN(policy, 6);
  CHECK(pending.outcome == Outcome::kPendingApproval);
  CHECK(CitedIds(pending) == std::vector<std::string>{"mid"});
  CHECK(pending.reasons ==
        std::vector<std::string>{"n over 5 needs a person: needs approval by "
                                 "owner (quorum 1) within 1h"});

  Verdict deny = DecideN(policy, 11);
  CHECK(deny.outcome == Outcome::kDeny);
  CHECK(CitedIds(deny) == std::vector<std::string>{"big"});
  CHECK(deny.approvals.empty());
}

TEST_CASE("every matching deny is cited, in source order", "[combining]") {
  auto policy = Tool(R"(
    rule a "over 1" deny when args.n > 1
    rule b "over 2" deny when args.n > 2 reason "two is the most"
    rule ok "fine" allow)");
  Verdict deny = DecideN(policy, 3);
  CHECK(CitedIds(deny) == std::vector<std::string>{"a", "b"});
  CHECK(deny.reasons == std::vector<std::string>{"over 1", "two is the most"});
  CHECK(deny.decided_by[1].description == "over 2");
}

TEST_CASE("every matching approval is required", "[combining]") {
  auto policy = Tool(R"(
    rule a "owner" approve by owner expires 1h
    rule b "finance" approve by finance, cfo quorum 2 expires 2d escalate after 1d to ceo
    rule c "anyone" approve by anyone expires 30m when args.n > 100)");
  Verdict pending = DecideN(policy, 1);
  CHECK(pending.outcome == Outcome::kPendingApproval);
  REQUIRE(pending.approvals.size() == 2);
  CHECK(pending.approvals[0] ==
        ApprovalRequirement{"a", {"owner"}, 1, absl::Hours(1), std::nullopt});
  CHECK(pending.approvals[1] ==
        ApprovalRequirement{"b",
                            {"finance", "cfo"},
                            2,
                            absl::Hours(48),
                            Escalation{absl::Hours(24), {"ceo"}}});
  Verdict three = DecideN(policy, 101);
  REQUIRE(three.approvals.size() == 3);
  CHECK(three.approvals[2].roles.empty());  // anyone
  CHECK(three.approvals[2].expires_after == absl::Minutes(30));
}

TEST_CASE("a declared tool that no rule allows is denied by default",
          "[combining]") {
  auto policy = Tool(R"(
    rule ok "small is fine" allow when args.n < 5)");
  Verdict deny = DecideN(policy, 7);
  CHECK(deny.outcome == Outcome::kDeny);
  CHECK(CitedIds(deny) ==
        std::vector<std::string>{std::string(kBuiltinDefaultDeny)});
  CHECK(deny.decided_by[0].description == kBuiltinDefaultDenyDescription);
  CHECK(deny.reasons[0] == "no rule allows tool x for tenant t");
  // A tool with no rules at all is denied the same way.
  Verdict bare = Decide(policy, MakeAction("t", "y"));
  CHECK(CitedIds(bare) ==
        std::vector<std::string>{std::string(kBuiltinDefaultDeny)});
}

TEST_CASE(
    "a conditional approval that does not apply leaves the default "
    "deny",
    "[combining]") {
  auto policy = Tool(R"(
    rule mid "needs a person" approve by owner expires 1h when args.n > 5)");
  CHECK(DecideN(policy, 6).outcome == Outcome::kPendingApproval);
  Verdict deny = DecideN(policy, 1);
  CHECK(deny.outcome == Outcome::kDeny);
  CHECK(CitedIds(deny) ==
        std::vector<std::string>{std::string(kBuiltinDefaultDeny)});
}

TEST_CASE("an unknown tenant is denied by a built-in rule, not an error",
          "[combining]") {
  auto policy = Tool("    rule ok \"fine\" allow");
  Verdict deny = Decide(policy, MakeAction("nobody", "x"));
  CHECK(deny.outcome == Outcome::kDeny);
  CHECK(CitedIds(deny) ==
        std::vector<std::string>{std::string(kBuiltinUnknownTenant)});
  CHECK(deny.reasons[0] ==
        "tenant \"nobody\" is not in the policy (version 7)");
}

TEST_CASE("an undeclared tool is denied by a built-in rule, not an error",
          "[combining]") {
  auto policy = Tool("    rule ok \"fine\" allow");
  // Even with arguments the tool could never have declared.
  Verdict deny = Decide(policy, MakeAction("t", "rm -rf", {{"x", Int(1)}}));
  CHECK(deny.outcome == Outcome::kDeny);
  CHECK(CitedIds(deny) ==
        std::vector<std::string>{std::string(kBuiltinNotAllowlisted)});
  CHECK(deny.reasons[0] == "tool \"rm -rf\" is not allowlisted for tenant t");
}

TEST_CASE("tenants do not see each other's tools", "[combining]") {
  auto policy = testing::MustCompile(R"(
policy "p" version "1"
tenant "a" { tool x { class read rule ok "fine" allow } }
tenant "b" { tool y { class read rule ok "fine" allow } }
)");
  CHECK(Decide(policy, MakeAction("a", "x")).outcome == Outcome::kAllow);
  Verdict cross = Decide(policy, MakeAction("a", "y"));
  CHECK(CitedIds(cross) ==
        std::vector<std::string>{std::string(kBuiltinNotAllowlisted)});
}

TEST_CASE("an unattended run turns a pending approval into a deny",
          "[combining]") {
  auto policy = Tool(R"(
    rule a "needs a person" approve by owner expires 1h
    rule ok "fine" allow)");
  Action action = MakeAction("t", "x");
  action.context.run_mode = RunMode::kUnattended;
  Verdict deny = Decide(policy, action);
  CHECK(deny.outcome == Outcome::kDeny);
  CHECK(CitedIds(deny) ==
        std::vector<std::string>{"a", std::string(kBuiltinUnattended)});
  CHECK(deny.reasons[1] ==
        "the action needs approval, but the run is unattended and no one can "
        "approve it");
  CHECK(deny.approvals.empty());
}

TEST_CASE("an unattended run does not change allows and denies",
          "[combining]") {
  auto policy = Tool(R"(
    rule big "too big" deny when args.n > 10
    rule ok "fine" allow)");
  Action action = MakeAction("t", "x", {{"n", Int(1)}});
  action.context.run_mode = RunMode::kUnattended;
  CHECK(Decide(policy, action).outcome == Outcome::kAllow);
  action.arguments["n"] = Int(11);
  Verdict deny = Decide(policy, action);
  CHECK(CitedIds(deny) == std::vector<std::string>{"big"});
}

TEST_CASE("tenant-wide rules apply to every tool of the tenant",
          "[combining]") {
  auto policy = Tool("    rule ok \"fine\" allow", R"(
  rule unsure "unsure proposals go to a person" approve by owner expires 4h when context.confidence < 0.8
  rule reads "reading is fine" allow when tool.class == "read"
  rule no-bots "the test bot may not act" deny when context.agent == "bot-9")");
  CHECK(DecideN(policy, 1).outcome == Outcome::kAllow);
  Verdict unsure = Decide(policy, MakeAction("t", "x", {}, /*confidence=*/0.4));
  CHECK(unsure.outcome == Outcome::kPendingApproval);
  CHECK(CitedIds(unsure) == std::vector<std::string>{"unsure"});
  Verdict read = Decide(policy, MakeAction("t", "y"));
  CHECK(read.outcome == Outcome::kAllow);
  CHECK(CitedIds(read) == std::vector<std::string>{"reads"});
  Action bot = MakeAction("t", "y");
  bot.agent = "bot-9";
  CHECK(CitedIds(Decide(policy, bot)) == std::vector<std::string>{"no-bots"});
}

TEST_CASE("rules are listed in source order with their tools", "[combining]") {
  auto policy = Tool(R"(
    rule one "first" allow
    rule two "second" deny when args.n > 1)",
                     "  rule wide \"tenant-wide\" deny when "
                     "context.confidence < 0.1");
  std::vector<RuleInfo> rules = policy->Rules();
  REQUIRE(rules.size() == 3);
  CHECK(rules[0].id == "wide");
  CHECK(rules[0].tool.empty());
  CHECK(rules[0].tenant == "t");
  CHECK(rules[1].id == "one");
  CHECK(rules[1].tool == "x");
  CHECK(rules[1].description == "first");
  CHECK(rules[2].id == "two");
}

TEST_CASE("evaluation keeps no state: the same action gets the same verdict",
          "[combining]") {
  auto policy = Tool(R"(
    rule big "too big" deny when args.n > 10
    rule ok "fine" allow)");
  Verdict first = DecideN(policy, 11);
  for (int i = 0; i < 100; ++i) {
    Verdict again = DecideN(policy, 11);
    CHECK(again.decided_by == first.decided_by);
    CHECK(again.reasons == first.reasons);
  }
}

}  // namespace
}  // namespace portcullis::policy
