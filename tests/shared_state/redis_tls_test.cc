// TLS to Redis (sharedState.redis.tls): a real redis-server listening for
// TLS on a picked loopback port, with certificates made for each test.
// The counter store is the client; the server's plain port is how the
// test looks at what was charged.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "shared_state/redis_counter_store.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"

namespace portcullis::shared_state {
namespace {

using gate::ChargeBatch;
using gate::ChargeOutcome;
using policy::Decimal;
using policy::UsageCeiling;
using policy::UsageCharge;
using testing::RedisServer;
using testing::RedisTlsFiles;
using testing::TestCertificates;

const absl::Time kStart = absl::FromUnixSeconds(1767528000);

ChargeBatch Coupon(const std::string& id, int64_t max = 2) {
  return ChargeBatch{
      .tenant = "acme",
      .id = id,
      .at = kStart,
      .charges = {UsageCharge{
          .counter = "acme/coupons",
          .window = absl::Hours(1),
          .amount = std::nullopt,
          .ceiling = UsageCeiling{
              Decimal::FromInteger(max), {"rate", "", ""}, "too many", ""}}}};
}

int64_t Events(const RedisServer& redis) {
  return redis.Command({"ZCARD", "test:{acme}:c:acme/coupons"}).integer;
}

// Certificates, and a redis-server that speaks TLS with them.
struct TlsRedis {
  testing::TempDir dir;
  TestCertificates certificates{dir};
  std::unique_ptr<RedisServer> redis;

  explicit TlsRedis(bool auth_clients = false, std::string password = "") {
    REQUIRE(certificates.made());
    redis = std::make_unique<RedisServer>(
        std::move(password),
        RedisTlsFiles{certificates.server_cert(), certificates.server_key(),
                      certificates.ca(), auth_clients});
    INFO(redis->log());
    REQUIRE(redis->ready());
  }

  RedisCounterStoreOptions Options(
      absl::Duration timeout = absl::Seconds(2)) const {
    RedisCounterStoreOptions options;
    options.address = redis->tls_address();
    options.key_prefix = "test:";
    options.connect_timeout = timeout;
    options.command_timeout = timeout;
    options.tls = RedisTlsOptions{.ca_file = certificates.ca()};
    // These tests thaw and restart Redis and expect the very next call to
    // reach it; the down window is tested in redis_counter_store_test.cc.
    options.down_window = absl::ZeroDuration();
    return options;
  }
};

std::unique_ptr<RedisCounterStore> Store(RedisCounterStoreOptions options) {
  auto store = RedisCounterStore::Create(std::move(options));
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return *std::move(store);
}

TEST_CASE("counters charged over TLS hold their limit",
          "[shared_state][redis][tls]") {
  TlsRedis tls;
  // The default server name is the address's host, 127.0.0.1: an IP
  // address the certificate names.
  auto store = Store(tls.Options());
  for (const char* id : {"b-1", "b-2"}) {
    auto outcome = store->Charge(Coupon(id));
    INFO(outcome.status().ToString());
    REQUIRE(outcome.ok());
    CHECK(outcome->charged);
  }
  auto refused = store->Charge(Coupon("b-3"));
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->charged);
  CHECK(refused->usage_text == "2 of 2 per 1h used across replicas");
  CHECK(Events(*tls.redis) == 2);
  CHECK(store->Ping().ok());

