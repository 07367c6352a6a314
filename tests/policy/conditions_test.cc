// Conditions: every operator does what it says on each type, and and/or/not
// and parentheses combine as written.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "policy/compiled_policy.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::Bool;
using testing::Int;
using testing::MakeAction;
using testing::MoneyValue;
using testing::Str;

// A tool whose one rule denies when `condition` holds, else allows.
std::shared_ptr<const CompiledPolicy> DenyWhen(const std::string& condition) {
  return testing::MustCompile(R"(
policy "p" version "1"
tenant "t" {
  tool x {
    class read
    arg n: int = 0
    arg s: string = ""
    arg m: money(SAR) = 0 SAR
    arg other: money(SAR) = 0 SAR
    arg b: bool = false
    arg tier: enum(gold, silver, bronze) = "bronze"
    arg tags: list(of string) = []
    arg nums: list(of int) = []
    rule d "the condition holds" deny when )" +
                              condition + R"(
    rule ok "otherwise fine" allow
  }
}
)");
}

bool Holds(const std::string& condition, std::map<std::string, Value> args,
           std::optional<double> confidence = 0.95) {
  auto policy = DenyWhen(condition);
  Action action = MakeAction("t", "x", std::move(args), confidence);
  auto verdict = policy->Evaluate(action, absl::UnixEpoch(), EmptyUsage());
  INFO(verdict.status().ToString());
  REQUIRE(verdict.ok());
  return verdict->outcome == Outcome::kDeny;
}

TEST_CASE("integer comparisons", "[conditions]") {
  CHECK(Holds("args.n == 3", {{"n", Int(3)}}));
  CHECK_FALSE(Holds("args.n == 3", {{"n", Int(4)}}));
  CHECK(Holds("args.n != 3", {{"n", Int(4)}}));
  CHECK(Holds("args.n < 3", {{"n", Int(2)}}));
  CHECK_FALSE(Holds("args.n < 3", {{"n", Int(3)}}));
  CHECK(Holds("args.n <= 3", {{"n", Int(3)}}));
  CHECK(Holds("args.n > -3", {{"n", Int(-2)}}));
  CHECK_FALSE(Holds("args.n >= 3", {{"n", Int(2)}}));
  CHECK(Holds("3 < args.n", {{"n", Int(4)}}));
  CHECK_FALSE(Holds("3 < args.n", {{"n", Int(3)}}));
}

TEST_CASE("money comparisons are exact", "[conditions]") {
  CHECK_FALSE(Holds("args.m > 50 SAR", {{"m", MoneyValue("50.00", "SAR")}}));
  CHECK(Holds("args.m > 50 SAR", {{"m", MoneyValue("50.01", "SAR")}}));
  CHECK(Holds("args.m == 50.10 SAR", {{"m", MoneyValue("50.1", "SAR")}}));
  CHECK(Holds("args.m >= 0.01 SAR", {{"m", MoneyValue("0.01", "SAR")}}));
  CHECK(Holds("args.m > args.other", {{"m", MoneyValue("2", "SAR")},
                                      {"other", MoneyValue("1.99", "SAR")}}));
}

TEST_CASE("text and enum equality, membership and affixes", "[conditions]") {
  CHECK(Holds("args.s == \"a b\"", {{"s", Str("a b")}}));
  CHECK(Holds("args.s != \"a\"", {{"s", Str("b")}}));
  CHECK(Holds("args.tier == \"gold\"", {{"tier", Str("gold")}}));
  CHECK(
      Holds("args.tier in [\"gold\", \"silver\"]", {{"tier", Str("silver")}}));
  CHECK_FALSE(Holds("args.tier in [\"gold\", \"silver\"]", {}));
  CHECK(Holds("args.tier not in [\"gold\", \"silver\"]", {}));
  CHECK(Holds("args.n in [1, 2, 3]", {{"n", Int(2)}}));
  CHECK_FALSE(Holds("args.n in []", {{"n", Int(2)}}));
  CHECK(Holds("args.s starts_with \"support@\"", {{"s", Str("support@x")}}));
  CHECK_FALSE(Holds("args.s starts_with \"support@\"", {{"s", Str("x@sup")}}));
  CHECK(Holds("args.s ends_with \".sa\"", {{"s", Str("shop.sa")}}));
  CHECK(Holds("args.s contains \"refund\"", {{"s", Str("a refund now")}}));
  CHECK(Holds("args.tier starts_with \"go\"", {{"tier", Str("gold")}}));
}

TEST_CASE("regular expressions must match the whole text", "[conditions]") {
  CHECK(Holds("args.s matches \"[0-9]+\"", {{"s", Str("123")}}));
  CHECK_FALSE(Holds("args.s matches \"[0-9]+\"", {{"s", Str("123abc")}}));
  CHECK(Holds("args.s matches \".*[0-9]+.*\"", {{"s", Str("a1b")}}));
  // A backslash that escapes nothing of the string reaches RE2 as written;
  // \\ in the policy is one backslash for RE2.
  CHECK(Holds(R"(args.s matches "^\d{3}$")", {{"s", Str("042")}}));
  CHECK_FALSE(Holds(R"(args.s matches "^\d{3}$")", {{"s", Str("04x")}}));
  CHECK(Holds(R"(args.s matches "a\\\\b")", {{"s", Str("a\\b")}}));
  CHECK(Holds(R"(args.s matches "say \"hi\"")", {{"s", Str("say \"hi\"")}}));
}

