#include "config/config_loader.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "config/listen_address.h"
#include "policy/compiled_policy.h"

namespace portcullis::config {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Value;

constexpr int kMaxYamlDepth = 32;

// YAML to a protobuf Value tree, which protobuf's own JSON printer then
// turns into JSON for the real parser. Plain scalars "true"/"false" become
// booleans, "null"/"~" null; every other scalar stays a string, which the
// proto JSON parser accepts for numeric and enum fields too.
absl::Status YamlToValue(const YAML::Node& node, Value* out, int depth) {
  if (depth > kMaxYamlDepth) {
    return absl::InvalidArgumentError("nested too deeply");
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "?") {  // plain (unquoted) scalar
        if (s == "true" || s == "false") {
          out->set_bool_value(s == "true");
          return absl::OkStatus();
        }
        if (s == "null" || s == "~") {
          out->set_null_value(google::protobuf::NULL_VALUE);
          return absl::OkStatus();
        }
      }
      out->set_string_value(s);
      return absl::OkStatus();
    }
    case YAML::NodeType::Sequence: {
      auto* list = out->mutable_list_value();
      for (const YAML::Node& item : node) {
        absl::Status s = YamlToValue(item, list->add_values(), depth + 1);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
    case YAML::NodeType::Map: {
      auto* fields = out->mutable_struct_value()->mutable_fields();
      for (const auto& kv : node) {
        absl::Status s =
            YamlToValue(kv.second, &(*fields)[kv.first.Scalar()], depth + 1);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("unsupported YAML node");
}

absl::StatusOr<std::string> YamlToJson(absl::string_view text) {
  Value root;
  try {
    YAML::Node node = YAML::Load(std::string(text));
    absl::Status s = YamlToValue(node, &root, 0);
    if (!s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", e.msg));
  }
  if (root.kind_case() == Value::kNullValue) return std::string("{}");
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(root, &json);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return json;
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

void ApplyDefaults(const std::string& base_dir,
                   config::v1::GateConfig& config) {
  config.set_policy(Resolve(base_dir, config.policy()));
  // Shadow mode (issue 7): optional, resolved like the policy.
  config.set_shadow_policy(Resolve(base_dir, config.shadow_policy()));
  if (config.data_dir().empty()) {
    config.set_data_dir(kDefaultDataDir);  // relative to the working dir
  } else {
    config.set_data_dir(Resolve(base_dir, config.data_dir()));
  }
  if (!config.principals_file().empty()) {
    config.set_principals_file(Resolve(base_dir, config.principals_file()));
  }
  for (auto* tls : {config.mutable_listen()->mutable_tls(),
                    config.mutable_observability()->mutable_tls()}) {
    for (std::string* path : {tls->mutable_cert_file(), tls->mutable_key_file(),
                              tls->mutable_client_ca_file()}) {
      *path = Resolve(base_dir, *path);
    }
  }
  if (!config.signing_key_file().empty()) {
    config.set_signing_key_file(Resolve(base_dir, config.signing_key_file()));
  }
  auto* listen = config.mutable_listen();
  if (listen->disable_tcp()) {
    listen->clear_tcp_address();
  } else if (listen->tcp_address().empty()) {
    listen->set_tcp_address(kDefaultTcpAddress);
  }
  if (listen->disable_unix_socket()) {
    listen->clear_unix_socket();
  } else if (!listen->unix_socket().empty()) {
    listen->set_unix_socket(Resolve(base_dir, listen->unix_socket()));
  }
  auto* limits = config.mutable_limits();
  if (limits->max_request_bytes() == 0) {
    limits->set_max_request_bytes(kDefaultMaxRequestBytes);
  }
  if (limits->max_arguments() == 0) limits->set_max_arguments(256);
  if (limits->max_pending_per_agent() == 0) {
    limits->set_max_pending_per_agent(100);
  }
  if (limits->max_pending_per_tenant() == 0) {
    limits->set_max_pending_per_tenant(1000);
  }
  if (limits->max_string_bytes() == 0) limits->set_max_string_bytes(64 << 10);
  // Open waits and streams (issue 15, item 6).
  if (limits->max_waits_per_principal() == 0) {
    limits->set_max_waits_per_principal(256);
  }
  if (limits->max_streams_per_principal() == 0) {
    limits->set_max_streams_per_principal(16);
  }
  if (limits->watch_backlog() == 0) limits->set_watch_backlog(256);
  if (limits->call_threads() == 0) limits->set_call_threads(8);
  if (limits->max_admin_calls_per_principal() == 0) {
    limits->set_max_admin_calls_per_principal(16);
  }
  // Overload (issue 15, item 5).
  if (limits->max_in_flight_decisions() == 0) {
    limits->set_max_in_flight_decisions(512);
  }
  if (limits->retry_pushback_ms() == 0) limits->set_retry_pushback_ms(100);
  if (limits->max_concurrent_streams() == 0) {
    limits->set_max_concurrent_streams(600);
  }
  if (limits->max_server_threads() == 0) limits->set_max_server_threads(256);
  if (limits->grpc_memory_bytes() == 0) {
    limits->set_grpc_memory_bytes(uint64_t{64} << 20);
  }
  auto* grants = config.mutable_grants();
  if (!grants->has_ttl()) grants->mutable_ttl()->set_seconds(600);
  if (!grants->has_idempotency_window()) {
    grants->mutable_idempotency_window()->set_seconds(86400);
  }
  auto* fatigue = config.mutable_approvals()->mutable_fatigue_cap();
  if (!fatigue->has_window()) fatigue->mutable_window()->set_seconds(3600);
  if (config.ledger().durability() == config::v1::DURABILITY_UNSPECIFIED) {
    config.mutable_ledger()->set_durability(config::v1::DURABILITY_SYNC);
  }
  // Ledger evidence (issue 5).
  auto* ledger = config.mutable_ledger();
  if (ledger->checkpoint_every_entries() == 0) {
    ledger->set_checkpoint_every_entries(1000);
  }
  if (ledger->checkpoint_interval_ms() == 0) {
    ledger->set_checkpoint_interval_ms(60000);
  }
  if (!ledger->has_snapshot_every_checkpoints()) {
    ledger->set_snapshot_every_checkpoints(1);
  }
  if (!ledger->master_key_file().empty()) {
    ledger->set_master_key_file(Resolve(base_dir, ledger->master_key_file()));
  }
  if (config.shared_state().has_redis()) {
    auto* redis = config.mutable_shared_state()->mutable_redis();
    if (redis->key_prefix().empty()) redis->set_key_prefix("portcullis:");
    for (auto* timeout :
         {redis->mutable_connect_timeout(), redis->mutable_command_timeout()}) {
      if (timeout->seconds() == 0 && timeout->nanos() == 0) {
        timeout->set_seconds(1);
      }
    }
    if (!redis->password_file().empty()) {
      redis->set_password_file(Resolve(base_dir, redis->password_file()));
    }
    if (redis->has_tls()) {
      auto* tls = redis->mutable_tls();
      tls->set_ca_file(Resolve(base_dir, tls->ca_file()));
      tls->set_cert_file(Resolve(base_dir, tls->cert_file()));
      tls->set_key_file(Resolve(base_dir, tls->key_file()));
    }
  }
}

// The fatigue cap (issue 21).
absl::Status ValidateFatigueCap(const config::v1::FatigueCapConfig& cap) {
  if (cap.max_per_window() > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("approvals.fatigueCap.maxPerWindow is ",
                     cap.max_per_window(), ": at most 100000, or 0 for none"));
  }
  if (!cap.has_window()) return absl::OkStatus();  // the default, 1h
  const absl::Duration window = absl::Seconds(cap.window().seconds()) +
                                absl::Nanoseconds(cap.window().nanos());
  if (window < absl::Minutes(1) || window > absl::Hours(24 * 7)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "approvals.fatigueCap.window is ", absl::FormatDuration(window),
        ": it must be from 60s to 7 days"));
  }
  return absl::OkStatus();
}

// TLS to Redis: a CA file (the server is always verified), a server name
// that can be one, a client certificate and key together, the key file
// kept from group and others. The files' content is checked when the
// daemon creates the stores (shared_state/internal/tls_transport.h).
absl::Status ValidateRedisTls(const config::v1::RedisTlsConfig& tls) {
  if (tls.ca_file().empty()) {
    return absl::InvalidArgumentError(
        "sharedState.redis.tls.caFile is required: the PEM file of the CA "
        "that signs the Redis server's certificate (the server is always "
        "verified)");
  }
  const std::string& name = tls.server_name();
  if (name.size() > 253 || absl::StartsWith(name, "-") ||
      absl::StartsWith(name, ".") ||
      !std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == ':';
      })) {
    return absl::InvalidArgumentError(
        "sharedState.redis.tls.serverName: want a DNS name or an IP "
        "address, as the server's certificate names it");
  }
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    return absl::InvalidArgumentError(
        "sharedState.redis.tls.certFile and keyFile go together: the "
        "gate's client certificate and its private key");
  }
  if (tls.key_file().empty()) return absl::OkStatus();
  struct stat st;
  if (::stat(tls.key_file().c_str(), &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sharedState.redis.tls.keyFile ", tls.key_file(),
                     " cannot be read: ", std::strerror(errno)));
  }
  if ((st.st_mode & 0077) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sharedState.redis.tls.keyFile ", tls.key_file(),
                     " is readable by others (mode ",
                     absl::Hex(st.st_mode & 0777), "); chmod 600 it"));
  }
  return absl::OkStatus();
}

