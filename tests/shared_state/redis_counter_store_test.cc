#include "shared_state/redis_counter_store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shared_state/counter_keys.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/redis_server.h"

namespace portcullis::shared_state {
namespace {

using gate::ChargeBatch;
using gate::ChargeOutcome;
using policy::Decimal;
using policy::UsageCeiling;
using policy::UsageCharge;
using testing::RedisServer;

constexpr char kTenant[] = "acme";
const absl::Time kStart = absl::FromUnixSeconds(1767528000);

Decimal D(const char* text) { return Decimal::Parse(text).value(); }

std::unique_ptr<RedisCounterStore> Store(
    const RedisServer& redis, absl::Duration timeout = absl::Seconds(2)) {
  RedisCounterStoreOptions options;
  options.address = redis.address();
  options.key_prefix = "test:";
  options.connect_timeout = timeout;
  options.command_timeout = timeout;
  // These tests restart and thaw Redis and expect the very next call to
  // reach it; the down window has tests of its own, below.
  options.down_window = absl::ZeroDuration();
  return RedisCounterStore::Create(std::move(options)).value();
}

// "N per window": a rate limit's charge, one event.
UsageCharge Rate(const std::string& counter, int64_t max,
                 absl::Duration window = absl::Hours(1)) {
  return UsageCharge{
      .counter = counter,
      .window = window,
      .amount = std::nullopt,
      .ceiling = UsageCeiling{
          Decimal::FromInteger(max), {"rate", "", ""}, "too many", ""}};
}

UsageCharge Spend(const std::string& counter, const char* amount,
                  const char* max, absl::Duration window = absl::Hours(1)) {
  return UsageCharge{
      .counter = counter,
      .window = window,
      .amount = D(amount),
      .ceiling = UsageCeiling{D(max), {"spend", "", ""}, "too much", "USD"}};
}

ChargeBatch Batch(std::string id, absl::Time at,
                  std::vector<UsageCharge> charges) {
  return ChargeBatch{.tenant = kTenant,
                     .id = std::move(id),
                     .at = at,
                     .charges = std::move(charges)};
}

bool Charged(RedisCounterStore& store, const ChargeBatch& batch) {
  absl::StatusOr<ChargeOutcome> outcome = store.Charge(batch);
  REQUIRE(outcome.ok());
  return outcome->charged;
}

std::string Key(const std::string& counter) {
  return absl::StrCat("test:{", kTenant, "}:c:", counter);
}

std::string SumKey(const std::string& counter) {
  return absl::StrCat("test:{", kTenant, "}:s:", counter);
}

int64_t Events(const RedisServer& redis, const std::string& counter) {
  return redis.Command({"ZCARD", Key(counter)}).integer;
}

TEST_CASE(
    "a rate limit charged by two replicas on many threads allows "
    "exactly its ceiling",
    "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  std::unique_ptr<RedisCounterStore> replicas[] = {Store(redis), Store(redis)};
  std::atomic<int> charged{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      RedisCounterStore& store = *replicas[t % 2];
      for (int i = 0; i < 10; ++i) {
        auto outcome = store.Charge(
            Batch(absl::StrCat("replica", t % 2, "/", t, "-", i),
                  kStart + absl::Milliseconds(i), {Rate("acme/refunds", 20)}));
        if (!outcome.ok()) {
          ++errors;
        } else if (outcome->charged) {
          ++charged;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(errors == 0);
  CHECK(charged == 20);
  CHECK(Events(redis, "acme/refunds") == 20);

  auto refused = replicas[0]->Charge(Batch(
      "replica0/late", kStart + absl::Minutes(1), {Rate("acme/refunds", 20)}));
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->charged);
  CHECK(refused->refused == 0);
  CHECK(refused->usage_text == "20 of 20 per 1h used across replicas");
}

TEST_CASE("a spend ceiling adds decimal amounts exactly",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  CHECK(Charged(*store, Batch("r/1", kStart, {Spend("acme/s", "0.1", "0.3")})));
  CHECK(Charged(*store, Batch("r/2", kStart, {Spend("acme/s", "0.2", "0.3")})));
  auto over = store->Charge(
      Batch("r/3", kStart, {Spend("acme/s", "0.000000000000000001", "0.3")}));
  REQUIRE(over.ok());
  CHECK_FALSE(over->charged);
  CHECK(over->usage_text ==
        "0.3 USD of 0.3 USD per 1h used across replicas; this adds "
        "0.000000000000000001 USD");

  // Eighteen fraction digits: three thirds fall one unit short of 1.
  for (int i = 0; i < 3; ++i) {
    CHECK(
        Charged(*store, Batch(absl::StrCat("t/", i), kStart,
                              {Spend("acme/t", "0.333333333333333333", "1")})));
  }
  CHECK(Charged(*store, Batch("t/3", kStart,
                              {Spend("acme/t", "0.000000000000000001", "1")})));
  CHECK_FALSE(Charged(
      *store,
      Batch("t/4", kStart, {Spend("acme/t", "0.000000000000000001", "1")})));

  // Eighteen integer digits carry across every chunk.
  const char* kMost = "999999999999999999.999999999999999999";
  CHECK(Charged(*store, Batch("b/1", kStart,
                              {Spend("acme/b", "500000000000000000", kMost)})));
  CHECK(Charged(*store,
                Batch("b/2", kStart,
                      {Spend("acme/b", "499999999999999999.999999999999999999",
                             kMost)})));
  auto full = store->Charge(
      Batch("b/3", kStart, {Spend("acme/b", "0.000000000000000001", kMost)}));
  REQUIRE(full.ok());
  CHECK_FALSE(full->charged);
  CHECK(full->usage_text ==
        "999999999999999999.999999999999999999 USD of "
        "999999999999999999.999999999999999999 USD per 1h used across "
        "replicas; this adds 0.000000000000000001 USD");
}

TEST_CASE("negative amounts count against a spend sum",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  UsageCharge refund = Spend("acme/n", "-5", "10");
  refund.ceiling.reset();
  CHECK(Charged(*store, Batch("n/1", kStart, {Spend("acme/n", "8", "10")})));
  CHECK(Charged(*store, Batch("n/2", kStart, {refund})));
  CHECK(Charged(*store, Batch("n/3", kStart, {Spend("acme/n", "7", "10")})));
  auto over =
      store->Charge(Batch("n/4", kStart, {Spend("acme/n", "0.01", "10")}));
  REQUIRE(over.ok());
  CHECK_FALSE(over->charged);
  CHECK(over->usage_text ==
        "10 USD of 10 USD per 1h used across replicas; this adds 0.01 USD");
}

TEST_CASE("events that leave the window are taken off the running sum",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  CHECK(Charged(*store, Batch("r/1", kStart, {Spend("acme/s", "6", "10")})));
  CHECK(Charged(*store, Batch("r/2", kStart + absl::Minutes(30),
                              {Spend("acme/s", "3.5", "10")})));
  // An hour on, the 6 has left: 3.5 + 6.5 fits.
  CHECK(Charged(*store, Batch("r/3", kStart + absl::Hours(1),
                              {Spend("acme/s", "6.5", "10")})));
  auto over = store->Charge(Batch("r/4", kStart + absl::Minutes(90),
                                  {Spend("acme/s", "3.5000001", "10")}));
  REQUIRE(over.ok());
  CHECK_FALSE(over->charged);
  CHECK(over->usage_text ==
        "6.5 USD of 10 USD per 1h used across replicas; this adds 3.5000001 "
        "USD");
  CHECK(Events(redis, "acme/s") == 1);
  // The sum is kept as unsigned digits at scale 18, and expires with its
  // events.
  auto kept = redis.Command({"HGET", SumKey("acme/s"), "p"});
  CHECK(kept.text == "0000000000000000006500000000000000000");
  int64_t events_ttl = redis.Command({"PTTL", Key("acme/s")}).integer;
  int64_t sum_ttl = redis.Command({"PTTL", SumKey("acme/s")}).integer;
  CHECK(sum_ttl > 0);
  CHECK(sum_ttl <= events_ttl);
  CHECK(events_ttl - sum_ttl < 1000);
}

TEST_CASE("a lost running sum is counted again from the events",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  CHECK(Charged(*store, Batch("r/1", kStart, {Spend("acme/s", "6", "10")})));
  CHECK(Charged(*store, Batch("r/2", kStart, {Spend("acme/s", "3", "10")})));
  REQUIRE(redis.Command({"DEL", SumKey("acme/s")}).integer == 1);
  auto over =
      store->Charge(Batch("r/3", kStart, {Spend("acme/s", "1.01", "10")}));
  REQUIRE(over.ok());
  CHECK_FALSE(over->charged);
  CHECK(over->usage_text ==
        "9 USD of 10 USD per 1h used across replicas; this adds 1.01 USD");
  // A sum that disagrees with its events is counted again once taking an
  // event that left the window off it finds that out.
  REQUIRE(redis.Command({"HSET", SumKey("acme/s"), "p", std::string(37, '0')})
              .type == REDIS_REPLY_INTEGER);
  CHECK(Charged(*store,
                Batch("r/4", kStart + absl::Hours(1) - absl::Microseconds(1),
                      {Spend("acme/s", "1", "10")})));
  CHECK(Charged(*store, Batch("r/5", kStart + absl::Hours(1),
                              {Spend("acme/s", "9", "10")})));
  CHECK_FALSE(Charged(*store, Batch("r/6", kStart + absl::Hours(1),
                                    {Spend("acme/s", "0.5", "10")})));
  // The sum's key goes when the last event is refunded.
  CHECK(store->Refund(Batch("r/4", kStart, {Spend("acme/s", "1", "10")})).ok());
  CHECK(store->Refund(Batch("r/5", kStart, {Spend("acme/s", "9", "10")})).ok());
  CHECK(redis.Command({"EXISTS", Key("acme/s"), SumKey("acme/s")}).integer ==
        0);
  // What is left are the two refunded batches' given-up marks.
  CHECK(redis.Command({"DBSIZE"}).integer == 2);
}

TEST_CASE("an event exactly one window old has left the window",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  CHECK(Charged(*store, Batch("w/1", kStart, {Rate("acme/w", 1)})));
  CHECK_FALSE(Charged(
      *store, Batch("w/2", kStart + absl::Hours(1) - absl::Microseconds(1),
                    {Rate("acme/w", 1)})));
  CHECK(Charged(*store,
                Batch("w/3", kStart + absl::Hours(1), {Rate("acme/w", 1)})));
  // The event that left was dropped; the key expires with its window.
  CHECK(Events(redis, "acme/w") == 1);
  int64_t ttl = redis.Command({"PTTL", Key("acme/w")}).integer;
  CHECK(ttl > 3600 * 1000);
  CHECK(ttl <= 3660 * 1000);
}

TEST_CASE("charging the same batch again changes nothing",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  ChargeBatch batch =
      Batch("r/1", kStart, {Rate("acme/i", 1), Spend("acme/j", "2.5", "2.5")});
  CHECK(Charged(*store, batch));
  CHECK(Charged(*store, batch));
  CHECK(Events(redis, "acme/i") == 1);
  CHECK(Events(redis, "acme/j") == 1);
  CHECK_FALSE(Charged(*store, Batch("r/2", kStart, {Rate("acme/i", 1)})));
}

TEST_CASE("a refund takes back exactly one batch", "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  ChargeBatch first = Batch("r/1", kStart, {Spend("acme/s", "3", "5")});
  ChargeBatch second = Batch("r/2", kStart, {Spend("acme/s", "2", "5")});
  CHECK(Charged(*store, first));
  CHECK(Charged(*store, second));
  CHECK(store->Refund(first).ok());
  CHECK(Events(redis, "acme/s") == 1);
  // A refund of a batch never charged, or refunded already, changes nothing.
  CHECK(store->Refund(first).ok());
  CHECK(store->Refund(Batch("r/9", kStart, {Spend("acme/s", "2", "5")})).ok());
  CHECK(Events(redis, "acme/s") == 1);
  CHECK(Charged(*store, Batch("r/3", kStart, {Spend("acme/s", "3", "5")})));
  CHECK_FALSE(
      Charged(*store, Batch("r/4", kStart, {Spend("acme/s", "0.1", "5")})));
}

TEST_CASE("a batch whose second charge is refused charges nothing",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  CHECK(Charged(*store, Batch("r/1", kStart, {Rate("acme/b", 1)})));
  UsageCharge plain{.counter = "acme/plain", .window = absl::Hours(1)};
  auto outcome = store->Charge(
      Batch("r/2", kStart, {Rate("acme/a", 5), Rate("acme/b", 1), plain}));
  REQUIRE(outcome.ok());
  CHECK_FALSE(outcome->charged);
  CHECK(outcome->refused == 1);
  CHECK(outcome->usage_text == "1 of 1 per 1h used across replicas");
  CHECK(Events(redis, "acme/a") == 0);
  CHECK(Events(redis, "acme/plain") == 0);
  CHECK(Events(redis, "acme/b") == 1);
}

TEST_CASE("two charges of one counter in a batch both count",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  auto outcome = store->Charge(Batch(
      "r/1", kStart, {Spend("acme/d", "3", "5"), Spend("acme/d", "3", "5")}));
  REQUIRE(outcome.ok());
  CHECK_FALSE(outcome->charged);
  CHECK(outcome->refused == 1);
  CHECK(Events(redis, "acme/d") == 0);
}

TEST_CASE(
    "ids that could reach another tenant's keys are refused before "
    "anything is sent",
    "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  REQUIRE(store->Ping().ok());
  int64_t before = redis.InfoField("total_commands_processed");
  REQUIRE(before > 0);

  std::vector<ChargeBatch> bad;
  for (const std::string& tenant : std::vector<std::string>{
           "", "acme}", "{acme}", "ac{me", "acme:c:x", "Acme", "a b",
           std::string(64, 'a'), std::string("acme\xff"),
           std::string("a\0b", 3)}) {
    ChargeBatch batch = Batch("r/1", kStart, {Rate("acme/x", 5)});
    batch.tenant = tenant;
    bad.push_back(batch);
  }
  for (const std::string& counter : std::vector<std::string>{
           "", "x}{other}:c:y", "{other}", "a b", std::string("caf\xc3\xa9"),
           std::string("\xc3\x28"), std::string(kMaxCounterLength + 1, 'c'),
           std::string("a\0b", 3), "a\r\nFLUSHALL"}) {
    bad.push_back(Batch("r/1", kStart, {Rate("acme/x", 5), Rate(counter, 5)}));
  }
  for (const std::string& id :
       std::vector<std::string>{"", "r 1", "r\n1", std::string(257, 'r')}) {
    bad.push_back(Batch(id, kStart, {Rate("acme/x", 5)}));
  }
  bad.push_back(
      Batch("r/1", kStart, {Rate("acme/x", 5, absl::ZeroDuration())}));
  bad.push_back(Batch("r/1", kStart, {Spend("acme/x", "1", "-1")}));
  bad.push_back(Batch("r/1", absl::InfiniteFuture(), {Rate("acme/x", 5)}));
  for (const ChargeBatch& batch : bad) {
    INFO(batch.tenant << " " << batch.id);
    CHECK(store->Charge(batch).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(store->Refund(batch).code() == absl::StatusCode::kInvalidArgument);
  }
  // The only command since is the INFO that counted them.
  CHECK(redis.InfoField("total_commands_processed") == before + 1);
  CHECK(redis.Command({"DBSIZE"}).integer == 0);

  for (const std::string& prefix :
       std::vector<std::string>{"x{", "}", "a b", std::string(65, 'p')}) {
    RedisCounterStoreOptions options;
    options.address = redis.address();
    options.key_prefix = prefix;
    CHECK(RedisCounterStore::Create(options).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  RedisCounterStoreOptions no_port;
  no_port.address = "127.0.0.1";
  CHECK(RedisCounterStore::Create(no_port).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE(
    "a killed redis is unavailable and a restarted one serves the "
    "next call",
    "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  CHECK(Charged(*store, Batch("r/1", kStart, {Rate("acme/k", 5)})));
  redis.Kill();
  auto down = store->Charge(Batch("r/2", kStart, {Rate("acme/k", 5)}));
  CHECK(down.status().code() == absl::StatusCode::kUnavailable);
  CHECK(store->Refund(Batch("r/1", kStart, {Rate("acme/k", 5)})).code() ==
        absl::StatusCode::kUnavailable);
  CHECK(store->Ping().code() == absl::StatusCode::kUnavailable);
  CHECK(down.status().message().find("redis") != std::string::npos);

  REQUIRE(redis.Start());
  CHECK(store->Ping().ok());
  // The new server has lost the script as well as the counters.
  CHECK(Charged(*store, Batch("r/3", kStart, {Rate("acme/k", 5)})));
  CHECK(Events(redis, "acme/k") == 1);
}

TEST_CASE("a restarted redis serves the very next call",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  CHECK(Charged(*store, Batch("r/1", kStart, {Rate("acme/k", 5)})));
  redis.Kill();
  REQUIRE(redis.Start());
  // The connection the store kept was closed under it: it connects again.
  CHECK(Charged(*store, Batch("r/2", kStart, {Rate("acme/k", 5)})));
  CHECK(Events(redis, "acme/k") == 1);
}

TEST_CASE(
    "redis killed while replicas charge: every call is charged or "
    "unavailable and none hangs",
    "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  std::unique_ptr<RedisCounterStore> replicas[] = {
      Store(redis, absl::Milliseconds(500)),
      Store(redis, absl::Milliseconds(500))};
  absl::Mutex mu;
  int charged = 0;
  bool killed = false;
  std::atomic<int> unexpected{0};
  std::atomic<int> unavailable_after_kill{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0, after = 0; after < 3; ++i) {
        bool was_killed;
        {
          absl::MutexLock lock(&mu);
          was_killed = killed;
        }
        auto outcome = replicas[t % 2]->Charge(
            Batch(absl::StrCat(t, "/", i), kStart,
                  {Rate("acme/x", 1000), Rate("acme/y", 1000)}));
        if (was_killed) {
          ++after;
          if (outcome.status().code() == absl::StatusCode::kUnavailable) {
            ++unavailable_after_kill;
          }
        }
        if (outcome.ok() && outcome->charged) {
          absl::MutexLock lock(&mu);
          ++charged;
        } else if (outcome.status().code() != absl::StatusCode::kUnavailable) {
          ++unexpected;
        }
      }
    });
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n >= 20; }, &charged));
  }
  redis.Kill();
  {
    absl::MutexLock lock(&mu);
    killed = true;
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(unexpected == 0);
  CHECK(unavailable_after_kill == 12);

  REQUIRE(redis.Start());
  CHECK(Charged(*replicas[0], Batch("after", kStart, {Rate("acme/x", 1000)})));
  CHECK(Charged(*replicas[1], Batch("after2", kStart, {Rate("acme/x", 1000)})));
}

TEST_CASE("a connection the server dropped is replaced on the next call",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  REQUIRE(store->Ping().ok());
  REQUIRE(redis.Command({"CLIENT", "KILL", "TYPE", "normal"}).type ==
          REDIS_REPLY_INTEGER);
  CHECK(Charged(*store, Batch("r/1", kStart, {Rate("acme/k", 5)})));
  CHECK(Events(redis, "acme/k") == 1);
}

// A socket listening on a free loopback port, which goes in `port`.
int ListenOnLoopback(int backlog, int& port) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ==
          0);
  REQUIRE(::listen(listener, backlog) == 0);
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr),
                        &length) == 0);
  port = ntohs(addr.sin_port);
  return listener;
}

