#include "daemon/daemon_config.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "codec/time_codec.h"
#include "config/listen_address.h"
#include "crypto/key_file.h"

namespace portcullis::daemon {

gate::GateOptions GateOptionsFrom(const config::v1::GateConfig& config) {
  gate::GateOptions options;
  options.limits.max_arguments = config.limits().max_arguments();
  options.limits.max_string_bytes = config.limits().max_string_bytes();
  options.max_pending_per_agent = config.limits().max_pending_per_agent();
  options.max_pending_per_tenant = config.limits().max_pending_per_tenant();
  options.grant_ttl = codec::DurationFromProto(config.grants().ttl());
  options.idempotency_window =
      codec::DurationFromProto(config.grants().idempotency_window());
  options.snapshot_every_checkpoints =
      static_cast<int>(config.ledger().snapshot_every_checkpoints());
  options.fatigue_cap.max_per_window =
      static_cast<int>(config.approvals().fatigue_cap().max_per_window());
  options.fatigue_cap.window =
      codec::DurationFromProto(config.approvals().fatigue_cap().window());
  return options;
}

absl::StatusOr<gate::ApproverRegistry> ApproversFrom(
    const config::v1::GateConfig& config) {
  std::vector<gate::Approver> approvers;
  for (const config::v1::ApproverConfig& a : config.approvers()) {
    auto key = crypto::ParseVerifyingKey(a.public_key());
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "approver \"", a.id(), "\": public_key: ", key.status().message()));
    }
    approvers.push_back({a.id(),
                         *key,
                         {a.roles().begin(), a.roles().end()},
                         {a.tenants().begin(), a.tenants().end()}});
  }
  return gate::ApproverRegistry::Create(std::move(approvers));
}

server::ServerOptions ServerOptionsFrom(const config::v1::GateConfig& config) {
  server::ServerOptions options;
  const config::v1::TlsConfig& tls = config.listen().tls();
  if (!tls.cert_file().empty() || !tls.key_file().empty()) {
    options.tls =
        server::TlsFiles{tls.cert_file(), tls.key_file(), tls.client_ca_file(),
                         tls.require_client_cert()};
  }
  options.tcp_address = config.listen().tcp_address();
  options.unix_socket = config.listen().unix_socket();
  options.max_request_bytes =
      static_cast<int>(config.limits().max_request_bytes());
  // Open waits and streams (issue 15, item 6).
  options.service.max_waits_per_principal =
      config.limits().max_waits_per_principal();
  options.service.max_streams_per_principal =
      config.limits().max_streams_per_principal();
  options.service.watch_backlog = config.limits().watch_backlog();
  options.service.call_threads =
      static_cast<int>(config.limits().call_threads());
  options.admin.max_calls_per_principal =
      config.limits().max_admin_calls_per_principal();
  // Overload (issue 15, item 5).
  const config::v1::LimitsConfig& limits = config.limits();
  options.admission.max_in_flight =
      static_cast<int>(limits.max_in_flight_decisions());
  options.admission.retry_after =
      absl::Milliseconds(limits.retry_pushback_ms());
  options.max_concurrent_streams =
      static_cast<int>(limits.max_concurrent_streams());
  options.max_server_threads = static_cast<int>(limits.max_server_threads());
  options.memory_quota_bytes = static_cast<int64_t>(limits.grpc_memory_bytes());
  return options;
}

absl::StatusOr<std::optional<shared_state::RedisCounterStoreOptions>>
SharedRedisFrom(const config::v1::GateConfig& config) {
  if (!config.shared_state().has_redis()) return std::nullopt;
  const config::v1::RedisConfig& redis = config.shared_state().redis();
  shared_state::RedisCounterStoreOptions options;
  options.address = redis.address();
  options.key_prefix = redis.key_prefix();
  options.connect_timeout = codec::DurationFromProto(redis.connect_timeout());
  options.command_timeout = codec::DurationFromProto(redis.command_timeout());
  if (!redis.password_file().empty()) {
    PORTCULLIS_ASSIGN_OR_RETURN(
        crypto::SecureBytes password,
        crypto::ReadPasswordFile(redis.password_file()));
    options.username = redis.username();
    options.password = std::string(password.view());
  }
  if (redis.has_tls()) {
    options.tls =
        shared_state::RedisTlsOptions{.ca_file = redis.tls().ca_file(),
                                      .server_name = redis.tls().server_name(),
                                      .cert_file = redis.tls().cert_file(),
                                      .key_file = redis.tls().key_file()};
  }
  return options;
}