// Limits shared through Redis (issue 20): where set, a loopback address
// (or TLS, or an explicit plain-text opt-in) and timeouts within bounds.
// The key prefix is checked by the store itself when the daemon creates it.
absl::Status ValidateSharedState(const config::v1::SharedStateConfig& shared) {
  if (!shared.has_redis()) return absl::OkStatus();
  const config::v1::RedisConfig& redis = shared.redis();
  if (redis.address().empty()) {
    return absl::InvalidArgumentError(
        "sharedState.redis.address is required: host:port of the Redis that "
        "every replica shares");
  }
  absl::StatusOr<ListenAddress> address = ParseListenAddress(redis.address());
  if (!address.ok() || address->port == 0) {
    return absl::InvalidArgumentError(
        "sharedState.redis.address: want host:port or [v6]:port");
  }
  if (redis.has_tls()) {
    if (redis.plaintext_beyond_loopback()) {
      return absl::InvalidArgumentError(
          "sharedState.redis.plaintextBeyondLoopback means no TLS, but "
          "sharedState.redis.tls is set: remove one");
    }
    PORTCULLIS_RETURN_IF_ERROR(ValidateRedisTls(redis.tls()));
  } else if (!address->loopback && !redis.plaintext_beyond_loopback()) {
    return absl::InvalidArgumentError(
        "sharedState.redis.address is not loopback, and Redis is reached "
        "without TLS: set sharedState.redis.tls (at least its caFile), or "
        "sharedState.redis.plaintextBeyondLoopback on a network you trust");
  }
  if (!redis.username().empty() && redis.password_file().empty()) {
    return absl::InvalidArgumentError(
        "sharedState.redis.username needs sharedState.redis.passwordFile");
  }
  for (const auto& [name, timeout] :
       {std::pair{"connectTimeout", &redis.connect_timeout()},
        std::pair{"commandTimeout", &redis.command_timeout()}}) {
    const absl::Duration d =
        absl::Seconds(timeout->seconds()) + absl::Nanoseconds(timeout->nanos());
    if (d < absl::Milliseconds(10) || d > absl::Seconds(30)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sharedState.redis.", name, " is ", absl::FormatDuration(d),
          ": it must be from 10ms to 30s"));
    }
  }
  return absl::OkStatus();
}

