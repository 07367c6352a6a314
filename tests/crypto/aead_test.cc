#include "crypto/aead.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "crypto/random.h"

namespace portcullis::crypto {
namespace {

std::string NewKey() { return RandomBytes(kAeadKeySize); }

TEST_CASE("a sealed payload opens with its key and associated data", "[aead]") {
  std::string key = NewKey();
  auto sealed = AeadSeal(key, "refund 120.00 SAR", "tenant a seq 7");
  REQUIRE(sealed.ok());
  CHECK(sealed->size() == 17 + kAeadOverhead);
  CHECK(sealed->find("refund") == std::string::npos);
  auto opened = AeadOpen(key, *sealed, "tenant a seq 7");
  REQUIRE(opened.ok());
  CHECK(*opened == "refund 120.00 SAR");
  auto empty = AeadSeal(key, "", "");
  REQUIRE(empty.ok());
  CHECK(AeadOpen(key, *empty, "")->empty());
}

TEST_CASE("every seal uses a fresh nonce", "[aead]") {
  std::string key = NewKey();
  CHECK(*AeadSeal(key, "same", "ad") != *AeadSeal(key, "same", "ad"));
}

TEST_CASE("a nonce batch hands each nonce out once, then seals draw their own",
          "[aead]") {
  std::string key = NewKey();
  NonceBatch nonces(3);
  std::set<std::string> used;
  for (int i = 0; i < 5; ++i) {  // three from the batch, two drawn alone
    auto sealed = AeadSeal(key, "same", "ad", &nonces);
    REQUIRE(sealed.ok());
    used.insert(sealed->substr(0, kAeadNonceSize));
    CHECK(*AeadOpen(key, *sealed, "ad") == "same");
  }
  CHECK(used.size() == 5);
  CHECK(nonces.Take().empty());
}

TEST_CASE("a sealed payload does not open elsewhere", "[aead]") {
  std::string key = NewKey();
  std::string sealed = *AeadSeal(key, "secret", "tenant a seq 7");
  CHECK(AeadOpen(key, sealed, "tenant b seq 7").status().code() ==
        absl::StatusCode::kDataLoss);
  CHECK(AeadOpen(NewKey(), sealed, "tenant a seq 7").status().code() ==
        absl::StatusCode::kDataLoss);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string flipped = sealed;
    flipped[i] ^= 0x20;
    CHECK(AeadOpen(key, flipped, "tenant a seq 7").status().code() ==
          absl::StatusCode::kDataLoss);
  }
  CHECK(AeadOpen(key, sealed.substr(0, kAeadOverhead - 1), "tenant a seq 7")
            .status()
            .code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("keys of the wrong size are rejected", "[aead]") {
  std::string short_key = "short";
  CHECK(AeadSeal(short_key, "x", "").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(AeadOpen(short_key, std::string(64, 'x'), "").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::crypto
