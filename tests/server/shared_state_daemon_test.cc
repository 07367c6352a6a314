// Two daemons built as portcullisd builds them, sharing their limit
// counters and halts through a real redis-server (sharedState.redis, issue
// 20): a limit holds across both under concurrent load, a halt at one stops
// the other, and health follows Redis (NOT_SERVING within a second of it
// going away, SERVING again when it answers), while limited actions fail
// closed in between, and every action once halts are a second old. Over
// TLS too, where a server the gate cannot verify is as good as none.
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "gate/internal/decision_kernel.h"
#include "gate/internal/kill_switch.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "coupons" version "1"
tenant "shop" {
  tool create_coupon {
    class write
    arg order_id: string
    rule coupon-rate "at most 5 coupons an hour"
      limit 5 per 1h
    rule coupons "coupons are fine"
      allow
  }
  tool reply_customer {
    class read
    arg order_id: string
    rule replies "replies are fine"
      allow
  }
}
)";

// One replica: its own data directory and gate, the shared Redis.
struct Replica {
  testing::TempDir dir;
  std::ostringstream log_text;
  daemon::Logger log;
  std::unique_ptr<daemon::Daemon> daemon;

  // `extra` goes under sharedState.redis; `address` (default: the
  // server's plain one) is where the gate reaches it.
  // `prepare` runs on the directory before the gate starts.
  Replica(const Clock& clock, const testing::RedisServer& redis,
          const std::string& extra = "", std::string address = "",
          const std::function<void(const testing::TempDir&)>& prepare = {})
      : log(clock, log_text) {
    if (address.empty()) address = redis.address();
    std::ofstream(dir.Sub("shop.policy")) << kPolicy;
    std::ofstream(dir.Sub("gate.yaml")) << "policy: shop.policy\n"
                                           "dataDir: data\n"
                                           "listen:\n"
                                           "  tcpAddress: 127.0.0.1:0\n"
                                           "  disableUnixSocket: true\n"
                                           "sharedState:\n"
                                           "  redis:\n"
                                           "    address: "
                                        << address
                                        << "\n"
                                           "    keyPrefix: \"test:\"\n"
                                           "    connectTimeout: 0.2s\n"
                                           "    commandTimeout: 0.2s\n"
                                        << extra;
    auto config = config::LoadConfigFile(dir.Sub("gate.yaml"));
    REQUIRE(config.ok());
    if (prepare) prepare(dir);
    auto started = daemon::Daemon::Start(*config, clock, log);
    INFO((started.ok() ? "" : started.status().ToString()));
    REQUIRE(started.ok());
    daemon = std::move(*started);
  }

  policy::Verdict Decide(const char* tool, int i) {
    policy::Action action;
    action.tenant = "shop";
    action.agent = "bot";
    action.tool = tool;
    action.arguments["order_id"] = policy::Value{absl::StrCat("AN-", i)};
    auto decision = daemon->gate().Evaluate(action, {"bot"});
    REQUIRE(decision.ok());
    return decision->verdict;
  }
};

// Polls `done` every millisecond for at most `bound`.
template <typename F>
bool Within(absl::Duration bound, F done) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < bound) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return done();
}

TEST_CASE(
    "two gates sharing one Redis allow a limit of 5 an hour exactly 5 "
    "times between them under concurrent load",
    "[daemon][shared_state][redis]") {
  testing::RedisServer redis;
  REQUIRE(redis.ready());
  testing::FakeClock clock;
  Replica a(clock, redis);
  Replica b(clock, redis);
  REQUIRE(a.daemon->serving());
  REQUIRE(b.daemon->serving());

  std::atomic<int> allowed{0}, refused_by_limit{0}, other{0};
  std::vector<std::thread> threads;
  for (Replica* replica : {&a, &b}) {
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, replica, t] {
        for (int i = 0; i < 10; ++i) {
          policy::Verdict v = replica->Decide("create_coupon", t * 100 + i);
          if (v.outcome == policy::Outcome::kAllow) {
            ++allowed;
          } else if (!v.decided_by.empty() &&
                     v.decided_by[0].id == "coupon-rate") {
            ++refused_by_limit;
          } else {
            ++other;
          }
        }
      });
    }
  }
  for (std::thread& t : threads) t.join();
  CHECK(allowed == 5);
  CHECK(refused_by_limit == 75);
  CHECK(other == 0);
  // Redis holds exactly the five allowed events.
  CHECK(redis.Command({"ZCARD", "test:{shop}:c:shop/coupon-rate"}).integer ==
        5);
}