// The overload bounds (issue 15, item 5), where set (0 takes the default).
absl::Status ValidateOverloadLimits(const config::v1::LimitsConfig& limits) {
  struct Bound {
    const char* name;
    uint64_t value;
    uint64_t min;
    uint64_t max;
  };
  const Bound bounds[] = {
      {"maxInFlightDecisions", limits.max_in_flight_decisions(), 1, 1000000},
      {"retryPushbackMs", limits.retry_pushback_ms(), 1, 60000},
      {"maxConcurrentStreams", limits.max_concurrent_streams(), 1, 1000000},
      {"maxServerThreads", limits.max_server_threads(), 16, 100000},
      {"grpcMemoryBytes", limits.grpc_memory_bytes(), uint64_t{16} << 20,
       uint64_t{1} << 40},
      {"maxAdminCallsPerPrincipal", limits.max_admin_calls_per_principal(), 1,
       100000},
  };
  for (const Bound& b : bounds) {
    if (b.value == 0) continue;
    if (b.value < b.min || b.value > b.max) {
      return absl::InvalidArgumentError(
          absl::StrCat("limits.", b.name, " is ", b.value, ": it must be from ",
                       b.min, " to ", b.max, ", or unset for the default"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseStructuredText(absl::string_view text,
                                 absl::string_view format,
                                 google::protobuf::Message* out) {
  std::string json;
  if (format == "yaml") {
    absl::StatusOr<std::string> converted = YamlToJson(text);
    if (!converted.ok()) return converted.status();
    json = *std::move(converted);
  } else if (format == "json") {
    json = std::string(text);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown configuration format \"", format,
                     "\"; use .yaml, .yml or .json"));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json, out, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<config::v1::GateConfig> ParseConfig(
    absl::string_view text, absl::string_view format,
    const std::string& base_dir) {
  config::v1::GateConfig config;
  if (absl::Status s = ParseStructuredText(text, format, &config); !s.ok()) {
    return s;
  }
  if (config.policy().empty()) {
    return absl::InvalidArgumentError(
        "\"policy\" is required: the policy file or directory to enforce");
  }
  // Rate and spend counters, and pending approvals, are rebuilt from the
  // ledger's payloads at start: a retention shorter than the longest
  // window a policy may count over would let a restart forget usage.
  const uint32_t retention = config.ledger().retention_days();
  const int64_t min_days = policy::kMaxLimitWindow / absl::Hours(24) + 1;
  if (retention != 0 && retention < min_days) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ledger.retentionDays is ", retention, ": it must be at least ",
        min_days,
        " (longer than the longest rate or spend limit window, 366 days), "
        "or 0 to keep payloads forever"));
  }
  if (config.ledger().snapshot_every_checkpoints() > 1000000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ledger.snapshotEveryCheckpoints is ",
        config.ledger().snapshot_every_checkpoints(),
        ": it must be at most 1000000 (0 turns state snapshots off)"));
  }
  if (!config.replica().empty()) {
    if (absl::Status s = ValidateReplicaName(config.replica()); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("replica: ", s.message()));
    }
  }
  PORTCULLIS_RETURN_IF_ERROR(ValidateOverloadLimits(config.limits()));
  PORTCULLIS_RETURN_IF_ERROR(
      ValidateFatigueCap(config.approvals().fatigue_cap()));
  ApplyDefaults(base_dir, config);
  PORTCULLIS_RETURN_IF_ERROR(ValidateSharedState(config.shared_state()));
  for (const auto& [tenant, days] : config.ledger().tenant_retention_days()) {
    if (absl::Status s = ValidateTenantId(tenant); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ledger.tenantRetentionDays: ", s.message()));
    }
    if (days != 0 && days < min_days) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ledger.tenantRetentionDays of ", tenant, " is ", days,
          ": it must be at least ", min_days,
          " (longer than the longest rate or spend limit window, 366 days), "
          "or 0 to keep payloads forever"));
    }
  }
  return config;
}

