#include "daemon/daemon.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/thread_name.h"
#include "config/config_loader.h"
#include "config/listen_address.h"
#include "crypto/key_file.h"
#include "daemon/daemon_config.h"
#include "gate/policy_loader.h"
#include "ledger/rocksdb_store.h"

namespace portcullis::daemon {
namespace {

#ifndef PORTCULLIS_VERSION
#define PORTCULLIS_VERSION "unknown"
#endif

// A store built from `options` (one of the Create functions), or
// InvalidArgument naming sharedState.redis.
template <typename Store>
absl::StatusOr<std::unique_ptr<Store>> SharedStore(
    const shared_state::RedisCounterStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Create(options);
  if (!store.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sharedState.redis: ", store.status().message()));
  }
  return store;
}

// This machine's host name ("" when it cannot be read).
std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return std::string();
  return name;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(
    const config::v1::GateConfig& config, const Clock& clock, Logger& log,
    const std::string& config_file) {
  std::unique_ptr<Daemon> daemon(new Daemon(clock, log, config, config_file));
  // In this order: each step uses what the steps before it built.
  PORTCULLIS_RETURN_IF_ERROR(daemon->StartMetrics(config));
  PORTCULLIS_RETURN_IF_ERROR(daemon->StartAuthenticator());
  PORTCULLIS_RETURN_IF_ERROR(daemon->OpenLedger(config));
  PORTCULLIS_RETURN_IF_ERROR(daemon->OpenSecrets(config));
  // Connects on first use, so a Redis that is down does not stop the
  // start: health says so instead (CheckSharedState).
  PORTCULLIS_ASSIGN_OR_RETURN(
      std::optional<shared_state::RedisCounterStoreOptions> redis,
      SharedRedisFrom(config));
  PORTCULLIS_RETURN_IF_ERROR(daemon->StartGate(config, redis));
  PORTCULLIS_RETURN_IF_ERROR(daemon->ShareApprovals(redis));
  PORTCULLIS_RETURN_IF_ERROR(daemon->StartServer(config));
  PORTCULLIS_RETURN_IF_ERROR(daemon->StartOperatorServer(config));
  daemon->StartBackground(config);
  daemon->WatchFiles(config);
  daemon->LogServing(config);
  return daemon;
}

absl::Status Daemon::StartAuthenticator() {
  PORTCULLIS_ASSIGN_OR_RETURN(auto principals, LoadPrincipals());
  if (principals->size() == 0) {
    log_.Warn(
        "no principals are configured: every call will be refused as "
        "UNAUTHENTICATED (see docs/security.md)");
  }
  std::function<void()> on_auth_failure;
  if (server::GateMetrics* metrics = gate_metrics_.get(); metrics != nullptr) {
    on_auth_failure = [metrics] { metrics->OnAuthenticationFailed(); };
  }
  authenticator_ = std::make_unique<identity::Authenticator>(
      principals, std::move(on_auth_failure));
  return absl::OkStatus();
}

absl::Status Daemon::OpenLedger(const config::v1::GateConfig& config) {
  // A full disk (issue 15): refused here with how much is free, never
  // started into failing writes.
  ledger::RocksDbOptions store_options;
  store_options.min_free_bytes = MinFreeBytes(config);
  min_free_bytes_ = store_options.min_free_bytes;
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto store, ledger::RocksDbStore::Open(config.data_dir(), store_options));
  // Ledger evidence (issue 5): the gate key signs checkpoints, the master
  // key seals payloads; both are needed before the ledger opens.
  PORTCULLIS_ASSIGN_OR_RETURN(signing_key_, LoadSigningKey(config, log_));
  ledger::LedgerOptions ledger_options = LedgerOptionsFrom(config);
  // Several replicas (issue 20): every entry names this one. The ledger
  // keeps the name and refuses another configured one; a gate configured
  // with none goes on writing as the one it keeps (Ledger::replica()), and
  // takes the host name (with sharedState) only for a ledger that keeps
  // none yet: a Deployment's pod is renamed at every restart.
  ledger_options.replica = config.replica();
  absl::StatusOr<std::string> host_replica =
      config::EffectiveReplicaName(config, HostName());
  if (ledger_options.replica.empty() && host_replica.ok()) {
    ledger_options.default_replica = *host_replica;
  }
  ledger_options.checkpoints.key = &*signing_key_;
  ledger_options.clock = &clock_;
  kept_checkpoints_ = std::make_unique<ledger::CheckpointFiles>(
      ledger::KeptCheckpointsDir(config.data_dir()));
  ledger_options.checkpoint_files = kept_checkpoints_.get();
  PORTCULLIS_ASSIGN_OR_RETURN(gate::ActivityFeedOptions activity,
                              ActivityFeedOptionsFrom(config.activity()));
  activity_feed_ = std::make_unique<gate::ActivityFeed>(codec_, activity);
  ledger_observers_ = std::make_unique<ledger::LedgerObserverTee>(
      std::vector<ledger::LedgerObserver*>{gate_metrics_.get(),
                                           activity_feed_.get()});
  ledger_options.observer = ledger_observers_.get();
  PORTCULLIS_ASSIGN_OR_RETURN(master_keys_, LoadMasterKeys(config, log_));
  ledger_options.master_keys = master_keys_;
  PORTCULLIS_ASSIGN_OR_RETURN(
      ledger_, ledger::Ledger::Open(std::move(store), ledger_options));
  // With sharedState the replica needs a name: the host's would not do for
  // a ledger that keeps none.
  if (ledger_->replica().empty() && !host_replica.ok()) {
    return host_replica.status();
  }
  activity_feed_->Attach(*ledger_);
  if (gate_metrics_ != nullptr) {
    PORTCULLIS_RETURN_IF_ERROR(gate_metrics_->ReadLedger(*ledger_));
  }
  log_.Info(absl::StrCat(
      "ledger open at ", config.data_dir(), " (", ledger_->Tenants().size(),
      " tenants, ", ledger_options.sync ? "synced" : "unsynced",
      " writes); gate key id ", crypto::KeyId(signing_key_->verifying_key()),
      ledger_->replica().empty()
          ? std::string()
          : absl::StrCat("; replica ", ledger_->replica())));
  return absl::OkStatus();
}

absl::Status Daemon::OpenSecrets(const config::v1::GateConfig& config) {
  PORTCULLIS_ASSIGN_OR_RETURN(
      secrets_store_,
      ledger::RocksDbStore::Open(config.data_dir() + "/secrets", {}));
  secrets_ = std::make_unique<secrets::SecretStore>(*secrets_store_,
                                                    master_keys_, clock_);
  PORTCULLIS_ASSIGN_OR_RETURN(
      connectors_, connectors::ConnectorSet::Create(config, *secrets_));
  if (gate_metrics_ != nullptr) {
    gate_metrics_->SetConnectorNames(connectors_->Names());
  }
  return absl::OkStatus();
}

absl::Status Daemon::StartGate(
    const config::v1::GateConfig& config,
    const std::optional<shared_state::RedisCounterStoreOptions>& redis) {
  PORTCULLIS_ASSIGN_OR_RETURN(gate::ApproverRegistry approvers,
                              ApproversFrom(config));
  gate::GateOptions gate_options = GateOptionsFrom(config);
  if (redis.has_value()) {
    PORTCULLIS_ASSIGN_OR_RETURN(
        shared_counters_, SharedStore<shared_state::RedisCounterStore>(*redis));
    PORTCULLIS_ASSIGN_OR_RETURN(
        shared_halts_, SharedStore<shared_state::RedisHaltStore>(*redis));
  }
  gate_options.shared_counters = shared_counters_.get();
  gate_options.shared_halts = shared_halts_.get();
  gate_options.replica = ledger_->replica();
  gate_options.on_snapshot_failed = [&log = log_](const std::string& tenant,
                                                  const absl::Status& status) {
    log.Error(absl::StrCat("the state snapshot was not written (the next "
                           "start-up replays more of the ledger): ",
                           status.message()),
              {.tenant = tenant});
  };
  gate_ = std::make_unique<gate::Gate>(
      clock_, *ledger_, codec_, *signing_key_, std::move(approvers),
      std::move(gate_options), connectors_.get(), gate_metrics_.get());
  if (gate_metrics_ != nullptr) {
    PORTCULLIS_RETURN_IF_ERROR(gate_metrics_->ReadGauges(*gate_));
  }
  PORTCULLIS_RETURN_IF_ERROR(gate_->Recover());
  for (const gate::TenantRecovery& r : gate_->recovery()) {
    if (!r.snapshot_problem.empty()) {
      log_.Warn(
          absl::StrCat("the state snapshot was not used (", r.snapshot_problem,
                       "); replayed ", r.entries_read, " entries"),
          {.tenant = r.tenant});
    } else if (r.snapshot_sequence > 0) {
      log_.Info(absl::StrCat("state restored from the snapshot at entry ",
                             r.snapshot_sequence, " and ", r.entries_read,
                             " entries after it"),
                {.tenant = r.tenant});
    }
  }
  return ReloadPolicy();
}

absl::Status Daemon::ShareApprovals(
    const std::optional<shared_state::RedisCounterStoreOptions>& redis) {
  if (!redis.has_value()) return absl::OkStatus();
  // With sharedState the replica always has a name (EffectiveReplicaName).
  absl::StatusOr<std::unique_ptr<shared_state::RedisApprovalExchange>>
      exchange = shared_state::RedisApprovalExchange::Create(
          *redis, ledger_->replica());
  if (!exchange.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sharedState.redis: ", exchange.status().message()));
  }
  shared_approvals_ = *std::move(exchange);
  relay_ = std::make_unique<server::ApprovalRelay>(
      *gate_, *shared_approvals_,
      server::ApprovalRelayOptions{.replica = ledger_->replica()});
  return absl::OkStatus();
}

absl::Status Daemon::StartServer(const config::v1::GateConfig& config) {
  server::ServerOptions server_options = ServerOptionsFrom(config);
  server_options.service.relay = relay_.get();
  if (server::GateMetrics* metrics = gate_metrics_.get(); metrics != nullptr) {
    server_options.on_admission_refused = [metrics](absl::Duration took) {
      metrics->OnAdmissionRefused(took);
    };
  }
  PORTCULLIS_ASSIGN_OR_RETURN(
      server_, server::Server::Start(
                   *gate_, server_options, *authenticator_,
                   server::AdminHooks{[this] { return Reload(); }, clock_.Now(),
                                      secrets_.get(), ledger_.get(),
                                      activity_feed_.get()}));
  // Startup integrity (issue 5): a refused tenant fails readiness.
  for (const ledger::TenantRefusal& r : ledger_->Refusals()) {
    log_.Error(absl::StrCat("ledger: ", r.reason,
                            "; its calls fail and health is NOT_SERVING"),
               {.tenant = r.tenant});
    server_->SetReady(false);
    refused_at_start_ = true;
  }
  if (shared_counters_ != nullptr) {
    log_.Info(
        absl::StrCat("limit counters and halts are shared with the other "
                     "replicas in Redis at ",
                     config.shared_state().redis().address()));
    CheckSharedState();  // health says at once if it is not there
  }
  return absl::OkStatus();
}

void Daemon::StartBackground(const config::v1::GateConfig& config) {
  maintenance_ = std::make_unique<ledger::LedgerMaintenance>(
      *ledger_, clock_, MaintenanceOptionsFrom(config),
      [&log = log_](bool error, const std::string& line) {
        error ? log.Error(line) : log.Info(line);
      });
  maintenance_->Start();
  // A full disk (issue 15): health turns NOT_SERVING within
  // kStorageInterval of a failed write, and the ledger resumes by itself.
  storage_watch_ = std::thread([this] {
    SetCurrentThreadName("gate-storage");
    while (!stop_sweeping_.WaitForNotificationWithTimeout(kStorageInterval)) {
      CheckStorage();
      CheckSharedState();
    }
  });
  if (relay_ != nullptr) {
    // Its own thread: a slow approval here never delays the halts' reads.
    relay_pump_ = std::thread([this] {
      SetCurrentThreadName("gate-relay");
      bool failing = false;
      while (!stop_sweeping_.WaitForNotificationWithTimeout(kRelayInterval)) {
        absl::Status pumped = relay_->Pump();
        if (pumped.ok() == !failing) continue;
        failing = !pumped.ok();
        if (failing) {
          log_.Warn(absl::StrCat(
              "approval queues are not shared with the other replicas now: ",
              pumped.message()));
        } else {
          log_.Info("approval queues are shared again");
        }
      }
    });
  }
  sweeper_ = std::thread([this] {
    SetCurrentThreadName("gate-sweep");
    while (!stop_sweeping_.WaitForNotificationWithTimeout(kSweepInterval)) {
      if (absl::Status s = gate_->ExpireDue(); !s.ok()) {
        log_.Error(
            absl::StrCat("approval deadlines not recorded: ", s.message()));
      }
    }
  });
}

void Daemon::WatchFiles(const config::v1::GateConfig& config) {
  auto watcher = PolicyWatcher::Start(config.policy(),
                                      [this] { ReloadPolicy().IgnoreError(); });
  if (watcher.ok()) {
    watcher_ = std::move(*watcher);
  } else {
    log_.Warn(
        absl::StrCat("policy files are not watched (reload with SIGHUP): ",
                     watcher.status().message()));
  }
  if (!principals_file_.empty()) {
    auto principals_watcher = PolicyWatcher::Start(
        principals_file_, [this] { ReloadPrincipals().IgnoreError(); });
    if (principals_watcher.ok()) {
      principals_watcher_ = std::move(*principals_watcher);
    }
  }
  if (!config.shadow_policy().empty()) {  // shadow mode (issue 7)
    auto shadow = PolicyWatcher::Start(
        config.shadow_policy(), [this] { ReloadPolicy().IgnoreError(); });
    if (shadow.ok()) shadow_watcher_ = std::move(*shadow);
  }
  if (!config_file_.empty()) {  // approvers reload (issue 16)
    auto watched = PolicyWatcher::Start(
        config_file_, [this] { ReloadApprovers().IgnoreError(); });
    if (watched.ok()) config_watcher_ = std::move(*watched);
  }
}

void Daemon::LogServing(const config::v1::GateConfig& config) {
  std::string where;
  if (auto tcp = config::ParseListenAddress(config.listen().tcp_address());
      tcp.ok()) {
    tcp->port = server_->tcp_port();
    where = absl::StrCat(" on ", tcp->ToGrpcTarget());
  }
  if (!config.listen().unix_socket().empty()) {
    absl::StrAppend(&where, where.empty() ? " on" : " and",
                    " unix:", config.listen().unix_socket());
  }
  log_.Info(absl::StrCat("serving", where));
}

absl::Status Daemon::StartMetrics(const config::v1::GateConfig& config) {
  if (config.observability().http_address().empty()) return absl::OkStatus();
  metrics_ = std::make_unique<metrics::Registry>();
  PORTCULLIS_ASSIGN_OR_RETURN(
      gate_metrics_,
      server::GateMetrics::Create(*metrics_, PORTCULLIS_VERSION));
  return absl::OkStatus();
}

absl::Status Daemon::StartOperatorServer(const config::v1::GateConfig& config) {
  if (config.console().enabled() &&
      config.observability().http_address().empty()) {
    return absl::InvalidArgumentError(
        "console.enabled needs observability.httpAddress: the console is "
        "served on the operators' HTTP listener");
  }
  if (metrics_ == nullptr) return absl::OkStatus();
  PORTCULLIS_ASSIGN_OR_RETURN(
      http::OperatorServerOptions options,
      OperatorServerOptionsFrom(config.observability()));
  options.clock = &clock_;
  options.on_tls_reload_failed = [&log = log_](const absl::Status& problem) {
    log.Warn(
        absl::StrCat("the operators' HTTP listener keeps its TLS "
                     "certificate: ",
                     problem.message()));
  };
  http::OperatorHandlers handlers;
  handlers.metrics = [registry = metrics_.get()] {
    return registry->RenderText();
  };
  handlers.ready = [server = server_.get()] { return server->serving(); };
  if (config.observability().metrics_auth()) {
    metrics_guard_ =
        std::make_unique<server::CallGuard>(*authenticator_, *gate_);
    // Refusals are counted (portcullis_auth_failures_total) by the
    // Authenticator and recorded by the guard, as for any call.
    handlers.metrics_access = [guard = metrics_guard_.get()](
                                  const std::optional<std::string>& header) {
      std::optional<absl::string_view> authorization;
      if (header) authorization = *header;
      absl::StatusOr<identity::Principal> caller =
          guard->AdmitHttp(authorization, identity::Method::kScrapeMetrics, "");
      if (caller.ok()) return 200;
      return absl::IsUnauthenticated(caller.status()) ? 401 : 403;
    };
  }
  if (config.console().enabled()) {  // the approval console (issue 19)
    console_guard_ =
        std::make_unique<server::CallGuard>(*authenticator_, *gate_);
    server::ConsoleSources sources;
    sources.ledger = ledger_.get();
    sources.codec = &codec_;
    sources.activity = activity_feed_.get();
    sources.ready = [server = server_.get()] { return server->serving(); };
    sources.metrics = gate_metrics_.get();
    sources.connectors = connectors_ != nullptr ? connectors_->size() : 0;
    sources.relay = relay_.get();
    console_api_ = std::make_unique<server::ConsoleApi>(*gate_, *console_guard_,
                                                        clock_.Now(), sources);
    handlers.api = [api = console_api_.get()](const http::ApiRequest& r) {
      return api->Handle(r);
    };
    handlers.console = true;
  }
  PORTCULLIS_ASSIGN_OR_RETURN(
      operator_server_,
      http::OperatorServer::Start(options, std::move(handlers)));
  config::ListenAddress where{options.host, operator_server_->port(),
                              options.loopback};
  log_.Info(absl::StrCat("operators' HTTP listener on ",
                         options.tls_cert_file.empty() ? "http://" : "https://",
                         where.ToGrpcTarget(),
                         config.console().enabled()
                             ? " (/metrics, /healthz, /readyz, console at /)"
                             : " (/metrics, /healthz, /readyz)"));
  return absl::OkStatus();
}

Daemon::~Daemon() { Close().IgnoreError(); }

absl::Status Daemon::Close() {
  if (console_api_) console_api_->StopStreams();  // before the listener stops
  config_watcher_.reset();
  watcher_.reset();
  principals_watcher_.reset();
  shadow_watcher_.reset();
  if (!stop_sweeping_.HasBeenNotified()) stop_sweeping_.Notify();
  if (sweeper_.joinable()) sweeper_.join();
  if (storage_watch_.joinable()) storage_watch_.join();
  if (relay_pump_.joinable()) relay_pump_.join();
  Stop(absl::Seconds(10));
  if (maintenance_ == nullptr) return absl::OkStatus();
  return maintenance_->Stop();  // final checkpoints
}

void Daemon::CheckStorage() {
  if (ledger_->writable() && !storage_failing_) return;
  if (!storage_failing_) {
    storage_failing_ = true;
    // The line is written before health changes, so whoever sees the new
    // health finds its reason in the log already.
    log_.Error(absl::StrCat(
        "the ledger cannot write (is the disk full?): health is NOT_SERVING "
        "and nothing is allowed until it can; it resumes by itself once ",
        min_free_bytes_ >> 20, " MiB are free (ledger.minFreeMib)"));
    server_->SetReady(false);
  }
  if (secrets_store_ != nullptr) secrets_store_->Resume().IgnoreError();
  if (absl::Status s = ledger_->Resume(); !s.ok()) {
    if (s.message() != last_storage_error_) {
      last_storage_error_ = std::string(s.message());
      log_.Warn(absl::StrCat("the ledger cannot resume yet: ", s.message()));
    }
    return;
  }
  storage_failing_ = false;
  last_storage_error_.clear();
  const std::vector<ledger::TenantRefusal> refusals = ledger_->Refusals();
  for (const ledger::TenantRefusal& r : refusals) {
    log_.Error(absl::StrCat("ledger: ", r.reason), {.tenant = r.tenant});
  }
  const bool ready = MayServe();
  log_.Info(ready ? "the ledger writes again: health is SERVING"
                  : "the ledger writes again; a tenant is refused or Redis "
                    "does not answer, so health stays NOT_SERVING");
  server_->SetReady(ready);
}

bool Daemon::MayServe() const {
  return !refused_at_start_ && !storage_failing_ && !shared_state_failing_ &&
         ledger_->Refusals().empty();
}

void Daemon::CheckSharedState() {
  if (shared_counters_ == nullptr) return;
  absl::Status answered = shared_counters_->Ping();
  if (answered.ok()) {
    absl::StatusOr<std::vector<gate::SharedHalt>> synced = gate_->SyncHalts();
    if (synced.ok()) {
      for (const gate::SharedHalt& h : *synced) LogSharedHalt(h);
    }
    answered = synced.status();
  }
  if (!answered.ok()) {
    if (shared_state_failing_) return;
    shared_state_failing_ = true;
    // Logged before health changes, as for the storage.
    log_.Error(absl::StrCat(
        "the state shared with the other replicas in Redis cannot be read "
        "(",
        answered.message(),
        "): health is NOT_SERVING, actions that charge a limit are denied, "
        "and after a second every action is, until it can"));
    server_->SetReady(false);
    return;
  }
  if (!shared_state_failing_) return;
  shared_state_failing_ = false;
  const bool ready = MayServe();
  log_.Info(ready ? "Redis answers again: health is SERVING"
                  : "Redis answers again; the ledger keeps health "
                    "NOT_SERVING");
  server_->SetReady(ready);
}

void Daemon::LogSharedHalt(const gate::SharedHalt& h) {
  std::string line = absl::StrCat(
      h.tenant.empty() ? "the gate" : absl::StrCat("tenant ", h.tenant),
      h.halted ? " halted" : " resumed", " at replica ",
      h.replica.empty() ? "(unnamed)" : h.replica, " by ",
      h.principal.empty() ? "(unknown)" : h.principal, ": ", h.reason);
  if (h.halted) {
    log_.Warn(line, {.tenant = h.tenant});
  } else {
    log_.Info(line, {.tenant = h.tenant});
  }
}

absl::Status Daemon::Reload() {
  std::shared_ptr<const gate::PolicySnapshot> before = gate_->policy();
  absl::Status policy = ReloadPolicy();
  if (policy.ok() && before != nullptr && gate_->policy() == before) {
    log_.Info(absl::StrCat("policy unchanged: version ", before->version, " (",
                           before->content_hash.substr(0, 12),
                           ") stays in force"));
  }
  absl::Status principals = ReloadPrincipals();
  absl::Status approvers = ReloadApprovers();
  for (const absl::Status& s : {policy, principals, approvers}) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Daemon::ReloadApprovers() {
  if (config_file_.empty()) return absl::OkStatus();
  absl::MutexLock lock(&approvers_mu_);
  absl::StatusOr<config::v1::GateConfig> config =
      config::LoadConfigFile(config_file_);
  absl::StatusOr<gate::ApproverRegistry> approvers =
      config.ok() ? ApproversFrom(*config)
                  : absl::StatusOr<gate::ApproverRegistry>(config.status());
  if (!approvers.ok()) {
    log_.Error(absl::StrCat("approvers not reloaded from ", config_file_, ": ",
                            approvers.status().message()));
    return approvers.status();
  }
  log_.Info(absl::StrCat(approvers->size(), " approvers in force (from ",
                         config_file_, ")"));
  gate_->ReplaceApprovers(*std::move(approvers));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const identity::PrincipalTable>>
Daemon::LoadPrincipals() const {
  std::vector<config::v1::PrincipalConfig> all = inline_principals_;
  if (!principals_file_.empty()) {
    absl::StatusOr<config::v1::PrincipalsFile> file =
        config::LoadPrincipalsFile(principals_file_);
    if (!file.ok()) return file.status();
    all.insert(all.end(), file->principals().begin(), file->principals().end());
  }
  return identity::PrincipalTable::Create(all);
}

absl::Status Daemon::ReloadPrincipals() {
  absl::StatusOr<std::shared_ptr<const identity::PrincipalTable>> table =
      LoadPrincipals();
  if (!table.ok()) {
    log_.Error(
        absl::StrCat("principals not reloaded: ", table.status().message()));
    return table.status();
  }
  log_.Info(absl::StrCat((*table)->size(), " principals in force"));
  authenticator_->SetPrincipals(*std::move(table));
  return absl::OkStatus();
}

absl::Status Daemon::ReloadPolicy() {
  absl::MutexLock lock(&reload_mu_);
  ReloadShadow();
  absl::StatusOr<gate::PolicyText> text = policy_source_.Read();
  if (!text.ok()) {
    log_.Error(absl::StrCat("policy not reloaded: ", text.status().message()));
    if (gate_metrics_ != nullptr) gate_metrics_->OnPolicyReloadFailed();
    gate_->NotePolicyReload({clock_.Now(), "", text.status()});
    return text.status();
  }
  std::string hash = gate::PolicyContentHash(*text);
  if (hash == last_tried_hash_) return last_result_;
  absl::Time now = clock_.Now();
  gate::PolicyLoad load = gate::CompilePolicy(*text, now);
  absl::Status applied = gate_->ApplyPolicy(load);
  // The monitor shows it (issue 19): the attempt, and when it failed, that
  // the previous policy stays in force.
  gate_->NotePolicyReload({now, hash, applied});
  // Remember the outcome unless it could not be recorded: then the same
  // text deserves another try.
  if (!absl::IsUnavailable(applied)) {
    last_tried_hash_ = hash;
    last_result_ = applied;
  }
  if (!applied.ok()) {
    log_.Error(absl::StrCat("policy not reloaded: ", applied.message()));
    if (gate_metrics_ != nullptr) gate_metrics_->OnPolicyReloadFailed();
    return applied;
  }
  log_.Info(absl::StrCat("policy version ", load.snapshot->version, " (",
                         load.content_hash.substr(0, 12), ") from ",
                         load.source, " is in force"));
  return absl::OkStatus();
}

void Daemon::ReloadShadow() {
  if (shadow_source_.path().empty()) return;
  absl::StatusOr<gate::PolicyText> text = shadow_source_.Read();
  if (!text.ok()) {
    log_.Error(
        absl::StrCat("shadow policy not reloaded: ", text.status().message()));
    return;
  }
  std::string hash = gate::PolicyContentHash(*text);
  if (hash == last_shadow_hash_) return;
  last_shadow_hash_ = hash;
  gate::PolicyLoad load = gate::CompilePolicy(*text, clock_.Now());
  if (absl::Status s = gate_->ApplyShadowPolicy(load); !s.ok()) {
    log_.Error(absl::StrCat("shadow policy not reloaded: ", s.message()));
    return;
  }
  log_.Info(absl::StrCat("shadow policy version ", load.snapshot->version, " (",
                         load.content_hash.substr(0, 12), ") from ",
                         load.source,
                         " decides beside the policy in force, not enforced"));
}

void Daemon::Stop(absl::Duration grace) {
  // Activity streams end first, with UNAVAILABLE ("the gate is shutting
  // down"), rather than being cancelled; the feed stops reading the ledger.
  if (activity_feed_ != nullptr) activity_feed_->Close();
  if (server_ != nullptr) server_->Shutdown(grace);
}

}  // namespace portcullis::daemon