// A server that answers one PING, then resets the connection (an RST, not
// a FIN) and stops listening.
class ResettingServer {
 public:
  ResettingServer() {
    listener_ = ListenOnLoopback(1, port_);
    thread_ = std::thread([this] {
      int fd = ::accept(listener_, nullptr, nullptr);
      // Nobody may connect again: the store's retry is refused.
      ::close(listener_);
      char buffer[256];
      if (::recv(fd, buffer, sizeof(buffer), 0) > 0) {
        ::send(fd, "+PONG\r\n", 7, MSG_NOSIGNAL);
      }
      linger reset{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
      ::close(fd);
    });
  }
  ~ResettingServer() { Join(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST_CASE("a connection reset by the server is unavailable and not fatal",
          "[shared_state]") {
  ResettingServer server;
  RedisCounterStoreOptions options;
  options.address = server.address();
  auto store = RedisCounterStore::Create(options).value();
  REQUIRE(store->Ping().ok());
  server.Join();  // the reset has been sent
  auto outcome = store->Charge(Batch("r/1", kStart, {Rate("acme/k", 5)}));
  CHECK(outcome.status().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE(
    "a redis that stops answering times out and a batch is charged "
    "whole or not at all",
    "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis, absl::Milliseconds(200));
  // The script is loaded: the frozen call sends the charge itself.
  REQUIRE(Charged(
      *store,
      Batch("r/0", kStart, {Rate("acme/x", 5), Spend("acme/y", "1", "5")})));
  redis.Freeze();
  auto frozen = store->Charge(
      Batch("r/1", kStart, {Rate("acme/x", 5), Spend("acme/y", "1", "5")}));
  CHECK(frozen.status().code() == absl::StatusCode::kUnavailable);
  CHECK(store->owed_refunds() == 1);
  redis.Thaw();
  // The charge that timed out may run once the server wakes (its command
  // was waiting in the socket), but the store owes it a refund, settled
  // before anything else: whichever reaches Redis first, the batch ends
  // refunded and given up, so the gate, which saw no answer and denied,
  // is not charged for it.
  REQUIRE(store->Ping().ok());
  CHECK(store->owed_refunds() == 0);
  CHECK(Events(redis, "acme/x") == 1);
  CHECK(Events(redis, "acme/y") == 1);
  CHECK(redis.Command({"PTTL", "test:{acme}:t:r/1"}).integer > 0);
  CHECK(Charged(*store, Batch("r/2", kStart, {Rate("acme/x", 5)})));
}

TEST_CASE("a batch once refunded is never charged afterwards",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  ChargeBatch batch = Batch("d-1", kStart, {Rate("acme/r", 20)});
  // The refund of a charge that never arrived comes first...
  REQUIRE(store->Refund(batch).ok());
  // ...and the charge, arriving late, changes nothing.
  auto late = store->Charge(batch);
  CHECK(late.status().code() == absl::StatusCode::kUnavailable);
  CHECK(Events(redis, "acme/r") == 0);
  // The mark lasts as long as the batch's longest window (plus slack).
  int64_t ttl = redis.Command({"PTTL", "test:{acme}:t:d-1"}).integer;
  CHECK(ttl > absl::ToInt64Milliseconds(absl::Hours(1)) - 1000);
  CHECK(ttl <= absl::ToInt64Milliseconds(absl::Hours(1) + absl::Minutes(1)));
  // Another batch is charged as ever.
  CHECK(Charged(*store, Batch("d-2", kStart, {Rate("acme/r", 20)})));
}

TEST_CASE("refunds owed while redis is away are settled once it answers",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis, absl::Milliseconds(200));
  ChargeBatch first = Batch("o-1", kStart, {Rate("acme/r", 20)});
  REQUIRE(Charged(*store, first));
  redis.Freeze();
  // A decision that could not be recorded: its refund cannot be sent.
  CHECK(store->Refund(first).code() == absl::StatusCode::kUnavailable);
  CHECK(store->owed_refunds() == 1);
  redis.Thaw();
  REQUIRE(store->Ping().ok());
  CHECK(store->owed_refunds() == 0);
  CHECK(Events(redis, "acme/r") == 0);
}

TEST_CASE("a store with nothing to charge sends nothing",
          "[shared_state][redis]") {
  RedisCounterStoreOptions options;
  options.address = "127.0.0.1:1";  // nothing listens there
  auto store = RedisCounterStore::Create(options).value();
  CHECK(Charged(*store, Batch("r/1", kStart, {})));
  CHECK(store->Ping().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE(
    "a store with the password authenticates and one without it charges "
    "nothing",
    "[shared_state][redis][auth]") {
  const std::string password = "s3cret-Redis-pass";
  RedisServer redis(password);
  REQUIRE(redis.ready());
  RedisCounterStoreOptions options;
  options.address = redis.address();
  options.key_prefix = "test:";
  auto anonymous = RedisCounterStore::Create(options).value();
  absl::StatusOr<ChargeOutcome> refused =
      anonymous->Charge(Batch("b-1", kStart, {Rate("acme/r", 20)}));
  CHECK(refused.status().code() == absl::StatusCode::kUnavailable);
  CHECK(anonymous->Ping().code() == absl::StatusCode::kUnavailable);

  options.password = "not-the-password";
  auto wrong = RedisCounterStore::Create(options).value();
  absl::StatusOr<ChargeOutcome> wrong_outcome =
      wrong->Charge(Batch("b-1", kStart, {Rate("acme/r", 20)}));
  CHECK(wrong_outcome.status().code() == absl::StatusCode::kUnavailable);
  // The error names neither password.
  CHECK(wrong_outcome.status().message().find("not-the-password") ==
        std::string::npos);
  CHECK(wrong_outcome.status().message().find(password) == std::string::npos);
  CHECK(Events(redis, "acme/r") == 0);

  options.password = password;
  auto store = RedisCounterStore::Create(options).value();
  CHECK(store->Ping().ok());
  CHECK(Charged(*store, Batch("b-1", kStart, {Rate("acme/r", 20)})));
  CHECK(Events(redis, "acme/r") == 1);
  // The same with an ACL user of its own.
  REQUIRE(redis
              .Command(
                  {"ACL", "SETUSER", "gate", "on", ">gate-pass", "~*", "+@all"})
              .type == REDIS_REPLY_STATUS);
  options.username = "gate";
  options.password = "gate-pass";
  auto as_user = RedisCounterStore::Create(options).value();
  CHECK(Charged(*as_user, Batch("b-2", kStart, {Rate("acme/r", 20)})));
  CHECK(Events(redis, "acme/r") == 2);
}

// A server that accepts connections and reads what is sent, but never
// answers: a Redis behind a blackhole or hung. Counts connections and
// bytes received.
class SilentServer {
 public:
  SilentServer() {
    listener_ = ListenOnLoopback(16, port_);
    REQUIRE(::pipe(stop_) == 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~SilentServer() {
    char byte = 0;
    (void)!::write(stop_[1], &byte, 1);
    thread_.join();
    for (int fd : clients_) ::close(fd);
    ::close(listener_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  int connections() {
    absl::MutexLock lock(&mu_);
    return connections_;
  }
  int64_t bytes() {
    absl::MutexLock lock(&mu_);
    return bytes_;
  }
  // Whether `n` connections have been accepted (waits up to 10 s).
  bool AwaitConnections(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return connections_ >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(10));
  }

 private:
  void Serve() {
    for (;;) {
      std::vector<pollfd> fds = {{stop_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
      for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents != 0) return;
      if (fds[1].revents != 0) {
        int fd = ::accept(listener_, nullptr, nullptr);
        if (fd >= 0) {
          clients_.push_back(fd);
          absl::MutexLock lock(&mu_);
          ++connections_;
        }
      }
      for (size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        char buffer[4096];
        ssize_t n = ::recv(fds[i].fd, buffer, sizeof(buffer), 0);
        if (n > 0) {
          absl::MutexLock lock(&mu_);
          bytes_ += n;
        } else {
          // Closed by the client: stop polling it.
          clients_.erase(
              std::find(clients_.begin(), clients_.end(), fds[i].fd));
          ::close(fds[i].fd);
        }
      }
    }
  }

  int listener_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::vector<int> clients_;  // the server thread's
  std::thread thread_;
  absl::Mutex mu_;
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// Generous: a call that fails at once takes microseconds, one that waits
// takes the timeout (1 s below).
constexpr absl::Duration kAtOnce = absl::Milliseconds(300);

TEST_CASE(
    "while redis does not answer calls within the down window fail at once "
    "and one call after it tries again while the others still fail at once",
    "[shared_state]") {
  SilentServer server;
  testing::FakeClock clock;
  RedisCounterStoreOptions options;
  options.address = server.address();
  options.connect_timeout = absl::Seconds(1);
  options.command_timeout = absl::Seconds(1);
  options.down_window = absl::Milliseconds(500);
  auto store = RedisCounterStore::Create(options, &clock).value();

  // The first call waits the command timeout; its charge is owed a refund.
  absl::Time began = absl::Now();
  auto first = store->Charge(Batch("w/1", kStart, {Rate("acme/w", 5)}));
  CHECK(first.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::Now() - began >= absl::Milliseconds(900));
  CHECK(store->owed_refunds() == 1);
  REQUIRE(server.connections() == 1);
  int64_t sent = server.bytes();
  CHECK(sent > 0);

  // Within the window: at once, nothing sent, nothing more owed.
  for (int i = 2; i <= 5; ++i) {
    began = absl::Now();
    auto fast = store->Charge(
        Batch(absl::StrCat("w/", i), kStart, {Rate("acme/w", 5)}));
    CHECK(fast.status().code() == absl::StatusCode::kUnavailable);
    CHECK(fast.status().message().find("not tried again") != std::string::npos);
    CHECK(absl::Now() - began < kAtOnce);
  }
  began = absl::Now();
  CHECK(store->Ping().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::Now() - began < kAtOnce);
  CHECK(store->owed_refunds() == 1);
  clock.Advance(absl::Milliseconds(499));
  CHECK(store->Charge(Batch("w/6", kStart, {Rate("acme/w", 5)}))
            .status()
            .code() == absl::StatusCode::kUnavailable);
  // A refund within the window is not sent either, but it is owed.
  CHECK(store->Refund(Batch("w/0", kStart, {Rate("acme/w", 5)})).code() ==
        absl::StatusCode::kUnavailable);
  CHECK(store->owed_refunds() == 2);
  CHECK(server.connections() == 1);
  CHECK(server.bytes() == sent);

  // After the window one call tries again (it settles what is owed
  // first); while it waits, the others still fail at once.
  clock.Advance(absl::Milliseconds(1));
  std::atomic<bool> probe_done{false};
  absl::Status probe;
  std::thread prober([&] {
    probe = store->Charge(Batch("w/7", kStart, {Rate("acme/w", 5)})).status();
    probe_done = true;
  });
  REQUIRE(server.AwaitConnections(2));
  began = absl::Now();
  auto meanwhile = store->Charge(Batch("w/8", kStart, {Rate("acme/w", 5)}));
  CHECK(meanwhile.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::Now() - began < kAtOnce);
  CHECK_FALSE(probe_done);
  prober.join();
  CHECK(probe.code() == absl::StatusCode::kUnavailable);
  // The probe failed settling the owed refunds: its own charge was never
  // sent, so it is not owed.
  CHECK(store->owed_refunds() == 2);
  CHECK(server.connections() == 2);
  // Its failure starts a new window.
  began = absl::Now();
  CHECK(store->Ping().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::Now() - began < kAtOnce);
}

TEST_CASE(
    "after a frozen redis thaws the first call past the down window "
    "settles what is owed and no charge is lost or counted twice",
    "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  testing::FakeClock clock;
  RedisCounterStoreOptions options;
  options.address = redis.address();
  options.key_prefix = "test:";
  options.connect_timeout = absl::Milliseconds(300);
  options.command_timeout = absl::Milliseconds(300);
  options.down_window = absl::Milliseconds(500);
  auto store = RedisCounterStore::Create(options, &clock).value();
  REQUIRE(Charged(*store, Batch("f/0", kStart, {Rate("acme/f", 5)})));

  redis.Freeze();
  // Sent, no answer: it may still run once Redis wakes; it is owed.
  CHECK(store->Charge(Batch("f/1", kStart, {Rate("acme/f", 5)}))
            .status()
            .code() == absl::StatusCode::kUnavailable);
  CHECK(store->owed_refunds() == 1);
  for (int i = 2; i <= 4; ++i) {
    absl::Time began = absl::Now();
    CHECK(
        store->Charge(Batch(absl::StrCat("f/", i), kStart, {Rate("acme/f", 5)}))
            .status()
            .code() == absl::StatusCode::kUnavailable);
    CHECK(absl::Now() - began < kAtOnce);
  }
  redis.Thaw();
  // Redis answers again, but the window has not passed: not tried.
  CHECK(store->Charge(Batch("f/5", kStart, {Rate("acme/f", 5)}))
            .status()
            .code() == absl::StatusCode::kUnavailable);
  CHECK(store->owed_refunds() == 1);

  clock.Advance(absl::Milliseconds(500));
  CHECK(Charged(*store, Batch("f/6", kStart, {Rate("acme/f", 5)})));
  CHECK(store->owed_refunds() == 0);
  // f/0 and f/6: f/1 was refunded (and given up), f/2 to f/5 never sent.
  CHECK(Events(redis, "acme/f") == 2);
  CHECK(redis.Command({"PTTL", "test:{acme}:t:f/1"}).integer > 0);
  // The running sum agrees: three more fill the limit of five.
  for (int i = 7; i <= 9; ++i) {
    CHECK(Charged(*store,
                  Batch(absl::StrCat("f/", i), kStart, {Rate("acme/f", 5)})));
  }
  auto full = store->Charge(Batch("f/10", kStart, {Rate("acme/f", 5)}));
  REQUIRE(full.ok());
  CHECK_FALSE(full->charged);
  CHECK(full->usage_text == "5 of 5 per 1h used across replicas");
}

TEST_CASE(
    "a rate limit keeps no running sum and a counter that also takes "
    "amounts sums every event",
    "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  CHECK(Charged(*store, Batch("m/1", kStart, {Rate("acme/m", 5)})));
  CHECK(Charged(*store, Batch("m/2", kStart, {Rate("acme/m", 5)})));
  CHECK(Events(redis, "acme/m") == 2);
  CHECK(redis.Command({"EXISTS", SumKey("acme/m")}).integer == 0);
  // An amount on the same counter: its two events count one each.
  CHECK(Charged(*store, Batch("m/3", kStart, {Spend("acme/m", "1", "3.5")})));
  CHECK(redis.Command({"EXISTS", SumKey("acme/m")}).integer == 1);
  // From now on rate charges keep the sum too.
  CHECK(Charged(*store, Batch("m/4", kStart, {Rate("acme/m", 5)})));
  auto over =
      store->Charge(Batch("m/5", kStart, {Spend("acme/m", "1", "4.5")}));
  REQUIRE(over.ok());
  CHECK_FALSE(over->charged);
  CHECK(over->usage_text ==
        "4 USD of 4.5 USD per 1h used across replicas; this adds 1 USD");
  // Within one batch, a rate charge then an amount on one counter.
  CHECK(Charged(*store, Batch("n/1", kStart,
                              {Rate("acme/n", 5), Spend("acme/n", "2", "3")})));
  auto full = store->Charge(Batch("n/2", kStart, {Spend("acme/n", "1", "3")}));
  REQUIRE(full.ok());
  CHECK_FALSE(full->charged);
  CHECK(full->usage_text ==
        "3 USD of 3 USD per 1h used across replicas; this adds 1 USD");
}

TEST_CASE("a refund of a rate limit's event frees its place",
          "[shared_state][redis]") {
  RedisServer redis;
  REQUIRE(redis.ready());
  auto store = Store(redis);
  ChargeBatch first = Batch("q/1", kStart, {Rate("acme/q", 2)});
  CHECK(Charged(*store, first));
  CHECK(Charged(*store, Batch("q/2", kStart, {Rate("acme/q", 2)})));
  REQUIRE(store->Refund(first).ok());
  CHECK(Events(redis, "acme/q") == 1);
  CHECK(redis.Command({"EXISTS", SumKey("acme/q")}).integer == 0);
  CHECK(Charged(*store, Batch("q/3", kStart, {Rate("acme/q", 2)})));
  auto full = store->Charge(Batch("q/4", kStart, {Rate("acme/q", 2)}));
  REQUIRE(full.ok());
  CHECK_FALSE(full->charged);
  CHECK(full->usage_text == "2 of 2 per 1h used across replicas");
}

TEST_CASE("a negative down window is refused", "[shared_state]") {
  RedisCounterStoreOptions options;
  options.down_window = absl::Milliseconds(-1);
  CHECK(RedisCounterStore::Create(options).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::shared_state
