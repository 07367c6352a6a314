// An action's arguments are checked against its tool's declaration before
// any rule runs; every mismatch is InvalidArgument naming the argument and
// what it must be.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "policy/compiled_policy.h"
#include "policy/money.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::Bool;
using testing::Int;
using testing::MakeAction;
using testing::MoneyValue;
using testing::Str;

constexpr const char* kPolicy = R"(
policy "p" version "1"
tenant "shop" {
  tool pay {
    class write
    arg amount: money(SAR)
    arg yen: money(JPY) = 0 JPY
    arg dinar: money(KWD) = 0 KWD
    arg riyal: money(SAR, 3) = 0 SAR
    arg count: int = 1
    arg note: string = ""
    arg urgent: bool = false
    arg tier: enum(gold, silver) = "silver"
    arg tags: list(of string) = []
    arg codes: list(of enum(a, b)) = ["a"]
    rule ok "fine" allow
  }
}
)";

absl::Status Check(std::map<std::string, Value> args) {
  auto policy = testing::MustCompile(kPolicy);
  auto verdict = policy->Evaluate(MakeAction("shop", "pay", std::move(args)),
                                  absl::UnixEpoch(), EmptyUsage());
  return verdict.status();
}

void ExpectInvalid(std::map<std::string, Value> args,
                   const std::string& message) {
  absl::Status s = Check(std::move(args));
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()) == message);
}

TEST_CASE("well-formed arguments are accepted and absent ones defaulted",
          "[arguments]") {
  CHECK(Check({{"amount", MoneyValue("10.50", "SAR")}}).ok());
  CHECK(Check({{"amount", MoneyValue("10", "SAR")},
               {"yen", MoneyValue("500", "JPY")},
               {"dinar", MoneyValue("1.125", "KWD")},
               {"riyal", MoneyValue("1.125", "SAR")},
               {"count", Int(3)},
               {"note", Str("hi")},
               {"urgent", Bool(true)},
               {"tier", Str("gold")},
               {"tags", Value{Value::List{Str("x"), Str("y")}}},
               {"codes", Value{Value::List{Str("b")}}}})
            .ok());
}

TEST_CASE("negative money is rejected", "[arguments]") {
  ExpectInvalid({{"amount", MoneyValue("-5", "SAR")}},
                "argument amount must not be negative, got -5 SAR");
}

TEST_CASE("money of another currency is rejected", "[arguments]") {
  ExpectInvalid({{"amount", MoneyValue("5", "USD")}},
                "argument amount must be in SAR, got 5 USD");
}

TEST_CASE("money with more decimals than its currency allows is rejected",
          "[arguments]") {
  ExpectInvalid({{"amount", MoneyValue("5.001", "SAR")}},
                "argument amount has 3 decimals, but SAR allows at most 2: "
                "got 5.001 SAR");
  ExpectInvalid(
      {{"amount", MoneyValue("1", "SAR")}, {"yen", MoneyValue("1.5", "JPY")}},
      "argument yen has 1 decimals, but JPY allows at most 0: got "
      "1.5 JPY");
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")},
                 {"dinar", MoneyValue("1.0001", "KWD")}},
                "argument dinar has 4 decimals, but KWD allows at most 3: got "
                "1.0001 KWD");
}

TEST_CASE("trailing zeros do not count as decimals", "[arguments]") {
  CHECK(Check({{"amount", MoneyValue("5.000", "SAR")}}).ok());
}

TEST_CASE("a declared override of a currency's decimals is honoured",
          "[arguments]") {
  CHECK(Check({{"amount", MoneyValue("1", "SAR")},
               {"riyal", MoneyValue("1.125", "SAR")}})
            .ok());
}

TEST_CASE(
    "money where text is expected, and text where money is, is "
    "rejected",
    "[arguments]") {
  ExpectInvalid({{"amount", Str("50")}},
                "argument amount must be money(SAR), got a string");
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")}, {"note", Int(5)}},
                "argument note must be string, got an int");
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")}, {"count", Str("5")}},
                "argument count must be int, got a string");
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")}, {"urgent", Int(1)}},
                "argument urgent must be bool, got an int");
}

TEST_CASE("a missing required argument is rejected", "[arguments]") {
  ExpectInvalid({},
                "argument amount is required for tool pay: expected "
                "money(SAR)");
}

TEST_CASE("an undeclared argument is rejected", "[arguments]") {
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")}, {"bogus", Int(1)}},
                "argument \"bogus\" is not declared for tool pay; it takes: "
                "amount, codes, count, dinar, note, riyal, tags, tier, "
                "urgent, yen");
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")}, {"aaa", Int(1)}},
                "argument \"aaa\" is not declared for tool pay; it takes: "
                "amount, codes, count, dinar, note, riyal, tags, tier, "
                "urgent, yen");
}

TEST_CASE("an enum value outside the list is rejected", "[arguments]") {
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")}, {"tier", Str("bronze")}},
                "argument tier must be one of \"gold\", \"silver\", got "
                "\"bronze\"");
}

TEST_CASE("list elements are checked one by one", "[arguments]") {
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")},
                 {"tags", Value{Value::List{Str("x"), Int(2)}}}},
                "argument tags[1] must be string, got an int");
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")},
                 {"codes", Value{Value::List{Str("c")}}}},
                "argument codes[0] must be one of \"a\", \"b\", got \"c\"");
  ExpectInvalid({{"amount", MoneyValue("1", "SAR")}, {"tags", Str("x")}},
                "argument tags must be list(of string), got a string");
}

TEST_CASE("untrusted text in errors is quoted and escaped", "[arguments]") {
  ExpectInvalid(
      {{"amount", MoneyValue("1", "SAR")}, {"tier", Str("gold\n\x01")}},
      "argument tier must be one of \"gold\", \"silver\", got "
      "\"gold\\x0a\\x01\"");
}

TEST_CASE("a confidence outside 0..1 is rejected", "[arguments]") {
  auto policy = testing::MustCompile(kPolicy);
  Action action =
      MakeAction("shop", "pay", {{"amount", MoneyValue("1", "SAR")}}, 1.5);
  auto verdict = policy->Evaluate(action, absl::UnixEpoch(), EmptyUsage());
  CHECK(verdict.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(verdict.status().message() ==
        "context.confidence must be between 0 and 1, got 1.5");
  action.context.confidence = std::nan("");
  verdict = policy->Evaluate(action, absl::UnixEpoch(), EmptyUsage());
  CHECK(verdict.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("money from the wire parses or says what is wrong", "[arguments]") {
  auto ok = ParseMoney("120.00", "SAR");
  REQUIRE(ok.ok());
  CHECK(ok->amount.ToString() == "120");
  CHECK(ok->currency == "SAR");

  auto words = ParseMoney("fifty", "SAR");
  CHECK(words.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(words.status().message() ==
        "money amount \"fifty\" is not a decimal number: only digits, one "
        "'.' and a leading '-' are allowed");

  auto exponent = ParseMoney("1e3", "SAR");
  CHECK(exponent.status().code() == absl::StatusCode::kInvalidArgument);

  auto currency = ParseMoney("1", "sar");
  CHECK(currency.status().message() ==
        "currency \"sar\" is not an ISO 4217 code (three upper-case letters, "
        "e.g. SAR)");
}

TEST_CASE("negative wire money parses, and the policy then rejects it",
          "[arguments]") {
  auto negative = ParseMoney("-5.00", "SAR");
  REQUIRE(negative.ok());
  ExpectInvalid({{"amount", Value{*negative}}},
                "argument amount must not be negative, got -5 SAR");
}

}  // namespace
}  // namespace portcullis::policy
