#include "shared_state/internal/redis_connection.h"

#include <catch2/catch.hpp>

namespace portcullis::shared_state::shared_state_internal {
namespace {

TEST_CASE("a redis address is host:port or [v6]:port", "[shared_state]") {
  auto v4 = ParseRedisAddress("10.0.0.7:6380");
  REQUIRE(v4.ok());
  CHECK(v4->host == "10.0.0.7");
  CHECK(v4->port == 6380);
  auto name = ParseRedisAddress("redis.internal:6379");
  REQUIRE(name.ok());
  CHECK(name->host == "redis.internal");
  auto v6 = ParseRedisAddress("[::1]:6379");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 6379);
  for (const char* bad :
       {"", "redis", ":6379", "redis:", "redis:0", "redis:65536", "redis:63x9",
        "[::1]", "[::1:6379", "redis:-1"}) {
    INFO(bad);
    CHECK(ParseRedisAddress(bad).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a server that is not there is unavailable", "[shared_state]") {
  RedisConnection connection({"127.0.0.1", 1}, {}, absl::Seconds(1),
                             absl::Seconds(1));
  auto reply = connection.Run({"PING"});
  CHECK(reply.status().code() == absl::StatusCode::kUnavailable);
  CHECK(reply.status().message().find("127.0.0.1:1") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::shared_state::shared_state_internal