TEST_CASE("lists support contains and len", "[conditions]") {
  Value tags{Value::List{Str("legal"), Str("vip")}};
  CHECK(Holds("args.tags contains \"legal\"", {{"tags", tags}}));
  CHECK_FALSE(Holds("args.tags contains \"other\"", {{"tags", tags}}));
  CHECK(Holds("args.nums contains 7", {{"nums", Value{Value::List{Int(7)}}}}));
  CHECK(Holds("len(args.tags) == 2", {{"tags", tags}}));
  CHECK(Holds("len(args.tags) == 0", {}));
}

TEST_CASE("len counts characters, not bytes", "[conditions]") {
  CHECK(Holds("len(args.s) == 5", {{"s", Str("\xd9\x85\xd8\xb1\xd8\xad\xd8"
                                             "\xa8\xd8\xa7")}}));  // مرحبا
  CHECK(Holds("len(args.s) > 3", {{"s", Str("abcd")}}));
}

TEST_CASE("booleans can be tested directly or compared", "[conditions]") {
  CHECK(Holds("args.b", {{"b", Bool(true)}}));
  CHECK_FALSE(Holds("args.b", {}));
  CHECK(Holds("args.b == false", {}));
  CHECK(Holds("not args.b", {}));
}

TEST_CASE("and, or, not and parentheses combine as written", "[conditions]") {
  std::map<std::string, Value> args = {{"n", Int(5)}, {"s", Str("x")}};
  CHECK(Holds("args.n > 1 and args.s == \"x\"", args));
  CHECK_FALSE(Holds("args.n > 9 and args.s == \"x\"", args));
  CHECK(Holds("args.n > 9 or args.s == \"x\"", args));
  CHECK_FALSE(Holds("args.n > 9 or args.s == \"y\"", args));
  CHECK(Holds("not args.n > 9", args));
  // `and` binds tighter than `or`.
  CHECK(Holds("args.n > 9 and args.s == \"y\" or args.n == 5", args));
  CHECK_FALSE(Holds("args.n > 9 and (args.s == \"y\" or args.n == 5)", args));
  CHECK(Holds("not (args.n > 9 or args.s == \"y\")", args));
  CHECK(Holds("args.n > 1 and args.n < 9 and args.s != \"z\"", args));
}

TEST_CASE("context fields can be read", "[conditions]") {
  CHECK(Holds("context.confidence < 0.8", {}, 0.4));
  CHECK_FALSE(Holds("context.confidence < 0.8", {}, 0.8));
  CHECK(Holds("context.confidence >= 1", {}, 1.0));
  CHECK(Holds("context.has_confidence", {}, 0.5));
  CHECK_FALSE(Holds("context.has_confidence", {}, std::nullopt));
  CHECK(Holds("context.agent == \"bot-1\"", {}));
  CHECK(Holds("context.run_mode == \"interactive\"", {}));
  CHECK(
      Holds("tool.name == \"x\" and tool.class == \"read\" and not "
            "tool.irreversible",
            {}));
}

TEST_CASE("an agent that reports no confidence counts as not confident",
          "[conditions]") {
  CHECK(Holds("context.confidence < 0.8", {}, std::nullopt));
}

TEST_CASE("session and request ids can be matched", "[conditions]") {
  auto policy = DenyWhen(
      "context.session_id starts_with \"cron-\" or context.request_id == "
      "\"r1\" or context.correlation_id == \"c1\"");
  Action action = MakeAction("t", "x");
  action.context.session_id = "cron-42";
  auto verdict = policy->Evaluate(action, absl::UnixEpoch(), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  action.context.session_id = "chat-1";
  action.context.correlation_id = "c1";
  verdict = policy->Evaluate(action, absl::UnixEpoch(), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kDeny);
  action.context.correlation_id = "c2";
  verdict = policy->Evaluate(action, absl::UnixEpoch(), EmptyUsage());
  REQUIRE(verdict.ok());
  CHECK(verdict->outcome == Outcome::kAllow);
}

TEST_CASE("unless inverts the condition", "[conditions]") {
  auto policy = testing::MustCompile(R"(
policy "p" version "1"
tenant "t" {
  tool x {
    class read
    arg s: string
    rule internal "only our domain" deny unless args.s ends_with "@us.example"
    rule ok "fine" allow
  }
}
)");
  auto outside = policy->Evaluate(MakeAction("t", "x", {{"s", Str("a@x.com")}}),
                                  absl::UnixEpoch(), EmptyUsage());
  REQUIRE(outside.ok());
  CHECK(outside->outcome == Outcome::kDeny);
  auto inside =
      policy->Evaluate(MakeAction("t", "x", {{"s", Str("a@us.example")}}),
                       absl::UnixEpoch(), EmptyUsage());
  REQUIRE(inside.ok());
  CHECK(inside->outcome == Outcome::kAllow);
}

}  // namespace
}  // namespace portcullis::policy
