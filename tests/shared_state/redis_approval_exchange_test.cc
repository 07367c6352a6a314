// RedisApprovalExchange on a real redis-server: what one replica publishes
// the others list (never itself), a replica that stops is forgotten, calls
// and answers are each taken once, and bad names are refused before
// anything is sent.
#include "shared_state/redis_approval_exchange.h"

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/redis_server.h"

namespace portcullis::shared_state {
namespace {

using gate::RelayedCall;
using gate::SharedPending;
using testing::RedisServer;

constexpr char kId1[] = "0123456789abcdef0123456789abcdef";
constexpr char kId2[] = "fedcba9876543210fedcba9876543210";
const absl::Duration kTtl = absl::Seconds(10);

std::unique_ptr<RedisApprovalExchange> Exchange(const RedisServer& redis,
                                                const std::string& replica) {
  RedisCounterStoreOptions options;
  options.address = redis.address();
  options.key_prefix = "test:";
  options.connect_timeout = absl::Seconds(2);
  options.command_timeout = absl::Seconds(2);
  return RedisApprovalExchange::Create(std::move(options), replica).value();
}

std::vector<SharedPending> Others(RedisApprovalExchange& exchange,
                                  const std::string& tenant = "shop") {
  auto others = exchange.ListOthers(tenant);
  REQUIRE(others.ok());
  return *std::move(others);
}

TEST_CASE(
    "what one replica publishes the others list and it does not list "
    "itself",
    "[shared_state][approvals]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto a = Exchange(redis, "pod-a");
  auto b = Exchange(redis, "pod-b");
  CHECK(Others(*b).empty());

  REQUIRE(a->Publish("shop", {{kId1, "listing one"}}, kTtl).ok());
  CHECK(Others(*a).empty());
  auto seen = Others(*b);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].replica == "pod-a");
  CHECK(seen[0].decision_id == kId1);
  CHECK(seen[0].listing == "listing one");
  CHECK(Others(*b, "other").empty());  // per tenant

  // A publication replaces the last; B's own are listed to A.
  REQUIRE(a->Publish("shop", {{kId2, "listing two"}}, kTtl).ok());
  REQUIRE(b->Publish("shop", {{kId1, "b holds"}}, kTtl).ok());
  seen = Others(*b);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].decision_id == kId2);
  CHECK(Others(*a).at(0).replica == "pod-b");
  // Its listing expires unless published again.
  const int64_t ttl = redis.Command({"PTTL", "test:{shop}:p:pod-a"}).integer;
  CHECK(ttl > 0);
  CHECK(ttl <= 10000);

  // Nothing left to list: A is no longer a holder.
  REQUIRE(a->Publish("shop", {}, kTtl).ok());
  CHECK(Others(*b).empty());
  CHECK(redis.Command({"SISMEMBER", "test:{shop}:holders", "pod-a"}).integer ==
        0);
}

TEST_CASE("a replica whose listing expired is forgotten",
          "[shared_state][approvals]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto a = Exchange(redis, "pod-a");
  auto b = Exchange(redis, "pod-b");
  REQUIRE(a->Publish("shop", {{kId1, "x"}}, kTtl).ok());
  // As if its time to live had passed: A stopped publishing.
  redis.Command({"DEL", "test:{shop}:p:pod-a"});
  CHECK(Others(*b).empty());
  CHECK(redis.Command({"SISMEMBER", "test:{shop}:holders", "pod-a"}).integer ==
        0);
}

TEST_CASE("a relayed call and its answer are each taken once",
          "[shared_state][approvals]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto a = Exchange(redis, "pod-a");
  auto b = Exchange(redis, "pod-b");
  REQUIRE(
      b->Send("pod-a", {"call-1", "signed bytes \n with a space"}, kTtl).ok());
  REQUIRE(b->Send("pod-a", {"call-2", ""}, kTtl).ok());
  CHECK(b->Receive(10)->empty());  // B's inbox is its own
  auto calls = a->Receive(10);
  REQUIRE(calls.ok());
  REQUIRE(calls->size() == 2);
  CHECK((*calls)[0].id == "call-1");
  CHECK((*calls)[0].bytes == "signed bytes \n with a space");
  CHECK((*calls)[1].id == "call-2");
  CHECK(a->Receive(10)->empty());

  auto none = b->TakeAnswer("call-1");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(a->Answer({"call-1", "recorded"}, kTtl).ok());
  auto answer = b->TakeAnswer("call-1");
  REQUIRE(answer.ok());
  REQUIRE(answer->has_value());
  CHECK(**answer == "recorded");
  CHECK_FALSE(b->TakeAnswer("call-1")->has_value());
}

TEST_CASE(
    "bad tenant ids decision ids replica names and call ids are refused "
    "before anything is sent",
    "[shared_state][approvals]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto a = Exchange(redis, "pod-a");
  for (const char* tenant : {"Shop", "shop}:x", "a{b}", "", "sh op"}) {
    INFO(tenant);
    CHECK(a->Publish(tenant, {{kId1, "x"}}, kTtl).code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(a->ListOthers(tenant).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  CHECK(a->Publish("shop", {{"not-a-decision-id", "x"}}, kTtl).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(
      a->Publish("shop", {{kId1, std::string(kMaxRelayedBytes + 1, 'x')}}, kTtl)
          .code() == absl::StatusCode::kInvalidArgument);
  for (const char* replica : {"", "-pod", "pod a", "pod}x", "pod:a"}) {
    INFO(replica);
    CHECK(a->Send(replica, {"call-1", "x"}, kTtl).code() ==
          absl::StatusCode::kInvalidArgument);
  }
  for (const char* id : {"", "call 1", "call:1", "call}1"}) {
    INFO(id);
    CHECK(a->Send("pod-b", {id, "x"}, kTtl).code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(a->Answer({id, "x"}, kTtl).code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(a->TakeAnswer(id).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  CHECK(redis.Command({"DBSIZE"}).integer == 0);

  RedisCounterStoreOptions options;
  options.address = redis.address();
  CHECK(RedisApprovalExchange::Create(options, "pod a").status().code() ==
        absl::StatusCode::kInvalidArgument);
  options.key_prefix = "x{y}";
  CHECK(RedisApprovalExchange::Create(options, "pod-a").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("listings in redis that are not well formed are left out",
          "[shared_state][approvals]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto a = Exchange(redis, "pod-a");
  auto b = Exchange(redis, "pod-b");
  REQUIRE(a->Publish("shop", {{kId1, "good"}}, kTtl).ok());
  redis.Command({"HSET", "test:{shop}:p:pod-a", "not an id", "bad"});
  redis.Command({"SADD", "test:{shop}:holders", "bad replica"});
  redis.Command({"HSET", "test:{shop}:p:bad replica", kId2, "bad"});
  redis.Command(
      {"RPUSH", "test:{:relay}:in:pod-a", "no-space-here", "bad:id x"});
  auto seen = Others(*b);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].listing == "good");
  CHECK(a->Receive(10)->empty());
}

TEST_CASE("an exchange whose redis is gone is unavailable",
          "[shared_state][approvals]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto a = Exchange(redis, "pod-a");
  redis.Kill();
  CHECK(a->Publish("shop", {{kId1, "x"}}, kTtl).code() ==
        absl::StatusCode::kUnavailable);
  CHECK(a->ListOthers("shop").status().code() ==
        absl::StatusCode::kUnavailable);
  CHECK(a->Receive(1).status().code() == absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace portcullis::shared_state
