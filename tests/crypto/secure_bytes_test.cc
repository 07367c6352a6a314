#include "crypto/secure_bytes.h"

#include <catch2/catch.hpp>
#include <utility>

namespace portcullis::crypto {
namespace {

TEST_CASE("secure bytes copy their input and move without copying",
          "[secure_bytes]") {
  SecureBytes a = SecureBytes::CopyOf("secret");
  CHECK(a.view() == "secret");
  const uint8_t* where = a.data();
  SecureBytes b = std::move(a);
  CHECK(b.data() == where);
  CHECK(b.view() == "secret");
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST_CASE("new secure bytes are zeroed", "[secure_bytes]") {
  SecureBytes s(16);
  for (size_t i = 0; i < s.size(); ++i) CHECK(s.data()[i] == 0);
}

}  // namespace
}  // namespace portcullis::crypto
