#include "base/identifiers.h"

#include <catch2/catch.hpp>
#include <string>

namespace portcullis {
namespace {

TEST_CASE("tenant ids of the allowed alphabet are accepted", "[identifiers]") {
  const std::string cases[] = {"a", "al-noor", "shop_42", "0day",
                               std::string(63, 'x')};
  for (const std::string& id : cases) {
    INFO(id);
    CHECK(ValidateTenantId(id).ok());
  }
}

TEST_CASE("tenant ids that could escape a key or a path are rejected",
          "[identifiers]") {
  const std::string cases[] = {
      "",                      // empty
      "../etc",                // traversal
      "a/b",                   // separator
      "a\\b",                  // separator
      std::string("a\0b", 3),  // NUL
      "a\nb",                  // control character
      "Acme",                  // upper case
      "-lead",                 // leading dash
      "\xd0\xb0",              // Cyrillic 'a', a look-alike
      "a b",                   // space
      std::string(64, 'x'),    // too long
  };
  for (const std::string& id : cases) {
    INFO("id of " << id.size() << " bytes");
    absl::Status s = ValidateTenantId(id);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.message().find("tenant id") != std::string::npos);
  }
}

TEST_CASE("an identifier error names the offending byte without echoing it",
          "[identifiers]") {
  absl::Status s = ValidateTenantId(std::string("ab\x01", 3));
  CHECK(s.message().find("byte 0x01 at position 2") != std::string::npos);
  CHECK(s.message().find('\x01') == std::string::npos);
}

TEST_CASE("tool names, agent ids and argument names have their own rules",
          "[identifiers]") {
  CHECK(ValidateToolName("create_coupon").ok());
  CHECK(ValidateToolName("shop.refund-v2").ok());
  CHECK_FALSE(ValidateToolName("").ok());
  CHECK_FALSE(ValidateToolName("1tool").ok());
  CHECK_FALSE(ValidateToolName(std::string(129, 't')).ok());
  CHECK(ValidateAgentId("agent:support@v2").ok());
  CHECK_FALSE(ValidateAgentId("agent one").ok());
  CHECK(ValidateArgumentName("order_id").ok());
  CHECK_FALSE(ValidateArgumentName("Order").ok());
  CHECK_FALSE(ValidateArgumentName("9lives").ok());
}

TEST_CASE("opaque ids may be empty but not hold spaces or control bytes",
          "[identifiers]") {
  CHECK(ValidateOpaqueId("request id", "").ok());
  CHECK(ValidateOpaqueId("request id", "req-123:abc").ok());
  absl::Status s = ValidateOpaqueId("request id", "req 1");
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message().find("request id") != std::string::npos);
  CHECK_FALSE(ValidateOpaqueId("request id", std::string(129, 'r')).ok());
}

TEST_CASE("decision ids are exactly 32 lowercase hex characters",
          "[identifiers]") {
  CHECK(ValidateDecisionId("0123456789abcdef0123456789abcdef").ok());
  CHECK_FALSE(ValidateDecisionId("0123456789ABCDEF0123456789ABCDEF").ok());
  CHECK_FALSE(ValidateDecisionId("0123").ok());
  CHECK_FALSE(ValidateDecisionId("0123456789abcdef0123456789abcdeg").ok());
}

TEST_CASE("replica names fit a pod name and nothing that escapes a line",
          "[identifiers]") {
  const std::string good[] = {"agent-0", "agent-7d9f8c-x2k4p", "gate.eu-1",
                              "A_1", std::string(64, 'r')};
  for (const std::string& name : good) {
    INFO(name);
    CHECK(ValidateReplicaName(name).ok());
  }
  const std::string bad[] = {
      "",        std::string(65, 'r'), "-agent", ".hidden", "agent/0",
      "agent 0", "agent\n0",           "pod:1",  "\xd0\xb0"};
  for (const std::string& name : bad) {
    INFO(name);
    CHECK(ValidateReplicaName(name).code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace portcullis