TEST_CASE(
    "while the shared Redis is away health is NOT_SERVING and limited "
    "actions are denied and both recover when it returns",
    "[daemon][shared_state][redis]") {
  testing::RedisServer redis;
  REQUIRE(redis.ready());
  testing::FakeClock clock;
  Replica a(clock, redis);
  REQUIRE(a.Decide("create_coupon", 1).outcome == policy::Outcome::kAllow);

  redis.Kill();
  CHECK(Within(absl::Seconds(1), [&] { return !a.daemon->serving(); }));
  policy::Verdict denied = a.Decide("create_coupon", 2);
  CHECK(denied.outcome == policy::Outcome::kDeny);
  REQUIRE_FALSE(denied.decided_by.empty());
  CHECK(denied.decided_by[0].id == gate::kSharedCountersUnavailableRule);
  // What charges no limit is still decided, for a second: then a halt made
  // at another replica might be missed, so nothing is.
  CHECK(a.Decide("reply_customer", 3).outcome == policy::Outcome::kAllow);
  CHECK(a.log_text.str().find("cannot be read") != std::string::npos);
  clock.Advance(gate::kSharedHaltsMaxAge + absl::Milliseconds(1));
  policy::Verdict stopped = a.Decide("reply_customer", 4);
  CHECK(stopped.outcome == policy::Outcome::kDeny);
  REQUIRE_FALSE(stopped.decided_by.empty());
  CHECK(stopped.decided_by[0].id == gate::kSharedHaltsUnknownRule);

  REQUIRE(redis.Start());
  CHECK(Within(absl::Seconds(3), [&] { return a.daemon->serving(); }));
  CHECK(a.Decide("create_coupon", 5).outcome == policy::Outcome::kAllow);
  CHECK(a.Decide("reply_customer", 6).outcome == policy::Outcome::kAllow);
  CHECK(a.log_text.str().find("Redis answers again") != std::string::npos);
}

TEST_CASE(
    "a halt at one gate stops the other within its next read of Redis and "
    "a resume there frees both",
    "[daemon][shared_state][redis]") {
  testing::RedisServer redis;
  REQUIRE(redis.ready());
  testing::FakeClock clock;
  Replica a(clock, redis);
  Replica b(clock, redis);
  REQUIRE(b.Decide("reply_customer", 1).outcome == policy::Outcome::kAllow);

  REQUIRE(a.daemon->gate().Halt("shop", "coupon abuse", {"ops"}).ok());
  auto halted_at_b = [&] {
    return b.daemon->gate().Status().tenants.at(0).halted.has_value();
  };
  // B reads Redis every 200 ms; a generous bound for a loaded machine.
  REQUIRE(Within(absl::Seconds(5), halted_at_b));
  policy::Verdict denied = b.Decide("reply_customer", 2);
  CHECK(denied.outcome == policy::Outcome::kDeny);
  REQUIRE_FALSE(denied.decided_by.empty());
  CHECK(denied.decided_by[0].id == gate::kHaltedRule);
  CHECK(denied.reasons.at(0) == "tenant shop is halted: coupon abuse");
  CHECK(b.log_text.str().find("tenant shop halted") != std::string::npos);

  REQUIRE(b.daemon->gate().Resume("shop", "abuse stopped", {"lead"}).ok());
  CHECK(b.Decide("reply_customer", 3).outcome == policy::Outcome::kAllow);
  REQUIRE(Within(absl::Seconds(5), [&] {
    return !a.daemon->gate().Status().tenants.at(0).halted.has_value();
  }));
  CHECK(a.Decide("reply_customer", 4).outcome == policy::Outcome::kAllow);
  CHECK(a.log_text.str().find("tenant shop resumed") != std::string::npos);
}

