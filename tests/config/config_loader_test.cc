#include "config/config_loader.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::config {
namespace {

TEST_CASE("a YAML configuration maps onto the schema", "[config]") {
  auto config = ParseConfig(R"(
# comments are fine
policy: policies/
dataDir: /var/lib/portcullis
listen:
  tcpAddress: "[::1]:9000"
  disableUnixSocket: true
limits:
  maxRequestBytes: 4096
ledger:
  durability: DURABILITY_PROCESS
)",
                            "yaml", "/etc/portcullis");
  REQUIRE(config.ok());
  CHECK(config->policy() == "/etc/portcullis/policies/");
  CHECK(config->data_dir() == "/var/lib/portcullis");
  CHECK(config->listen().tcp_address() == "[::1]:9000");
  CHECK(config->listen().unix_socket().empty());
  CHECK(config->limits().max_request_bytes() == 4096);
  CHECK(config->ledger().durability() == config::v1::DURABILITY_PROCESS);
}

TEST_CASE("JSON works too, with proto field names", "[config]") {
  auto config = ParseConfig(
      R"({"policy": "shop.policy", "data_dir": "state",
          "listen": {"unix_socket": "gate.sock"}})",
      "json", "/srv");
  REQUIRE(config.ok());
  CHECK(config->policy() == "/srv/shop.policy");
  CHECK(config->data_dir() == "/srv/state");
  CHECK(config->listen().unix_socket() == "/srv/gate.sock");
}

TEST_CASE("unset fields take their documented defaults", "[config]") {
  auto config = ParseConfig("policy: p.policy\n", "yaml", ".");
  REQUIRE(config.ok());
  CHECK(config->listen().tcp_address() == "127.0.0.1:7575");
  CHECK(config->data_dir() == "data");
  CHECK(config->limits().max_request_bytes() == 1048576);
  CHECK(config->limits().max_arguments() == 256);
  CHECK(config->ledger().durability() == config::v1::DURABILITY_SYNC);
}

