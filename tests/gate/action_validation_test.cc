#include "gate/action_validation.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/gate/gate_fixture.h"

namespace portcullis::gate {
namespace {

absl::Status Check(const policy::Action& a) { return ValidateAction(a, {}); }

void ExpectInvalid(const policy::Action& a, const std::string& field) {
  absl::Status s = Check(a);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  INFO(s.message());
  CHECK(s.message().find(field) == 0);
}

TEST_CASE("a well-formed action passes", "[action_validation]") {
  policy::Action a = MakeAction("shop", "refund_order");
  a.arguments["amount"] =
      policy::Value{policy::Money{*policy::Decimal::Parse("120.00"), "SAR"}};
  a.arguments["items"] = policy::Value{policy::Value::List{
      policy::Value{std::string("sku-1")}, policy::Value{int64_t{2}}}};
  a.context.confidence = 1.0;
  a.idempotency_key = "refund-1042";
  CHECK(Check(a).ok());
}

TEST_CASE("missing or malformed identifiers name their field",
          "[action_validation]") {
  policy::Action a = MakeAction("shop", "refund_order");
  a.tenant = "";
  ExpectInvalid(a, "action.tenant");
  a = MakeAction("shop", "refund_order");
  a.agent = "";
  ExpectInvalid(a, "action.agent");
  a = MakeAction("shop", "");
  ExpectInvalid(a, "action.tool");
  a = MakeAction("shop", std::string(129, 't'));
  ExpectInvalid(a, "action.tool");
  a = MakeAction("shop", "refund_order");
  a.arguments["Bad-Name"] = policy::Value{true};
  ExpectInvalid(a, "action.arguments");
  a = MakeAction("shop", "refund_order");
  a.idempotency_key = "has space";
  ExpectInvalid(a, "action.idempotency_key");
  a = MakeAction("shop", "refund_order");
  a.context.session_id = std::string("s\0x", 3);
  ExpectInvalid(a, "action.context.session_id");
}

TEST_CASE("confidence must lie between 0 and 1", "[action_validation]") {
  for (double bad : {-0.01, 1.01, std::nan("")}) {
    policy::Action a = MakeAction("shop", "refund_order");
    a.context.confidence = bad;
    ExpectInvalid(a, "action.context.confidence");
  }
}

TEST_CASE("oversize values are rejected", "[action_validation]") {
  ActionLimits limits;
  limits.max_arguments = 2;
  limits.max_string_bytes = 8;
  policy::Action a = MakeAction("shop", "refund_order");
  a.arguments["note"] = policy::Value{std::string(9, 'x')};
  CHECK(ValidateAction(a, limits).message().find("action.arguments.note") == 0);
  a.arguments.erase("note");
  a.arguments["b"] = policy::Value{true};
  a.arguments["c"] = policy::Value{true};
  CHECK(ValidateAction(a, limits).message().find("3 arguments") !=
        std::string::npos);
}

TEST_CASE("money needs a three-letter currency code", "[action_validation]") {
  for (const char* bad : {"", "sar", "SARS", "S1R"}) {
    policy::Action a = MakeAction("shop", "refund_order");
    a.arguments["amount"] =
        policy::Value{policy::Money{*policy::Decimal::Parse("1"), bad}};
    ExpectInvalid(a, "action.arguments.amount");
  }
}

TEST_CASE("lists cannot nest without bound", "[action_validation]") {
  policy::Value v{std::string("leaf")};
  for (int i = 0; i < 6; ++i) v = policy::Value{policy::Value::List{v}};
  policy::Action a = MakeAction("shop", "refund_order");
  a.arguments["deep"] = v;
  ExpectInvalid(a, "action.arguments.deep");
}

}  // namespace
}  // namespace portcullis::gate
