#include "crypto/hash.h"

#include <catch2/catch.hpp>

namespace portcullis::crypto {
namespace {

// Known answers from the BLAKE2 reference implementation (b2sum -l 256).
TEST_CASE("BLAKE2b-256 matches the reference vectors", "[hash]") {
  CHECK(ToHex(Blake2b256("")) ==
        "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  CHECK(ToHex(Blake2b256("abc")) ==
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_CASE("incremental hashing equals one-shot hashing", "[hash]") {
  Hasher h;
  h.Update("a");
  h.Update("");
  h.Update("bc");
  CHECK(h.Finish() == Blake2b256("abc"));
}

TEST_CASE("a digest converts from exactly 32 bytes only", "[hash]") {
  Digest d{};
  CHECK_FALSE(DigestFromBytes("short", d));
  Digest source = Blake2b256("x");
  REQUIRE(DigestFromBytes(AsBytes(source), d));
  CHECK(d == source);
}

}  // namespace
}  // namespace portcullis::crypto