TEST_CASE(
    "a gate named after its host keeps the name its ledger keeps when the "
    "host is renamed",
    "[daemon][shared_state][redis][replica]") {
  // With sharedState and no replica set, a gate takes its host's name for a
  // new ledger. A Deployment's pod is renamed at every restart while its
  // ledger volume stays: the gate must go on as the replica the ledger
  // keeps ("pod-old" here), not refuse to start.
  testing::RedisServer redis;
  REQUIRE(redis.ready());
  testing::FakeClock clock;
  Replica a(clock, redis, "", "", [](const testing::TempDir& dir) {
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    ledger::LedgerOptions options;
    options.replica = "pod-old";
    REQUIRE(ledger::Ledger::Open(*std::move(store), options).ok());
  });
  CHECK(a.log_text.str().find("; replica pod-old") != std::string::npos);
  CHECK(a.Decide("create_coupon", 1).outcome == policy::Outcome::kAllow);
  a.daemon.reset();
  auto store = ledger::RocksDbStore::Open(a.dir.Sub("data"), {});
  REQUIRE(store.ok());
  auto report = ledger::VerifyLedger(**store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->replicas == std::set<std::string>{"pod-old"});
}

TEST_CASE(
    "a gate whose Redis needs a password reads it from its file and never "
    "logs it",
    "[daemon][shared_state][redis]") {
  const std::string password = "pw-for-the-shared-redis";
  testing::RedisServer redis(password);
  REQUIRE(redis.ready());
  testing::FakeClock clock;
  testing::TempDir secrets;
  const std::string file = secrets.Sub("redis.pass");
  std::ofstream(file) << password << "\n";
  REQUIRE(::chmod(file.c_str(), 0600) == 0);
  Replica a(clock, redis, "    passwordFile: " + file + "\n");
  CHECK(a.daemon->serving());
  CHECK(a.Decide("create_coupon", 1).outcome == policy::Outcome::kAllow);
  CHECK(a.log_text.str().find(password) == std::string::npos);
}

TEST_CASE(
    "gates reach their shared Redis over TLS and one that cannot verify "
    "the server denies limited actions and charges nothing",
    "[daemon][shared_state][redis][tls]") {
  testing::TempDir certs_dir;
  testing::TestCertificates certs(certs_dir);
  REQUIRE(certs.made());
  testing::RedisServer redis(
      "", testing::RedisTlsFiles{certs.server_cert(), certs.server_key(),
                                 certs.ca(), /*auth_clients=*/true});
  if (!redis.ready()) FAIL(redis.log());
  testing::FakeClock clock;
  const std::string client = "      certFile: " + certs.client_cert() +
                             "\n"
                             "      keyFile: " +
                             certs.client_key() + "\n";
  Replica a(clock, redis,
            "    tls:\n      caFile: " + certs.ca() + "\n" + client,
            redis.tls_address());
  Replica b(clock, redis,
            "    tls:\n      caFile: " + certs.ca() +
                "\n      serverName: localhost\n" + client,
            redis.tls_address());
  for (int i = 0; i < 5; ++i) {
    CHECK((i % 2 == 0 ? a : b).Decide("create_coupon", i).outcome ==
          policy::Outcome::kAllow);
  }
  policy::Verdict limited = b.Decide("create_coupon", 5);
  CHECK(limited.outcome == policy::Outcome::kDeny);
  REQUIRE_FALSE(limited.decided_by.empty());
  CHECK(limited.decided_by[0].id == "coupon-rate");
  CHECK(a.daemon->serving());

  // A gate that trusts another CA reaches nothing: fail closed. It has
  // never read the shared halts either, so every action is denied for
  // that, the first reason shared state gives.
  Replica stranger(
      clock, redis,
      "    tls:\n      caFile: " + certs.other_ca() + "\n" + client,
      redis.tls_address());
  for (const char* tool : {"create_coupon", "reply_customer"}) {
    INFO(tool);
    policy::Verdict denied = stranger.Decide(tool, 6);
    CHECK(denied.outcome == policy::Outcome::kDeny);
    REQUIRE_FALSE(denied.decided_by.empty());
    CHECK(denied.decided_by[0].id == gate::kSharedHaltsUnknownRule);
  }
  CHECK(Within(absl::Seconds(1), [&] { return !stranger.daemon->serving(); }));
  CHECK(stranger.log_text.str().find("certificate was refused") !=
        std::string::npos);
  CHECK(redis.Command({"ZCARD", "test:{shop}:c:shop/coupon-rate"}).integer ==
        5);
}

}  // namespace
}  // namespace portcullis::server