TEST_CASE("mistakes in a configuration are errors, not defaults", "[config]") {
  struct Case {
    const char* text;
    const char* format;
    const char* words;
  };
  const Case cases[] = {
      {"policy: p\nlisten:\n  tcpAdress: x\n", "yaml", "tcpAdress"},
      {"policy: p\nlimits:\n  maxRequestBytes: lots\n", "yaml",
       "max_request_bytes"},
      {"policy: p\nledger:\n  durability: FOREVER\n", "yaml", "FOREVER"},
      {"dataDir: d\n", "yaml", "\"policy\" is required"},
      {"policy: [unclosed\n", "yaml", "line"},
      {"{\"policy\": ", "json", ""},
      {"policy: p\n", "toml", "unknown configuration format"},
      // Shorter than a limit window: a restart would forget usage.
      {"policy: p\nledger:\n  retentionDays: 30\n", "yaml", "at least 367"},
      {"policy: p\nledger:\n  retentionDays: 366\n", "yaml", "at least 367"},
      {"policy: p\nledger:\n  snapshotEveryCheckpoints: 1000001\n", "yaml",
       "at most 1000000"},
      {"policy: p\nledger:\n  tenantRetentionDays: {acme: 30}\n", "yaml",
       "tenantRetentionDays of acme is 30: it must be at least 367"},
      {"policy: p\nledger:\n  tenantRetentionDays: {'../x': 400}\n", "yaml",
       "ledger.tenantRetentionDays"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    auto config = ParseConfig(c.text, c.format, ".");
    REQUIRE_FALSE(config.ok());
    INFO(config.status().message());
    CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(config.status().message().find(c.words) != std::string::npos);
  }
}

TEST_CASE("state snapshots default to every checkpoint, and 0 turns them off",
          "[config][snapshot]") {
  auto unset = ParseConfig("policy: p\n", "yaml", ".");
  REQUIRE(unset.ok());
  CHECK(unset->ledger().snapshot_every_checkpoints() == 1);
  auto off = ParseConfig("policy: p\nledger:\n  snapshotEveryCheckpoints: 0\n",
                         "yaml", ".");
  REQUIRE(off.ok());
  CHECK(off->ledger().has_snapshot_every_checkpoints());
  CHECK(off->ledger().snapshot_every_checkpoints() == 0);
  auto every4 = ParseConfig(
      "policy: p\nledger:\n  snapshotEveryCheckpoints: 4\n", "yaml", ".");
  REQUIRE(every4.ok());
  CHECK(every4->ledger().snapshot_every_checkpoints() == 4);
}

TEST_CASE("a retention longer than any limit window is accepted", "[config]") {
  auto config =
      ParseConfig("policy: p\nledger:\n  retentionDays: 367\n", "yaml", ".");
  REQUIRE(config.ok());
  CHECK(config->ledger().retention_days() == 367);
  auto per_tenant = ParseConfig(
      "policy: p\nledger:\n  tenantRetentionDays: {acme: 400, bank: 0}\n"
      "  pruneIntervalMinutes: 15\n",
      "yaml", ".");
  REQUIRE(per_tenant.ok());
  CHECK(per_tenant->ledger().tenant_retention_days().at("acme") == 400);
  CHECK(per_tenant->ledger().tenant_retention_days().at("bank") == 0);
  CHECK(per_tenant->ledger().prune_interval_minutes() == 15);
}

TEST_CASE("a configuration file resolves paths against its directory",
          "[config]") {
  testing::TempDir dir;
  std::ofstream(dir.Sub("gate.yaml"))
      << "policy: shop.policy\n"
         "listen:\n"
         "  tls: {certFile: tls/gate.crt, keyFile: tls/gate.key}\n"
         "observability:\n"
         "  httpAddress: 127.0.0.1:0\n"
         "  tls: {certFile: tls/ops.crt, keyFile: /etc/ops.key}\n";
  auto config = LoadConfigFile(dir.Sub("gate.yaml"));
  REQUIRE(config.ok());
  CHECK(config->policy() == dir.Sub("shop.policy"));
  CHECK(config->listen().tls().cert_file() == dir.Sub("tls/gate.crt"));
  CHECK(config->listen().tls().key_file() == dir.Sub("tls/gate.key"));
  // The operators' listener's too; an absolute path stays as it is.
  CHECK(config->observability().tls().cert_file() == dir.Sub("tls/ops.crt"));
  CHECK(config->observability().tls().key_file() == "/etc/ops.key");
  auto missing = LoadConfigFile(dir.Sub("absent.yaml"));
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  std::ofstream(dir.Sub("bad.yaml")) << "policy: p\nbogus: 1\n";
  auto bad = LoadConfigFile(dir.Sub("bad.yaml"));
  CHECK(bad.status().message().find(dir.Sub("bad.yaml")) == 0);
}

TEST_CASE("shared limits in Redis: defaults and the path of the password",
          "[config][shared_state]") {
  auto none = ParseConfig("policy: p.policy\n", "yaml", ".");
  REQUIRE(none.ok());
  CHECK_FALSE(none->shared_state().has_redis());

  auto config = ParseConfig(R"(
policy: p.policy
sharedState:
  redis:
    address: 127.0.0.1:6379
    passwordFile: redis.pass
    username: gate
)",
                            "yaml", "/etc/portcullis");
  REQUIRE(config.ok());
  const auto& redis = config->shared_state().redis();
  CHECK(redis.address() == "127.0.0.1:6379");
  CHECK(redis.key_prefix() == "portcullis:");
  CHECK(redis.password_file() == "/etc/portcullis/redis.pass");
  CHECK(redis.username() == "gate");
  CHECK(redis.connect_timeout().seconds() == 1);
  CHECK(redis.command_timeout().seconds() == 1);

  auto remote = ParseConfig(R"(
policy: p.policy
sharedState:
  redis: {address: "10.0.0.7:6379", plaintextBeyondLoopback: true}
)",
                            "yaml", ".");
  CHECK(remote.ok());
}

TEST_CASE("mistakes in the shared Redis are errors at start",
          "[config][shared_state]") {
  struct Case {
    const char* redis;
    const char* words;
  };
  const Case cases[] = {
      {"{keyPrefix: x}", "sharedState.redis.address is required"},
      {"{address: nowhere}", "want host:port"},
      {"{address: \"127.0.0.1:0\"}", "want host:port"},
      {"{address: \"10.0.0.7:6379\"}", "not loopback"},
      {"{address: \"redis.internal:6379\"}", "not loopback"},
      {"{address: \"127.0.0.1:6379\", username: gate}", "needs"},
      {"{address: \"127.0.0.1:6379\", commandTimeout: 0.001s}",
       "from 10ms to 30s"},
      {"{address: \"127.0.0.1:6379\", connectTimeout: 60s}",
       "from 10ms to 30s"},
      {"{address: \"127.0.0.1:6379\", tls: true}", "tls"},
      {"{address: \"10.0.0.7:6379\", tls: {}}",
       "sharedState.redis.tls.caFile is required"},
      {"{address: \"10.0.0.7:6379\", tls: {serverName: redis.internal}}",
       "caFile is required"},
      {"{address: \"127.0.0.1:6379\", tls: {caFile: ca.crt, certFile: "
       "gate.crt}}",
       "certFile and keyFile go together"},
      {"{address: \"127.0.0.1:6379\", tls: {caFile: ca.crt, keyFile: "
       "gate.key}}",
       "certFile and keyFile go together"},
      {"{address: \"127.0.0.1:6379\", tls: {caFile: ca.crt, serverName: "
       "\"redis internal\"}}",
       "sharedState.redis.tls.serverName"},
      {"{address: \"10.0.0.7:6379\", plaintextBeyondLoopback: true, tls: "
       "{caFile: ca.crt}}",
       "remove one"},
      {"{address: \"127.0.0.1:6379\", tls: {caFile: ca.crt, certFile: "
       "gate.crt, keyFile: /nonexistent/gate.key}}",
       "keyFile /nonexistent/gate.key cannot be read"},
  };
  for (const Case& c : cases) {
    INFO(c.redis);
    auto config = ParseConfig(
        absl::StrCat("policy: p.policy\nsharedState:\n  redis: ", c.redis,
                     "\n"),
        "yaml", ".");
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(config.status().message()),
               Catch::Contains(c.words));
  }
}

