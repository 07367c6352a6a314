// RedisHaltStore on a real redis-server: halts published by one store are
// read by another, a change the target already has is refused, a repeated
// publication is recognised, bad input is refused before anything is sent,
// and what Redis holds that is not well formed is left out.
#include "shared_state/redis_halt_store.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/testing/redis_server.h"

namespace portcullis::shared_state {
namespace {

using gate::SharedHalt;
using testing::RedisServer;

const absl::Time kAt = absl::FromUnixMillis(1767528000123);

std::unique_ptr<RedisHaltStore> Store(const RedisServer& redis,
                                      const std::string& prefix = "test:") {
  RedisCounterStoreOptions options;
  options.address = redis.address();
  options.key_prefix = prefix;
  options.connect_timeout = absl::Seconds(2);
  options.command_timeout = absl::Seconds(2);
  return RedisHaltStore::Create(std::move(options)).value();
}

SharedHalt Halt(std::string tenant, bool halted = true) {
  return SharedHalt{std::move(tenant), halted, "refund fraud", "ops",
                    "pod-a",           kAt};
}

// Publishes `halt`, which must be answered; returns whether it changed.
bool Published(RedisHaltStore& store, const SharedHalt& halt) {
  absl::StatusOr<bool> changed = store.Publish(halt);
  REQUIRE(changed.ok());
  return *changed;
}

const SharedHalt* Find(const std::vector<SharedHalt>& halts,
                       const std::string& tenant) {
  for (const SharedHalt& h : halts) {
    if (h.tenant == tenant) return &h;
  }
  return nullptr;
}

TEST_CASE("a halt published by one store is read by another",
          "[shared_state][halts]") {
  RedisServer redis;
  auto a = Store(redis);
  auto b = Store(redis);
  auto empty = b->Read();
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  REQUIRE(Published(*a, Halt("shop")));
  REQUIRE(Published(*a, Halt("")));  // the whole gate
  auto read = b->Read();
  REQUIRE(read.ok());
  REQUIRE(read->size() == 2);
  const SharedHalt* shop = Find(*read, "shop");
  REQUIRE(shop != nullptr);
  CHECK(shop->halted);
  CHECK(shop->reason == "refund fraud");
  CHECK(shop->principal == "ops");
  CHECK(shop->replica == "pod-a");
  CHECK(shop->at == kAt);
  REQUIRE(Find(*read, "") != nullptr);
  CHECK(redis.Command({"HGET", "test:{:halts}", "*/halted"}).text == "1");

  SharedHalt resume = Halt("shop", false);
  resume.replica = "pod-b";
  resume.reason = "fraud stopped";
  REQUIRE(Published(*b, resume));
  read = a->Read();
  REQUIRE(read.ok());
  CHECK_FALSE(Find(*read, "shop")->halted);
  CHECK(Find(*read, "shop")->replica == "pod-b");
}

TEST_CASE(
    "halting what is halted and resuming what runs change nothing in "
    "redis",
    "[shared_state][halts]") {
  RedisServer redis;
  auto store = Store(redis);
  CHECK(!Published(*store, Halt("shop", false)));  // never halted
  CHECK(store->Read()->empty());
  REQUIRE(Published(*store, Halt("shop")));
  SharedHalt again = Halt("shop");
  again.reason = "another reason";
  CHECK(!Published(*store, again));
  CHECK(Find(*store->Read(), "shop")->reason == "refund fraud");
}

TEST_CASE(
    "bad tenant ids and fields are refused before anything is sent and "
    "prefixes cannot reach another deployment",
    "[shared_state][halts]") {
  RedisServer redis;
  auto store = Store(redis);
  for (const char* tenant :
       {"Shop", "shop}:x", "a{b}", "../x", "shop/halted", "*", "sh op"}) {
    INFO(tenant);
    CHECK(store->Publish(Halt(tenant)).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  SharedHalt no_reason = Halt("shop");
  no_reason.reason = "";
  CHECK(store->Publish(no_reason).status().code() ==
        absl::StatusCode::kInvalidArgument);
  SharedHalt long_reason = Halt("shop");
  long_reason.reason = std::string(kMaxHaltReasonBytes + 1, 'x');
  CHECK(store->Publish(long_reason).status().code() ==
        absl::StatusCode::kInvalidArgument);
  SharedHalt control = Halt("shop");
  control.replica = "pod\n-a";
  CHECK(store->Publish(control).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(redis.Command({"DBSIZE"}).integer == 0);

  RedisCounterStoreOptions options;
  options.address = redis.address();
  options.key_prefix = "x{:halts}";
  CHECK(RedisHaltStore::Create(options).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(KeyOfHalts("a b").status().code() ==
        absl::StatusCode::kInvalidArgument);

  // Two deployments with their own prefixes do not see each other's.
  auto other = Store(redis, "other:");
  REQUIRE(Published(*other, Halt("shop")));
  CHECK(store->Read()->empty());
}

TEST_CASE("entries in redis that are not well formed are left out",
          "[shared_state][halts]") {
  RedisServer redis;
  auto store = Store(redis);
  REQUIRE(Published(*store, Halt("shop")));
  const std::string key = "test:{:halts}";
  redis.Command({"HSET", key, "Bad Tenant/halted", "1", "Bad Tenant/reason",
                 "x", "Bad Tenant/at", "1"});
  redis.Command({"HSET", key, "maybe/halted", "yes", "maybe/reason", "x",
                 "maybe/at", "1"});
  redis.Command({"HSET", key, "noreason/halted", "1", "noreason/at", "1"});
  redis.Command({"HSET", key, "noslash", "1"});
  auto read = store->Read();
  REQUIRE(read.ok());
  REQUIRE(read->size() == 1);
  CHECK((*read)[0].tenant == "shop");

  redis.Command({"SET", key, "not a hash"});
  CHECK(store->Read().status().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("a store whose redis is gone is unavailable and recovers",
          "[shared_state][halts]") {
  RedisServer redis;
  auto store = Store(redis);
  REQUIRE(Published(*store, Halt("shop")));
  redis.Kill();
  CHECK(store->Read().status().code() == absl::StatusCode::kUnavailable);
  CHECK(store->Publish(Halt("other")).status().code() ==
        absl::StatusCode::kUnavailable);
  REQUIRE(redis.Start());
  // A fresh server (no persistence in the test): the script is loaded
  // again and the store works.
  auto read = store->Read();
  REQUIRE(read.ok());
  REQUIRE(Published(*store, Halt("other")));
  CHECK(Find(*store->Read(), "other") != nullptr);
}

}  // namespace
}  // namespace portcullis::shared_state
