#include "shared_state/counter_keys.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace portcullis::shared_state {
namespace {

TEST_CASE("a counter key puts the tenant in a hash tag", "[shared_state]") {
  auto keys =
      KeysOfCounter("portcullis:", "acme", "acme/refunds/agent=bot%2F1");
  REQUIRE(keys.ok());
  CHECK(keys->events == "portcullis:{acme}:c:acme/refunds/agent=bot%2F1");
  CHECK(keys->sum == "portcullis:{acme}:s:acme/refunds/agent=bot%2F1");
  CHECK(KeysOfCounter("", "acme", "acme/x").value().events ==
        "{acme}:c:acme/x");
}

TEST_CASE("tenant ids that could leave their hash tag are refused",
          "[shared_state]") {
  for (const std::string& tenant : std::vector<std::string>{
           "", "a}b", "{a}", "a{b", "a:b", "Acme", "a b", std::string(64, 'a'),
           std::string("a\xff"), std::string("a\0b", 3), "-a"}) {
    INFO(tenant);
    CHECK(KeysOfCounter("p:", tenant, "c").status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("counters outside the key alphabet are refused", "[shared_state]") {
  for (const std::string& counter : std::vector<std::string>{
           "", "a{b", "a}b", "a b", "a\nb", std::string("caf\xc3\xa9"),
           std::string("\xc3\x28"), std::string(kMaxCounterLength + 1, 'c'),
           "a*b", "a\"b"}) {
    INFO(counter);
    CHECK(KeysOfCounter("p:", "acme", counter).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  CHECK(ValidateCounter(std::string(kMaxCounterLength, 'c')).ok());
  CHECK(ValidateCounter("acme/session:events/agent=a%40b/session=s-1").ok());
}

TEST_CASE("key prefixes are a small alphabet of bounded length",
          "[shared_state]") {
  CHECK(ValidateKeyPrefix("").ok());
  CHECK(ValidateKeyPrefix("prod.eu-1:portcullis:").ok());
  for (const std::string& prefix :
       std::vector<std::string>{"a{", "}", "a b", "a/b", std::string("\xff"),
                                std::string(kMaxKeyPrefixLength + 1, 'p')}) {
    INFO(prefix);
    CHECK(ValidateKeyPrefix(prefix).code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace portcullis::shared_state
