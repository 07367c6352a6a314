#include "config/listen_address.h"

#include <catch2/catch.hpp>

namespace portcullis::config {
namespace {

TEST_CASE("loopback addresses are recognised", "[listen_address]") {
  for (const char* text :
       {"127.0.0.1:7575", "127.1.2.3:0", "[::1]:7575", "localhost:7575"}) {
    INFO(text);
    auto a = ParseListenAddress(text);
    REQUIRE(a.ok());
    CHECK(a->loopback);
  }
}

TEST_CASE("other addresses are not loopback", "[listen_address]") {
  for (const char* text :
       {"0.0.0.0:7575", "10.0.0.5:7575", "[::]:7575", "example.com:7575"}) {
    INFO(text);
    auto a = ParseListenAddress(text);
    REQUIRE(a.ok());
    CHECK_FALSE(a->loopback);
  }
}

TEST_CASE("IPv6 hosts get brackets back for gRPC", "[listen_address]") {
  auto a = ParseListenAddress("[::1]:9");
  REQUIRE(a.ok());
  CHECK(a->host == "::1");
  CHECK(a->port == 9);
  CHECK(a->ToGrpcTarget() == "[::1]:9");
  CHECK(ParseListenAddress("127.0.0.1:80")->ToGrpcTarget() == "127.0.0.1:80");
}

TEST_CASE("malformed addresses are rejected with an example",
          "[listen_address]") {
  for (const char* text : {"127.0.0.1", ":7575", "127.0.0.1:port",
                           "127.0.0.1:70000", "::1:7575", ""}) {
    INFO(text);
    auto a = ParseListenAddress(text);
    CHECK(a.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(a.status().message().find("127.0.0.1:7575") != std::string::npos);
  }
}

}  // namespace
}  // namespace portcullis::config