absl::StatusOr<crypto::SigningKey> LoadSigningKey(
    const config::v1::GateConfig& config, Logger& log) {
  std::string path = config.signing_key_file();
  bool is_default = path.empty();
  if (is_default) path = config.data_dir() + "/gate.key";
  auto key = crypto::ReadSigningKeyFile(path);
  if (key.ok() || !is_default || !absl::IsNotFound(key.status())) return key;
  crypto::SigningKey fresh = crypto::SigningKey::Generate();
  PORTCULLIS_RETURN_IF_ERROR(crypto::WriteSigningKeyFile(path, fresh));
  std::string public_path = config.data_dir() + "/gate.pub";
  PORTCULLIS_RETURN_IF_ERROR(
      crypto::WriteVerifyingKeyFile(public_path, fresh.verifying_key()));
  log.Info(absl::StrCat("created the gate's signing key ", path,
                        "; its public key is ", public_path));
  return fresh;
}

absl::StatusOr<std::shared_ptr<std::vector<crypto::MasterKey>>> LoadMasterKeys(
    const config::v1::GateConfig& config, Logger& log) {
  std::string path = config.ledger().master_key_file();
  bool is_default = path.empty();
  if (is_default) path = config.data_dir() + "/master.key";
  auto keys = crypto::ReadMasterKeyFile(path);
  if (!keys.ok() && is_default && absl::IsNotFound(keys.status())) {
    PORTCULLIS_RETURN_IF_ERROR(crypto::CreateMasterKeyFile(path));
    log.Info(absl::StrCat("created the ledger's master key ", path,
                          "; back it up apart from the data: without it "
                          "no payload can be read"));
    keys = crypto::ReadMasterKeyFile(path);
  }
  if (!keys.ok()) return keys.status();
  return std::make_shared<std::vector<crypto::MasterKey>>(*std::move(keys));
}

absl::StatusOr<http::OperatorServerOptions> OperatorServerOptionsFrom(
    const config::v1::ObservabilityConfig& config) {
  PORTCULLIS_ASSIGN_OR_RETURN(
      config::ListenAddress address,
      config::ParseListenAddress(config.http_address()));
  const config::v1::TlsConfig& tls = config.tls();
  if (!tls.client_ca_file().empty() || tls.require_client_cert()) {
    return absl::InvalidArgumentError(
        "observability.tls: client certificates are not supported; set only "
        "certFile and keyFile");
  }
  http::OperatorServerOptions options;
  options.host = address.host;
  options.port = address.port;
  options.loopback = address.loopback;
  options.tls_cert_file = tls.cert_file();
  options.tls_key_file = tls.key_file();
  return options;
}

absl::StatusOr<gate::ActivityFeedOptions> ActivityFeedOptionsFrom(
    const config::v1::ActivityConfig& config) {
  gate::ActivityFeedOptions options;
  if (config.page_size() > 4096) {
    return absl::InvalidArgumentError(
        "activity.pageSize: at most 4096 events per page");
  }
  if (config.max_streams_per_principal() > 64) {
    return absl::InvalidArgumentError(
        "activity.maxStreamsPerPrincipal: at most 64");
  }
  if (config.page_size() != 0) options.page_size = config.page_size();
  if (config.max_streams_per_principal() != 0) {
    options.max_streams_per_principal = config.max_streams_per_principal();
  }
  return options;
}

uint64_t MinFreeBytes(const config::v1::GateConfig& config) {
  constexpr uint64_t kDefaultMiB = 8;
  const uint64_t mib = config.ledger().min_free_mib() == 0
                           ? kDefaultMiB
                           : config.ledger().min_free_mib();
  return mib << 20;
}

ledger::LedgerOptions LedgerOptionsFrom(const config::v1::GateConfig& config) {
  ledger::LedgerOptions options;
  options.sync = config.ledger().durability() != config::v1::DURABILITY_PROCESS;
  options.checkpoints.every_entries =
      std::max<uint64_t>(1, config.ledger().checkpoint_every_entries());
  options.checkpoints.every_interval =
      absl::Milliseconds(config.ledger().checkpoint_interval_ms());
  return options;
}

ledger::MaintenanceOptions MaintenanceOptionsFrom(
    const config::v1::GateConfig& config) {
  ledger::MaintenanceOptions options;
  options.retention = absl::Hours(24) * config.ledger().retention_days();
  for (const auto& [tenant, days] : config.ledger().tenant_retention_days()) {
    options.tenant_retention[tenant] = absl::Hours(24) * days;
  }
  if (config.ledger().prune_interval_minutes() > 0) {
    options.prune_every =
        absl::Minutes(config.ledger().prune_interval_minutes());
  }
  return options;
}

}  // namespace portcullis::daemon
