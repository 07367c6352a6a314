// Rules that come from approvals: the `from proposal "ID"` clause, and
// AmendPolicy, which writes a proposed rule into the policy in force.
#include "policy/amendment.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "policy/compiled_policy.h"
#include "policy/explain.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::FirstError;
using testing::Int;
using testing::MakeAction;
using testing::MustCompile;

const absl::Time kNow = absl::FromUnixSeconds(1767528000);

std::string InTool(const std::string& rules) {
  return "policy \"p\" version \"1\"\n"
         "tenant \"t\" {\n"
         "  tool x {\n"
         "    class read\n"
         "    arg n: int\n" +
         rules +
         "\n"
         "  }\n"
         "}\n";
}

TEST_CASE("a rule from a proposal cites the proposal in its decisions",
          "[compiler][amendment]") {
  auto policy = MustCompile(
      InTool("    rule small \"small n is fine\" allow when args.n < 5\n"
             "      from proposal \"3f9a0c1d2e4b5a69\"\n"
             "    rule plain \"n of 1 is fine\" allow when args.n == 1"));
  auto verdict = policy->Evaluate(MakeAction("t", "x", {{"n", Int(1)}}), kNow,
                                  EmptyUsage());
  REQUIRE(verdict.ok());
  REQUIRE(verdict->decided_by.size() == 2);
  CHECK(verdict->decided_by[0].id == "small");
  CHECK(verdict->decided_by[0].proposal == "3f9a0c1d2e4b5a69");
  CHECK(verdict->decided_by[1].id == "plain");
  CHECK(verdict->decided_by[1].proposal.empty());
  // policy explain says so too.
  std::string text =
      FormatExplanation(MakeAction("t", "x", {{"n", Int(1)}}), *verdict, {});
  CHECK(text.find("  small \"small n is fine\" (from proposal "
                  "3f9a0c1d2e4b5a69)\n") != std::string::npos);
  CHECK(text.find("  plain \"n of 1 is fine\"\n") != std::string::npos);
}

TEST_CASE("from proposal fits every effect and any clause order",
          "[compiler][amendment]") {
  MustCompile(InTool(
      "    rule a \"d\" deny from proposal \"p-1\" when args.n > 9 reason "
      "\"r\"\n"
      "    rule b \"d\" approve by owner from proposal \"p_2\" expires 1h\n"
      "    rule c \"d\" limit 3 per 1h from proposal \"P3\""));
}

TEST_CASE("from proposal errors point at file line and column",
          "[compiler][amendment][errors]") {
  auto expect = [](const std::string& rule, int line, int column,
                   const std::string& fragment) {
    Diagnostic d = FirstError(InTool(rule));
    INFO(d.ToString());
    CHECK(d.path == "test.policy");
    CHECK(d.line == line);
    CHECK(d.column == column);
    CHECK(d.message.find(fragment) != std::string::npos);
  };
  expect("    rule a \"d\" allow from \"x\"", 6, 27, "'proposal' and its id");
  expect("    rule a \"d\" allow from proposal x", 6, 36,
         "the proposal id in quotes");
  expect("    rule a \"d\" allow from proposal \"has space\"", 6, 36,
         "a proposal id is 1 to 64 letters");
  expect("    rule a \"d\" allow from proposal \"\"", 6, 36,
         "a proposal id is 1 to 64");
  expect(
      "    rule a \"d\" allow from proposal \"" + std::string(65, 'a') + "\"",
      6, 36, "a proposal id is 1 to 64");
  expect("    rule a \"d\" allow from proposal \"a\" from proposal \"b\"", 6,
         40, "'from' is given twice");
}

const char kPolicy[] =
    "policy \"p\" version \"1\"\n"
    "tenant \"t\" {\n"
    "  tool refund {\n"
    "    class write\n"
    "    arg amount: money(SAR)\n"
    "    arg reason: enum(damaged, late)\n"
    "    rule refunds \"refunds need the owner\" approve by owner expires 24h\n"
    "  }\n"
    "  tool other { class read rule o \"fine\" allow }\n"
    "}\n";

RuleProposal Proposal(std::string rule, std::string tool = "refund") {
  return RuleProposal{"t", std::move(tool), std::move(rule),
                      "3f9a0c1d2e4b5a69"};
}

