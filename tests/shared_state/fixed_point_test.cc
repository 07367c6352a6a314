#include "shared_state/internal/fixed_point.h"

#include <catch2/catch.hpp>
#include <string>

namespace portcullis::shared_state::shared_state_internal {
namespace {

policy::Decimal D(const char* text) {
  return policy::Decimal::Parse(text).value();
}

TEST_CASE("amounts become a sign and 36 digits at scale 18", "[shared_state]") {
  CHECK(ToFixedPoint(D("12.5")) == "+000000000000000012500000000000000000");
  CHECK(ToFixedPoint(D("0")) == "+000000000000000000000000000000000000");
  CHECK(ToFixedPoint(D("-0.000000000000000001")) ==
        "-000000000000000000000000000000000001");
  CHECK(ToFixedPoint(D("999999999999999999.999999999999999999")) ==
        "+999999999999999999999999999999999999");
  CHECK(ToFixedPoint(D("1")).size() == 37);
}

TEST_CASE("fixed point reads back exactly", "[shared_state]") {
  for (const char* text : {"0", "12.5", "-3.25", "0.000000000000000001",
                           "999999999999999999.999999999999999999"}) {
    INFO(text);
    CHECK(FromFixedPoint(ToFixedPoint(D(text))).value() == D(text));
  }
  // A script's sum has a fifth chunk and may be longer.
  CHECK(FromFixedPoint(std::string(27, '0') + "300000000000000000").value() ==
        D("0.3"));
  CHECK(FromFixedPoint("1" + std::string(36, '0')).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(FromFixedPoint("12").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(
      FromFixedPoint("+00000000000000000x000000000000000000").status().code() ==
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::shared_state::shared_state_internal