TEST_CASE(
    "TLS to the shared Redis: paths relative to the file and a remote "
    "address allowed",
    "[config][shared_state][tls]") {
  testing::TempDir dir;
  std::ofstream(dir.Sub("gate.key")) << "a key\n";
  REQUIRE(::chmod(dir.Sub("gate.key").c_str(), 0600) == 0);
  const std::string text = R"(
policy: p.policy
sharedState:
  redis:
    address: "10.0.0.7:6380"
    tls:
      caFile: certs/redis-ca.crt
      serverName: redis.internal
      certFile: gate.crt
      keyFile: gate.key
)";
  auto config = ParseConfig(text, "yaml", dir.path().string());
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  const auto& tls = config->shared_state().redis().tls();
  CHECK(tls.ca_file() == dir.Sub("certs/redis-ca.crt"));
  CHECK(tls.server_name() == "redis.internal");
  CHECK(tls.cert_file() == dir.Sub("gate.crt"));
  CHECK(tls.key_file() == dir.Sub("gate.key"));

  // The same without tls is refused: plain text beyond loopback.
  auto plain = ParseConfig(
      "policy: p.policy\nsharedState:\n  redis: {address: "
      "\"10.0.0.7:6380\"}\n",
      "yaml", dir.path().string());
  CHECK_THAT(std::string(plain.status().message()),
             Catch::Contains("set sharedState.redis.tls"));

  // A key file that group or others may read is refused.
  REQUIRE(::chmod(dir.Sub("gate.key").c_str(), 0640) == 0);
  auto open_key = ParseConfig(text, "yaml", dir.path().string());
  REQUIRE_FALSE(open_key.ok());
  CHECK(open_key.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(open_key.status().message()),
             Catch::Contains("sharedState.redis.tls.keyFile"));
  CHECK_THAT(std::string(open_key.status().message()),
             Catch::Contains("chmod 600"));
}

TEST_CASE("a replica name is validated like other identifiers",
          "[config][replica]") {
  auto named = ParseConfig("policy: p.policy\nreplica: agent-7d9f8c-x2k4p\n",
                           "yaml", "/etc");
  REQUIRE(named.ok());
  CHECK(named->replica() == "agent-7d9f8c-x2k4p");
  const std::vector<std::string> refused_names = {
      "\"a/b\"", "\"-agent\"", "\"pod 1\"", "\"x:y\"", std::string(65, 'r')};
  for (const std::string& bad : refused_names) {
    INFO(bad);
    auto refused = ParseConfig(
        absl::StrCat("policy: p.policy\nreplica: ", bad, "\n"), "yaml", "/etc");
    REQUIRE(!refused.ok());
    CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(refused.status().message().find("replica: replica name") == 0);
  }
}

TEST_CASE("the replica defaults to none alone and to the host name shared",
          "[config][replica]") {
  auto alone = ParseConfig("policy: p.policy\n", "yaml", "/etc");
  REQUIRE(alone.ok());
  CHECK(*EffectiveReplicaName(*alone, "agent-0.shop.svc") == "");

  auto shared = ParseConfig(
      "policy: p.policy\nsharedState:\n  redis: {address: "
      "\"127.0.0.1:6379\"}\n",
      "yaml", "/etc");
  REQUIRE(shared.ok());
  // The host name up to its first dot: in Kubernetes, the pod's name.
  CHECK(*EffectiveReplicaName(*shared, "agent-0.shop.svc") == "agent-0");
  CHECK(*EffectiveReplicaName(*shared, "agent-1") == "agent-1");
  auto unusable = EffectiveReplicaName(*shared, "");
  REQUIRE(!unusable.ok());
  CHECK(unusable.status().message().find("set replica") != std::string::npos);

  // A configured name wins over the host's.
  shared->set_replica("gate-eu-1");
  CHECK(*EffectiveReplicaName(*shared, "agent-0") == "gate-eu-1");
}

}  // namespace
}  // namespace portcullis::config
