#include "crypto/ed25519.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/escaping.h"

namespace portcullis::crypto {
namespace {

// RFC 8032, section 7.1, TEST 1.
constexpr char kSeedHex[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kPublicHex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr char kSignatureHex[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

TEST_CASE("Ed25519 signs the RFC 8032 test vector", "[ed25519]") {
  auto key = SigningKey::FromSeed(absl::HexStringToBytes(kSeedHex));
  REQUIRE(key.ok());
  CHECK(absl::BytesToHexString(key->verifying_key().bytes()) == kPublicHex);
  std::string signature = key->Sign("");
  CHECK(absl::BytesToHexString(signature) == kSignatureHex);
  CHECK(key->verifying_key().Verify("", signature));
}

TEST_CASE("a signature does not verify for another message or key",
          "[ed25519]") {
  SigningKey a = SigningKey::Generate();
  SigningKey b = SigningKey::Generate();
  std::string signature = a.Sign("approve 120.00 SAR");
  CHECK(a.verifying_key().Verify("approve 120.00 SAR", signature));
  CHECK_FALSE(a.verifying_key().Verify("approve 920.00 SAR", signature));
  CHECK_FALSE(b.verifying_key().Verify("approve 120.00 SAR", signature));
  signature[10] ^= 1;
  CHECK_FALSE(a.verifying_key().Verify("approve 120.00 SAR", signature));
  CHECK_FALSE(a.verifying_key().Verify("approve 120.00 SAR", "short"));
}

TEST_CASE("keys of the wrong length are rejected", "[ed25519]") {
  CHECK(SigningKey::FromSeed("short").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(VerifyingKey::FromBytes(std::string(31, 'k')).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a key rebuilt from its seed signs identically", "[ed25519]") {
  SigningKey a = SigningKey::Generate();
  auto b = SigningKey::FromSeed(a.seed());
  REQUIRE(b.ok());
  CHECK(b->verifying_key().bytes() == a.verifying_key().bytes());
  CHECK(b->Sign("m") == a.Sign("m"));
}

}  // namespace
}  // namespace portcullis::crypto
