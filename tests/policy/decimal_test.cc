#include "policy/decimal.h"

#include <catch2/catch.hpp>
#include <string>

namespace portcullis::policy {
namespace {

Decimal D(const char* text) {
  auto d = Decimal::Parse(text);
  REQUIRE(d.ok());
  return *d;
}

TEST_CASE("decimals parse to a canonical form", "[decimal]") {
  CHECK(D("50").ToString() == "50");
  CHECK(D("50.00").ToString() == "50");
  CHECK(D("050.10").ToString() == "50.1");
  CHECK(D("-0.000").ToString() == "0");
  CHECK(D("-12.345").ToString() == "-12.345");
  CHECK(D("0.01").ToString() == "0.01");
  CHECK(D("0.01").fraction_digits() == 2);
  CHECK(D("12.30").fraction_digits() == 1);
}

TEST_CASE("decimal arithmetic is exact", "[decimal]") {
  auto sum = D("0.1").Add(D("0.2"));
  REQUIRE(sum.ok());
  CHECK(*sum == D("0.3"));
  CHECK(D("50.00") == D("50"));
  CHECK(D("50.01") > D("50"));
  CHECK(D("-1") < D("0.000000000000000001"));
  CHECK(D("999999999999999999.999999999999999999") >
        D("999999999999999999.99999999999999999"));
}

TEST_CASE("malformed decimals are rejected with a reason", "[decimal]") {
  for (const char* bad :
       {"", "abc", "1e5", "+1", "1.", ".5", "1.2.3", "1,000", " 1", "--1",
        "1234567890123456789", "0.1234567890123456789"}) {
    INFO(bad);
    auto d = Decimal::Parse(bad);
    REQUIRE_FALSE(d.ok());
    CHECK(d.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(d.status().message().find("not a decimal number") !=
          std::string::npos);
  }
}

TEST_CASE("a sum beyond 18 integer digits is out of range", "[decimal]") {
  auto sum = D("999999999999999999").Add(D("1"));
  CHECK(sum.status().code() == absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace portcullis::policy
