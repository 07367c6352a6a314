#include "shared_state/internal/redis_connection.h"

#include <catch2/catch.hpp>

#include "tests/testing/fake_clock.h"

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

TEST_CASE(
    "a down window fails attempts at once after a failure and lets one "
    "probe through after it",
    "[shared_state]") {
  testing::FakeClock clock;
  DownWindow down(absl::Milliseconds(500), clock);
  REQUIRE(down.Begin().ok());
  down.End(absl::UnavailableError("redis: read timed out"));
  absl::Status check = down.Check();
  CHECK(check.code() == absl::StatusCode::kUnavailable);
  CHECK(check.message().find("redis: read timed out") != std::string::npos);
  CHECK(down.Begin().code() == absl::StatusCode::kUnavailable);
  clock.Advance(absl::Milliseconds(499));
  CHECK(down.Check().code() == absl::StatusCode::kUnavailable);

  // Past the window one attempt probes; the others fail at once meanwhile.
  clock.Advance(absl::Milliseconds(1));
  CHECK(down.Check().ok());
  REQUIRE(down.Begin().ok());
  CHECK(down.Check().code() == absl::StatusCode::kUnavailable);
  CHECK(down.Begin().code() == absl::StatusCode::kUnavailable);
  // A failed probe starts a new window...
  down.End(absl::UnavailableError("redis: connect timed out"));
  CHECK(down.Check().message().find("connect timed out") != std::string::npos);
  clock.Advance(absl::Milliseconds(500));
  REQUIRE(down.Begin().ok());
  // ...and one that reached Redis ends the down time.
  down.End(absl::OkStatus());
  CHECK(down.Check().ok());
  REQUIRE(down.Begin().ok());
  CHECK(down.Check().ok());
  down.End(absl::OkStatus());

  // A clock stepped back before the failure ends the window.
  REQUIRE(down.Begin().ok());
  down.End(absl::UnavailableError("redis: connection reset"));
  CHECK_FALSE(down.Check().ok());
  clock.Advance(absl::Seconds(-1));
  CHECK(down.Check().ok());
}

TEST_CASE("a zero down window is never down", "[shared_state]") {
  testing::FakeClock clock;
  DownWindow down(absl::ZeroDuration(), clock);
  REQUIRE(down.Begin().ok());
  down.End(absl::UnavailableError("redis: read timed out"));
  CHECK(down.Check().ok());
  // Not even while another attempt runs.
  REQUIRE(down.Begin().ok());
  CHECK(down.Check().ok());
  REQUIRE(down.Begin().ok());
}

}  // namespace
}  // namespace portcullis::shared_state::shared_state_internal