absl::StatusOr<std::string> EffectiveReplicaName(
    const config::v1::GateConfig& config, absl::string_view host_name) {
  if (!config.replica().empty()) return config.replica();
  if (!config.shared_state().has_redis()) return std::string();
  absl::string_view short_name = host_name.substr(0, host_name.find('.'));
  if (absl::Status s = ValidateReplicaName(short_name); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "replica is not set and the host name does not make one (", s.message(),
        "): with sharedState, set replica (or portcullisd --replica) to "
        "this gate's name among the replicas, e.g. the pod's name"));
  }
  return std::string(short_name);
}

std::string FormatOf(absl::string_view path) {
  if (absl::EndsWith(path, ".yaml") || absl::EndsWith(path, ".yml")) {
    return "yaml";
  }
  if (absl::EndsWith(path, ".json")) return "json";
  return "";
}

absl::StatusOr<config::v1::PrincipalsFile> LoadPrincipalsFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read principals file ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  config::v1::PrincipalsFile file;
  if (absl::Status s = ParseStructuredText(text.str(), FormatOf(path), &file);
      !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  }
  return file;
}

absl::StatusOr<config::v1::GateConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read configuration file ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string format = FormatOf(path);
  std::string base_dir = fs::path(path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  auto config = ParseConfig(text.str(), format, base_dir);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace portcullis::config
