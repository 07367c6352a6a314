#include "shared_state/internal/host_lookup.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "shared_state/internal/redis_connection.h"

namespace portcullis::shared_state::shared_state_internal {
namespace {

// A DNS server that does not answer, at getaddrinfo's seam: each lookup
// waits until the test lets them all go.
struct Unanswered {
  static absl::Mutex mu;
  static bool released ABSL_GUARDED_BY(mu);
  static int calls ABSL_GUARDED_BY(mu);

  static int Lookup(const char*, const char*, const addrinfo*, addrinfo**) {
    absl::MutexLock lock(&mu);
    ++calls;
    mu.Await(absl::Condition(&released));
    return EAI_AGAIN;
  }
  static void Arm() {
    absl::MutexLock lock(&mu);
    released = false;
    calls = 0;
  }
  // Answers every lookup waiting, and returns once none is outstanding.
  static void ReleaseAll() {
    {
      absl::MutexLock lock(&mu);
      released = true;
    }
    while (OutstandingLookups() > 0) std::this_thread::yield();
  }
  static int Calls() {
    absl::MutexLock lock(&mu);
    return calls;
  }
};
absl::Mutex Unanswered::mu;
bool Unanswered::released = true;
int Unanswered::calls = 0;

int NoSuchName(const char*, const char*, const addrinfo*, addrinfo**) {
  return EAI_NONAME;
}

TEST_CASE("an IP address is never looked up", "[shared_state]") {
  Unanswered::Arm();
  for (const char* address : {"127.0.0.1", "::1", "10.1.2.3"}) {
    INFO(address);
    auto found =
        ResolveWithin({address, 6379}, absl::Seconds(1), &Unanswered::Lookup);
    REQUIRE(found.ok());
    REQUIRE(found->size() == 1);
    CHECK((*found)[0].host == address);
    CHECK((*found)[0].port == 6379);
  }
  CHECK(Unanswered::Calls() == 0);
  Unanswered::ReleaseAll();
}

TEST_CASE("a name is looked up into its addresses, each once",
          "[shared_state]") {
  auto found = ResolveWithin({"localhost", 6380}, absl::Seconds(10));
  REQUIRE(found.ok());
  bool loopback = false;
  for (size_t i = 0; i < found->size(); ++i) {
    loopback = loopback || (*found)[i].host == "127.0.0.1";
    CHECK((*found)[i].port == 6380);
    for (size_t j = 0; j < i; ++j) CHECK((*found)[j].host != (*found)[i].host);
  }
  CHECK(loopback);
  auto unknown =
      ResolveWithin({"redis.invalid", 6379}, absl::Seconds(1), &NoSuchName);
  CHECK(unknown.status().code() == absl::StatusCode::kUnavailable);
  CHECK(unknown.status().message().find("redis.invalid") != std::string::npos);
}

TEST_CASE(
    "a lookup that does not answer gives up at the timeout, and only so "
    "many are left waiting",
    "[shared_state]") {
  Unanswered::Arm();
  auto late = ResolveWithin({"redis.example", 6379}, absl::Milliseconds(20),
                            &Unanswered::Lookup);
  CHECK(late.status().code() == absl::StatusCode::kUnavailable);
  CHECK(late.status().message().find(
            "cannot resolve redis.example (no answer within the connect "
            "timeout)") != std::string::npos);
  // The one above is still waiting: kMaxStuckLookups in all, then no more
  // are started.
  for (int i = 1; i < kMaxStuckLookups; ++i) {
    CHECK(!ResolveWithin({"redis.example", 6379}, absl::Milliseconds(1),
                         &Unanswered::Lookup)
               .ok());
  }
  CHECK(OutstandingLookups() == kMaxStuckLookups);
  auto refused = ResolveWithin({"redis.example", 6379}, absl::Seconds(10),
                               &Unanswered::Lookup);
  CHECK(refused.status().code() == absl::StatusCode::kUnavailable);
  CHECK(refused.status().message().find("lookups still unanswered") !=
        std::string::npos);
  // Every started one reached the lookup (none ran twice, none beyond).
  for (;;) {
    if (Unanswered::Calls() == kMaxStuckLookups) break;
    std::this_thread::yield();
  }
  Unanswered::ReleaseAll();
  CHECK(ResolveWithin({"localhost", 6379}, absl::Seconds(10)).ok());
}

TEST_CASE("a connection gives up on a name that does not resolve in time",
          "[shared_state]") {
  Unanswered::Arm();
  RedisConnection connection({"redis.example", 6379}, {},
                             absl::Milliseconds(50), absl::Seconds(1), nullptr,
                             nullptr, &Unanswered::Lookup);
  auto reply = connection.Run({"PING"});
  CHECK(reply.status().code() == absl::StatusCode::kUnavailable);
  CHECK(reply.status().message().find("cannot resolve redis.example") !=
        std::string::npos);
  Unanswered::ReleaseAll();
}

}  // namespace
}  // namespace portcullis::shared_state::shared_state_internal
