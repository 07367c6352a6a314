#include "crypto/sha256.h"

#include <catch2/catch.hpp>

namespace portcullis::crypto {
namespace {

// FIPS 180-2 known answers.
TEST_CASE("SHA-256 matches the FIPS 180-2 vectors", "[sha256]") {
  CHECK(ToHex(Sha256("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ToHex(Sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("incremental SHA-256 equals one-shot SHA-256", "[sha256]") {
  Sha256Hasher h;
  h.Update("a");
  h.Update("");
  h.Update("bc");
  CHECK(h.Finish() == Sha256("abc"));
}

}  // namespace
}  // namespace portcullis::crypto