TEST_CASE(
    "an amendment goes at the end of the tool block and cites its "
    "proposal",
    "[amendment]") {
  std::vector<SourceFile> files = {{"a.policy", kPolicy}};
  AmendResult result = AmendPolicy(
      files, Proposal("rule damaged \"damaged items up to 100 SAR\"\n"
                      "  allow when args.amount <= 100 SAR and args.reason == "
                      "\"damaged\""));
  for (const Diagnostic& d : result.errors) UNSCOPED_INFO(d.ToString());
  REQUIRE(result.errors.empty());
  REQUIRE(result.policy != nullptr);
  CHECK(result.rule_id == "damaged");
  CHECK(result.amended_file == 0);
  CHECK(result.files[0].content ==
        "policy \"p\" version \"1\"\n"
        "tenant \"t\" {\n"
        "  tool refund {\n"
        "    class write\n"
        "    arg amount: money(SAR)\n"
        "    arg reason: enum(damaged, late)\n"
        "    rule refunds \"refunds need the owner\" approve by owner expires "
        "24h\n"
        "    rule damaged \"damaged items up to 100 SAR\"\n"
        "      allow when args.amount <= 100 SAR and args.reason == "
        "\"damaged\"\n"
        "      from proposal \"3f9a0c1d2e4b5a69\"\n"
        "  }\n"
        "  tool other { class read rule o \"fine\" allow }\n"
        "}\n");
  // What the amended policy compiles to is what the text says.
  MustCompile(result.files[0].content);
}

TEST_CASE("an amendment to a one-line tool block opens a line for it",
          "[amendment]") {
  std::vector<SourceFile> files = {{"a.policy", kPolicy}};
  AmendResult result =
      AmendPolicy(files, Proposal("rule more \"more\" deny", "other"));
  REQUIRE(result.errors.empty());
  CHECK(result.files[0].content.find(
            "  tool other { class read rule o \"fine\" allow \n"
            "  rule more \"more\" deny\n"
            "    from proposal \"3f9a0c1d2e4b5a69\"\n"
            "}\n") != std::string::npos);
}

TEST_CASE("errors in a proposed rule point into the proposal",
          "[amendment][errors]") {
  std::vector<SourceFile> files = {{"a.policy", kPolicy}};
  auto first = [&](const std::string& rule, std::string tool = "refund") {
    AmendResult result = AmendPolicy(files, Proposal(rule, tool));
    REQUIRE(result.policy == nullptr);
    REQUIRE_FALSE(result.errors.empty());
    INFO(result.errors.front().ToString());
    return result.errors.front();
  };
  // A type error, found when the amended policy is compiled.
  Diagnostic d = first("rule r \"d\"\n   allow when args.amount > 5 USD");
  INFO(d.ToString());
  CHECK(d.ToString().starts_with("proposal:2:29: "));
  CHECK(d.message.find("currencies differ") != std::string::npos);
  // Syntax, found in the proposal alone.
  d = first("rule r \"d\" allow when args.amount >");
  CHECK(d.path == "proposal");
  CHECK(d.line == 1);
  // More than one rule, or something else smuggled in.
  d = first("rule r \"d\" deny } tool evil { class write rule e \"e\" allow");
  CHECK(d.ToString().starts_with("proposal:1:17: "));
  CHECK(d.message.find("exactly one rule") != std::string::npos);
  d = first("rule r \"d\" deny\nrule s \"d\" deny");
  CHECK(d.ToString().starts_with("proposal:2:1: "));
  d = first("tool y { class read }");
  CHECK(d.ToString().starts_with("proposal:1:1: "));
  // Its own citation is the amendment's to add.
  d = first("rule r \"d\" deny from proposal \"mine\"");
  CHECK(d.ToString().starts_with("proposal:1:31: "));
  // A duplicate id is reported where the proposal wrote it.
  d = first("rule refunds \"again\" deny");
  CHECK(d.ToString().starts_with("proposal:1:6: "));
  // A tool or tenant that is not there.
  d = first("rule r \"d\" deny", "nope");
  CHECK(d.message.find("declares no tool \"nope\"") != std::string::npos);
  AmendResult elsewhere =
      AmendPolicy(files, RuleProposal{"u", "refund", "rule r \"d\" deny", "p"});
  REQUIRE(elsewhere.errors.size() == 1);
  CHECK(elsewhere.errors[0].message.find("tenant \"u\" is not in the policy") !=
        std::string::npos);
}

TEST_CASE("an amendment that would make an irreversible tool allowed fails",
          "[amendment][errors]") {
  std::vector<SourceFile> files = {
      {"a.policy",
       "policy \"p\" version \"1\"\ntenant \"t\" {\n  tool cancel {\n"
       "    class write\n    irreversible\n  }\n}\n"}};
  AmendResult result =
      AmendPolicy(files, Proposal("rule c \"cancel\" allow", "cancel"));
  REQUIRE_FALSE(result.errors.empty());
  CHECK(result.policy == nullptr);
}

}  // namespace
}  // namespace portcullis::policy
