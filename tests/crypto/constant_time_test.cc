#include "crypto/constant_time.h"

#include <catch2/catch.hpp>

namespace portcullis::crypto {
namespace {

TEST_CASE("constant-time comparison agrees with ordinary equality",
          "[constant_time]") {
  CHECK(ConstantTimeEquals("", ""));
  CHECK(ConstantTimeEquals("digest", "digest"));
  CHECK_FALSE(ConstantTimeEquals("digest", "digesT"));
  CHECK_FALSE(ConstantTimeEquals("Digest", "digest"));
  CHECK_FALSE(ConstantTimeEquals("digest", "digest2"));
  CHECK_FALSE(ConstantTimeEquals("", "x"));
}

}  // namespace
}  // namespace portcullis::crypto
