// Reading an action typed on the command line.
#include "cli/action_flags.h"

#include <catch2/catch.hpp>

namespace portcullis::cli {
namespace {

TEST_CASE("argument values are read as a person writes them",
          "[cli][evaluate]") {
  v1::Value money = ParseArgumentValue("75.00SAR");
  REQUIRE(money.has_money_value());
  CHECK(money.money_value().amount() == "75.00");
  CHECK(money.money_value().currency() == "SAR");
  CHECK(ParseArgumentValue("-3 EUR").money_value().amount() == "-3");
  CHECK(ParseArgumentValue("42").int_value() == 42);
  CHECK(ParseArgumentValue("-7").int_value() == -7);
  CHECK(ParseArgumentValue("true").bool_value());
  CHECK(ParseArgumentValue("false").has_bool_value());
  CHECK(ParseArgumentValue("\"42\"").string_value() == "42");
  CHECK(ParseArgumentValue("c-77").string_value() == "c-77");
  CHECK(ParseArgumentValue("AN-001042").string_value() == "AN-001042");
  // Not money: no amount, a lower-case code, a malformed decimal.
  CHECK(ParseArgumentValue("SAR").string_value() == "SAR");
  CHECK(ParseArgumentValue("75sar").string_value() == "75sar");
  CHECK(ParseArgumentValue("7.SAR").string_value() == "7.SAR");
  CHECK(ParseArgumentValue("1.2.3SAR").string_value() == "1.2.3SAR");
  // Too big for an integer: kept as text for the gate to judge.
  CHECK(ParseArgumentValue("99999999999999999999").has_string_value());
  v1::Value list = ParseArgumentValue("[legal, 2, 3.00SAR]");
  REQUIRE(list.list_value().values_size() == 3);
  CHECK(list.list_value().values(0).string_value() == "legal");
  CHECK(list.list_value().values(1).int_value() == 2);
  CHECK(list.list_value().values(2).money_value().currency() == "SAR");
  CHECK(ParseArgumentValue("[]").list_value().values_size() == 0);
}

TEST_CASE("arguments are NAME=VALUE, each name once", "[cli][evaluate]") {
  v1::Action action;
  REQUIRE(AddArguments({"value=75.00SAR", "note=a=b"}, action).ok());
  CHECK(action.arguments().at("value").money_value().amount() == "75.00");
  CHECK(action.arguments().at("note").string_value() == "a=b");
  CHECK(AddArguments({"value=1"}, action).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(AddArguments({"novalue"}, action).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(AddArguments({"=1"}, action).code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("context keys are the context's fields", "[cli][evaluate]") {
  v1::Action action;
  REQUIRE(SetContext({"confidence=0.6", "run_mode=unattended",
                      "requestId=req-1", "session_id=s-9"},
                     action)
              .ok());
  CHECK(action.context().confidence() == 0.6);
  CHECK(action.context().run_mode() == v1::RUN_MODE_UNATTENDED);
  CHECK(action.context().request_id() == "req-1");
  CHECK(action.context().session_id() == "s-9");
  CHECK(!SetContext({"mood=happy"}, action).ok());
  CHECK(!SetContext({"confidence=high"}, action).ok());
  CHECK(!SetContext({"run_mode=sometimes"}, action).ok());
}

TEST_CASE(
    "the --arg and --context flags may repeat, other flags stay for Abseil",
    "[cli][evaluate]") {
  std::vector<std::string> words = {
      "portcullis", "evaluate", "--arg",    "a=1",
      "--tenant",   "t",        "-arg=b=2", "--context=confidence=1",
      "--",         "--arg=c"};
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  auto found = ExtractRepeatedFlags(argv, {"arg", "context"});
  REQUIRE(found.ok());
  REQUIRE(found->size() == 3);
  CHECK((*found)[0].name == "arg");
  CHECK((*found)[0].value == "a=1");
  CHECK((*found)[1].value == "b=2");
  CHECK((*found)[2].name == "context");
  REQUIRE(argv.size() == 6);
  CHECK(std::string(argv[2]) == "--tenant");
  CHECK(std::string(argv[5]) == "--arg=c");  // after "--": not a flag

  std::vector<std::string> dangling = {"portcullis", "--arg"};
  std::vector<char*> argv2 = {dangling[0].data(), dangling[1].data()};
  CHECK(!ExtractRepeatedFlags(argv2, {"arg"}).ok());
}

}  // namespace
}  // namespace portcullis::cli
