// No input crashes or hangs the compiler: random bytes, mutated policies,
// and inputs built to exhaust the stack or memory all end in errors.
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "policy/compiled_policy.h"
#include "policy/compiler.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

CompileResult CompileOne(const std::string& text) {
  std::vector<SourceFile> files = {SourceFile{"fuzz.policy", text}};
  return Compile(files);
}

// Either a policy or errors, never both, never neither.
void ExpectWellFormed(const CompileResult& result) {
  CHECK((result.policy == nullptr) != result.errors.empty());
  for (const Diagnostic& d : result.errors) {
    CHECK(d.line >= 1);
    CHECK(d.column >= 1);
    CHECK_FALSE(d.message.empty());
  }
}

std::string Example() {
  std::ifstream in(std::string(PORTCULLIS_EXAMPLES_DIR) + "/commerce.policy");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("random bytes never crash the compiler", "[robustness]") {
  std::mt19937 rng(20261121);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 300);
  for (int i = 0; i < 500; ++i) {
    std::string text(length(rng), '\0');
    for (char& c : text) c = static_cast<char>(byte(rng));
    ExpectWellFormed(CompileOne(text));
  }
}

TEST_CASE("mutations of a valid policy never crash the compiler",
          "[robustness]") {
  const std::string example = Example();
  REQUIRE_FALSE(example.empty());
  const std::string alphabet = "(){}[]\"\\.,:=<>!-# \nabz09_";
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string text = example;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          text.erase(at, 1 + rng() % 8);
          break;
      }
    }
    CompileResult result = CompileOne(text);
    ExpectWellFormed(result);
    if (result.policy != nullptr) {
      // Whatever compiled must also decide without crashing.
      for (const RuleInfo& rule : result.policy->Rules()) {
        Action action = testing::MakeAction(rule.tenant, rule.tool);
        auto verdict =
            result.policy->Evaluate(action, absl::UnixEpoch(), EmptyUsage());
        CHECK((verdict.ok() ||
               verdict.status().code() == absl::StatusCode::kInvalidArgument));
      }
    }
  }
}

std::string WithCondition(const std::string& condition) {
  return "policy \"p\" version \"1\"\ntenant \"t\" { tool x { class read arg "
         "n: int rule r \"d\" deny when " +
         condition + " } }\n";
}

TEST_CASE("deep nesting ends in an error, not a stack overflow",
          "[robustness]") {
  for (const char* opener : {"(", "not ", "len(", "not ("}) {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += opener;
    CompileResult result = CompileOne(WithCondition(text));
    REQUIRE(result.policy == nullptr);
    CHECK(result.errors[0].message.find("nested more than 32 levels") !=
          std::string::npos);
  }
}

TEST_CASE("long and/or chains compile and evaluate", "[robustness]") {
  std::string chain = "args.n == 0";
  for (int i = 1; i < 5000; ++i) {
    chain += (i % 2 ? " or args.n == " : " and args.n != ") + std::to_string(i);
  }
  CompileResult result = CompileOne(WithCondition(chain));
  REQUIRE(result.policy != nullptr);
  auto verdict = result.policy->Evaluate(
      testing::MakeAction("t", "x", {{"n", testing::Int(7)}}),
      absl::UnixEpoch(), EmptyUsage());
  CHECK(verdict.ok());
}

TEST_CASE("oversized lists and nested list types are rejected",
          "[robustness]") {
  std::string list = "[";
  for (int i = 0; i < 1001; ++i) list += std::to_string(i) + ",";
  list += "1]";
  CompileResult big = CompileOne(WithCondition("args.n in " + list));
  REQUIRE(big.policy == nullptr);
  CHECK(big.errors[0].message == "a list may hold at most 1000 values");

  std::string type = "int";
  for (int i = 0; i < 10; ++i) type = "list(of " + type + ")";
  CompileResult deep = CompileOne(
      "policy \"p\" version \"1\"\ntenant \"t\" { tool x { class read arg l: " +
      type + " } }\n");
  REQUIRE(deep.policy == nullptr);
  CHECK(deep.errors[0].message == "lists nest at most 4 levels deep");
}

TEST_CASE("values nested deeper than their type are rejected, not walked",
          "[robustness]") {
  auto policy = testing::MustCompile(
      "policy \"p\" version \"1\"\ntenant \"t\" { tool x { class read arg l: "
      "list(of string) rule ok \"ok\" allow } }\n");
  Value nested{std::string("leaf")};
  for (int i = 0; i < 10000; ++i) {
    Value::List wrapper;
    wrapper.push_back(std::move(nested));
    nested = Value{std::move(wrapper)};
  }
  auto verdict =
      policy->Evaluate(testing::MakeAction("t", "x", {{"l", nested}}),
                       absl::UnixEpoch(), EmptyUsage());
  CHECK(verdict.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(verdict.status().message() ==
        "argument l[0] must be string, got a list");
}

TEST_CASE("a thousand tenants compile", "[robustness]") {
  std::string text = "policy \"p\" version \"1\"\n";
  for (int i = 0; i < 1000; ++i) {
    text += "tenant \"t" + std::to_string(i) +
            "\" { tool x { class read rule ok \"ok\" allow } }\n";
  }
  CompileResult result = CompileOne(text);
  REQUIRE(result.policy != nullptr);
  CHECK(result.policy->HasTenant("t999"));
  CHECK(result.policy->Rules().size() == 1000);
}

}  // namespace
}  // namespace portcullis::policy