  // A DNS name the certificate carries, sent as SNI.
  RedisCounterStoreOptions by_name = tls.Options();
  by_name.tls->server_name = "localhost";
  auto named = Store(by_name);
  CHECK(named->Refund(Coupon("b-2")).ok());
  CHECK(Events(*tls.redis) == 1);
}

TEST_CASE(
    "a server certificate from another CA is refused and nothing is "
    "charged",
    "[shared_state][redis][tls]") {
  TlsRedis tls;
  RedisCounterStoreOptions options = tls.Options();
  options.tls->ca_file = tls.certificates.other_ca();
  auto store = Store(options);
  auto outcome = store->Charge(Coupon("b-1"));
  CHECK(outcome.status().code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(outcome.status().message()),
             Catch::Contains("certificate was refused"));
  CHECK(store->Ping().code() == absl::StatusCode::kUnavailable);
  CHECK(Events(*tls.redis) == 0);
}

TEST_CASE("a server name the certificate does not carry is refused",
          "[shared_state][redis][tls]") {
  TlsRedis tls;
  for (const char* name : {"redis.example", "127.0.0.2"}) {
    INFO(name);
    RedisCounterStoreOptions options = tls.Options();
    options.tls->server_name = name;
    auto store = Store(options);
    auto outcome = store->Charge(Coupon("b-1"));
    CHECK(outcome.status().code() == absl::StatusCode::kUnavailable);
    CHECK_THAT(std::string(outcome.status().message()),
               Catch::Contains("mismatch"));
  }
  CHECK(Events(*tls.redis) == 0);
}

TEST_CASE(
    "a redis that requires client certificates takes the gate's and "
    "refuses a gate without one",
    "[shared_state][redis][tls]") {
  TlsRedis tls(/*auth_clients=*/true);
  RedisCounterStoreOptions options = tls.Options();
  auto anonymous = Store(options);
  auto refused = anonymous->Charge(Coupon("b-1"));
  // Unavailable: the server's alert ("certificate required") or, when
  // the connection's reset overtakes it, the reset.
  CHECK(refused.status().code() == absl::StatusCode::kUnavailable);
  CHECK(Events(*tls.redis) == 0);

  options.tls->cert_file = tls.certificates.client_cert();
  options.tls->key_file = tls.certificates.client_key();
  auto store = Store(options);
  auto outcome = store->Charge(Coupon("b-2"));
  INFO(outcome.status().ToString());
  REQUIRE(outcome.ok());
  CHECK(outcome->charged);
  CHECK(Events(*tls.redis) == 1);
}

TEST_CASE("AUTH goes over TLS as over plain TCP",
          "[shared_state][redis][tls][auth]") {
  TlsRedis tls(false, "pw-over-tls");
  RedisCounterStoreOptions options = tls.Options();
  auto anonymous = Store(options);
  CHECK(anonymous->Ping().code() == absl::StatusCode::kUnavailable);
  options.password = "pw-over-tls";
  auto store = Store(options);
  CHECK(store->Ping().ok());
  auto outcome = store->Charge(Coupon("b-1"));
  REQUIRE(outcome.ok());
  CHECK(outcome->charged);
}

TEST_CASE(
    "a TLS connection the server closed or restarted is replaced on the "
    "next call",
    "[shared_state][redis][tls]") {
  TlsRedis tls;
  auto store = Store(tls.Options());
  REQUIRE(store->Ping().ok());
  REQUIRE(tls.redis->Command({"CLIENT", "KILL", "TYPE", "normal"}).type ==
          REDIS_REPLY_INTEGER);
  auto after_kill = store->Charge(Coupon("b-1"));
  INFO(after_kill.status().ToString());
  CHECK(after_kill.ok());
  // Killed: the connection the store kept ends without a TLS goodbye.
  tls.redis->Kill();
  REQUIRE(tls.redis->Start());
  auto after_restart = store->Charge(Coupon("b-2"));
  INFO(after_restart.status().ToString());
  CHECK(after_restart.ok());
  CHECK(Events(*tls.redis) == 1);
}

TEST_CASE(
    "the TLS files are read again at each new connection, and files that "
    "no longer load leave the ones in use",
    "[shared_state][redis][tls]") {
  TlsRedis tls;
  // The gate's CA bundle is at first another CA's: the server is refused.
  testing::TempDir mine;
  const std::string ca = mine.Sub("ca.crt");
  std::filesystem::copy_file(tls.certificates.other_ca(), ca);
  RedisCounterStoreOptions options = tls.Options();
  options.tls->ca_file = ca;
  auto store = Store(options);
  CHECK(store->Ping().code() == absl::StatusCode::kUnavailable);
  // The bundle is renewed in place (by a rename, as a Secret's files are):
  // the next connection verifies the server with it.
  std::filesystem::copy_file(tls.certificates.ca(), mine.Sub("next.crt"));
  std::filesystem::rename(mine.Sub("next.crt"), ca);
  CHECK(store->Ping().ok());
  // A bundle that no longer loads keeps the one in use: the server drops
  // the gate's connection, and the gate connects again, verifying with it.
  std::ofstream(ca, std::ios::trunc) << "not a certificate\n";
  tls.redis->Command({"CLIENT", "KILL", "TYPE", "normal"});
  CHECK(store->Ping().ok());
  // Another CA's again: refused, and the message says why, never what the
  // files hold.
  std::filesystem::copy_file(tls.certificates.other_ca(), ca,
                             std::filesystem::copy_options::overwrite_existing);
  tls.redis->Command({"CLIENT", "KILL", "TYPE", "normal"});
  absl::Status refused = store->Ping();
  CHECK(refused.code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(refused.message()),
             Catch::Contains("the server's certificate was refused"));
  // Files that do not load, then a failure: both are said.
  std::ofstream(ca, std::ios::trunc) << "not a certificate\n";
  tls.redis->Kill();
  absl::Status away = store->Ping();
  CHECK(away.code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(away.message()),
             Catch::Contains("the TLS files in use were kept: tls: cannot use "
                             "the CA file " +
                             ca));
  CHECK_THAT(std::string(away.message()),
             !Catch::Contains("not a certificate"));
}

TEST_CASE("a TLS redis that stops answering times out",
          "[shared_state][redis][tls]") {
  TlsRedis tls;
  auto store = Store(tls.Options(absl::Milliseconds(200)));
  REQUIRE(store->Ping().ok());
  tls.redis->Freeze();
  auto frozen = store->Charge(Coupon("b-1"));
  CHECK(frozen.status().code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(frozen.status().message()),
             Catch::Contains("timed out"));
  // A new connection times out in its handshake as well.
  auto fresh = Store(tls.Options(absl::Milliseconds(200)));
  CHECK(fresh->Ping().code() == absl::StatusCode::kUnavailable);
  tls.redis->Thaw();
  CHECK(store->Ping().ok());
}

TEST_CASE(
    "a TLS address given by name is tried at each of its addresses and "
    "its name verified",
    "[shared_state][redis][tls]") {
  TlsRedis tls;
  // Where localhost is ::1 as well, nothing listens there: the next
  // address is tried.
  RedisCounterStoreOptions options = tls.Options();
  const std::string address = tls.redis->tls_address();
  options.address = "localhost" + address.substr(address.rfind(':'));
  auto store = Store(options);
  auto outcome = store->Charge(Coupon("b-1"));
  INFO(outcome.status().ToString());
  REQUIRE(outcome.ok());
  CHECK(outcome->charged);
}

TEST_CASE("a TLS server that is not there is unavailable",
          "[shared_state][tls]") {
  testing::TempDir dir;
  TestCertificates certificates(dir);
  REQUIRE(certificates.made());
  RedisCounterStoreOptions options;
  options.address = "127.0.0.1:1";
  options.tls = RedisTlsOptions{.ca_file = certificates.ca()};
  auto store = Store(options);
  absl::Status down = store->Ping();
  CHECK(down.code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(down.message()), Catch::Contains("127.0.0.1:1"));
}

TEST_CASE("TLS to a plain port fails closed", "[shared_state][redis][tls]") {
  TlsRedis tls;
  RedisCounterStoreOptions options = tls.Options();
  options.address = tls.redis->address();
  auto store = Store(options);
  CHECK(store->Charge(Coupon("b-1")).status().code() ==
        absl::StatusCode::kUnavailable);
  CHECK(Events(*tls.redis) == 0);
}

TEST_CASE("TLS files that cannot be used are refused when the store is made",
          "[shared_state][tls]") {
  testing::TempDir dir;
  TestCertificates certificates(dir);
  REQUIRE(certificates.made());
  std::ofstream(dir.Sub("not-pem.crt")) << "not a certificate\n";
  // An encrypted key fails to load; no passphrase is asked for.
  REQUIRE(std::system(
              ("openssl ec -in '" + certificates.client_key() +
               "' -aes256 -passout pass:x -out '" + dir.Sub("encrypted.key") +
               "' 2>/dev/null && chmod 600 '" + dir.Sub("encrypted.key") + "'")
                  .c_str()) == 0);
  struct Case {
    RedisTlsOptions tls;
    const char* words;
  };
  const Case cases[] = {
      {{}, "a CA file is required"},
      {{.ca_file = dir.Sub("absent.crt")}, "absent.crt"},
      {{.ca_file = dir.Sub("not-pem.crt")}, "not-pem.crt"},
      {{.ca_file = certificates.ca(), .cert_file = certificates.client_cert()},
       "go together"},
      {{.ca_file = certificates.ca(),
        .cert_file = certificates.client_cert(),
        .key_file = certificates.server_key()},
       "does not match"},
      {{.ca_file = certificates.ca(),
        .cert_file = certificates.client_cert(),
        .key_file = dir.Sub("encrypted.key")},
       "unencrypted PEM key"},
  };
  for (const Case& c : cases) {
    INFO(c.words);
    RedisCounterStoreOptions options;
    options.tls = c.tls;
    auto store = RedisCounterStore::Create(options);
    CHECK(store.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(store.status().message()), Catch::Contains(c.words));
  }
  REQUIRE(::chmod(certificates.client_key().c_str(), 0640) == 0);
  RedisCounterStoreOptions open_key;
  open_key.tls = RedisTlsOptions{.ca_file = certificates.ca(),
                                 .cert_file = certificates.client_cert(),
                                 .key_file = certificates.client_key()};
  auto refused = RedisCounterStore::Create(open_key);
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains("chmod 600"));
}

}  // namespace
}  // namespace portcullis::shared_state
