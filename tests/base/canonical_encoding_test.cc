#include "base/canonical_encoding.h"

#include <catch2/catch.hpp>
#include <string>

namespace portcullis {
namespace {

TEST_CASE("integers are written big-endian at fixed width",
          "[canonical_encoding]") {
  CanonicalWriter w;
  w.U32(0x01020304);
  w.U64(0x0a0b0c0d0e0f1011);
  w.I64(-1);
  CHECK(w.bytes() == std::string("\x01\x02\x03\x04"
                                 "\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11"
                                 "\xff\xff\xff\xff\xff\xff\xff\xff",
                                 20));
}

TEST_CASE("strings carry a length prefix so fields cannot run together",
          "[canonical_encoding]") {
  CanonicalWriter ab_c, a_bc;
  ab_c.String("ab");
  ab_c.String("c");
  a_bc.String("a");
  a_bc.String("bc");
  CHECK(ab_c.bytes() != a_bc.bytes());
  CHECK(ab_c.bytes() == std::string("\0\0\0\x02"
                                    "ab\0\0\0\x01"
                                    "c",
                                    11));
}

TEST_CASE("a reader reads back what the writer wrote", "[canonical_encoding]") {
  CanonicalWriter w;
  w.Byte(7);
  w.U64(42);
  w.I64(-5);
  w.String("tenant");
  w.Fixed("0123");
  CanonicalReader r(w.bytes());
  CHECK(*r.Byte() == 7);
  CHECK(*r.U64() == 42);
  CHECK(*r.I64() == -5);
  CHECK(*r.String() == "tenant");
  CHECK(*r.Fixed(4) == "0123");
  CHECK(r.done());
}

TEST_CASE("a truncated encoding is data loss, never an over-read",
          "[canonical_encoding]") {
  CanonicalWriter w;
  w.String("abcdef");
  std::string cut = w.bytes().substr(0, 7);
  CanonicalReader r(cut);
  auto s = r.String();
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == absl::StatusCode::kDataLoss);
  CanonicalReader empty("");
  CHECK(empty.U64().status().code() == absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace portcullis
