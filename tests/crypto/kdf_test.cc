#include "crypto/kdf.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/escaping.h"

namespace portcullis::crypto {
namespace {

SecureBytes Counting() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  return SecureBytes::CopyOf(bytes);
}

// Expected values from Python's hashlib.blake2b, an independent
// implementation of the same constructions:
//   blake2b(b"", digest_size=32, key=k, salt=pack("<Q", 7) + 8 zero bytes,
//           person=b"pcltenan" + 8 zero bytes)
//   blake2b(b"message", digest_size=32, key=k)
TEST_CASE("subkeys match an independent BLAKE2b computation", "[kdf]") {
  auto subkey = DeriveSubkey(Counting(), 7, "pcltenan");
  REQUIRE(subkey.ok());
  CHECK(absl::BytesToHexString(subkey->view()) ==
        "53e0005b9282d5255b3f635f58daabce76d82d31ed8289015720b72f6a16f3b6");
  auto keyed = KeyedHash(Counting().view(), "message");
  REQUIRE(keyed.ok());
  CHECK(absl::BytesToHexString(keyed->view()) ==
        "2615bcafac3ebcd31940a8f15d876916435d805823d2db78c201a8e94624a0ae");
}

TEST_CASE("a stack-derived key equals the secure-memory one", "[kdf]") {
  DerivedKey out;
  REQUIRE(KeyedHashInto(Counting().view(), "message", out).ok());
  CHECK(absl::BytesToHexString(out.view()) ==
        "2615bcafac3ebcd31940a8f15d876916435d805823d2db78c201a8e94624a0ae");
}

TEST_CASE("different ids and contexts give different subkeys", "[kdf]") {
  SecureBytes master = Counting();
  std::string a(DeriveSubkey(master, 1, "pcltenan")->view());
  CHECK(a != DeriveSubkey(master, 2, "pcltenan")->view());
  CHECK(a != DeriveSubkey(master, 1, "pclother")->view());
}

TEST_CASE("malformed KDF inputs are rejected", "[kdf]") {
  CHECK(DeriveSubkey(SecureBytes::CopyOf("short"), 1, "pcltenan")
            .status()
            .code() == absl::StatusCode::kInvalidArgument);
  CHECK(DeriveSubkey(Counting(), 1, "seven77").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(KeyedHash("tiny", "m").status().code() ==
        absl::StatusCode::kInvalidArgument);
  DerivedKey out;
  CHECK(KeyedHashInto("tiny", "m", out).code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::crypto
