// Daemon is the composition root of the gate process: from a configuration
// it opens the ledger, builds the gate core, loads the policy and starts the
// server, and it tears them down in the reverse order. main() adds flags
// and signals; tests drive a Daemon in-process.
//
// Thread-safe: Reload and Stop may be called from a signal thread.
#ifndef PORTCULLIS_DAEMON_DAEMON_H_
#define PORTCULLIS_DAEMON_DAEMON_H_

#include <memory>
#include <optional>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "codec/proto_record_codec.h"
#include "connectors/connector_set.h"
#include "crypto/ed25519.h"
#include "crypto/master_key_file.h"
#include "daemon/logger.h"
#include "daemon/policy_watcher.h"
#include "gate/activity_feed.h"
#include "gate/file_policy_source.h"
#include "gate/gate.h"
#include "http/operator_server.h"
#include "identity/authenticator.h"
#include "ledger/checkpoint_files.h"
#include "ledger/ledger.h"
#include "ledger/ledger_maintenance.h"
#include "ledger/ledger_observer_tee.h"
#include "ledger/rocksdb_store.h"
#include "metrics/registry.h"
#include "portcullis/config/v1/config.pb.h"
#include "secrets/secret_store.h"
#include "server/approval_relay.h"
#include "server/call_guard.h"
#include "server/console_api.h"
#include "server/gate_metrics.h"
#include "server/server.h"
#include "shared_state/redis_approval_exchange.h"
#include "shared_state/redis_counter_store.h"
#include "shared_state/redis_halt_store.h"

namespace portcullis::daemon {

class Daemon {
 public:
  // Starts everything `config` describes. Returns the first failure: the
  // ledger cannot be opened (Unavailable, DataLoss), the policy does not
  // load (InvalidArgument with its errors), the server or the operators'
  // HTTP listener (observability.httpAddress) cannot listen.
  // `clock` and `log` must outlive the Daemon. `config_file`, when given,
  // is the file `config` was read from: reloads re-read its approvers, and
  // it is watched for changes.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(
      const config::v1::GateConfig& config, const Clock& clock, Logger& log,
      const std::string& config_file = "");

  // Close(), ignoring its result.
  ~Daemon();

  // Stops serving (see Server::Shutdown; calls in flight get 10 s unless
  // Stop gave them less) and signs the final checkpoints. Returns why they
  // could not be signed: the process should then exit non-zero. The
  // ledger closes with the Daemon. Idempotent.
  absl::Status Close();

  // SIGHUP and Admin.Reload: the policy, the principals, then the
  // approvers; the log names each and what is in force. Returns the first
  // error; what failed to load keeps its previous version.
  absl::Status Reload();

  // Re-reads the policy and, when its text differs from the last text
  // tried, compiles it and installs it if it compiles. Returns the outcome
  // (for unchanged text, the outcome of the last attempt); the previous
  // policy stays on any error. Also called by the file watcher; reloads are
  // serialized, so the same text is recorded once. The shadow policy (shadow
  // mode), if configured, is re-read the same way; its errors are logged,
  // never returned: it is not enforced.
  absl::Status ReloadPolicy() ABSL_LOCKS_EXCLUDED(reload_mu_);

  // Re-reads the principals (the configuration's and principals_file's)
  // and swaps them in for calls that start afterwards: token rotation and
  // revocation. On error the previous principals stay.
  absl::Status ReloadPrincipals();

  // Re-reads the approvers from the configuration file given to Start and
  // swaps them in for approvals submitted afterwards. Without a file there
  // is nothing to re-read (OK). On error (an unreadable file, a malformed
  // key) the previous approvers stay.
  absl::Status ReloadApprovers() ABSL_LOCKS_EXCLUDED(approvers_mu_);

  // Health turns NOT_SERVING, calls in flight get `grace` to finish.
  void Stop(absl::Duration grace);

  // How often pending approvals are checked for expiry and escalation.
  static constexpr absl::Duration kSweepInterval = absl::Seconds(1);
  // How often the ledger's storage is checked: health turns NOT_SERVING
  // within this of a failed write (a full disk), and a resume is tried.
  static constexpr absl::Duration kStorageInterval = absl::Milliseconds(200);
  // How often the approval relay publishes and answers (sharedState).
  static constexpr absl::Duration kRelayInterval = absl::Milliseconds(100);

  int tcp_port() const { return server_->tcp_port(); }
  // The operators' HTTP port, or 0 without observability.httpAddress.
  int http_port() const {
    return operator_server_ ? operator_server_->port() : 0;
  }
  const crypto::SigningKey& signing_key() const { return *signing_key_; }
  bool serving() const { return server_->serving(); }
  gate::Gate& gate() { return *gate_; }
  // The approval relay (sharedState.redis); null when approvals are not
  // shared.
  server::ApprovalRelay* relay() { return relay_.get(); }
  // The activity stream's ledger tail (its Stats show what it holds).
  const gate::ActivityFeed& activity_feed() const { return *activity_feed_; }

 private:
  Daemon(const Clock& clock, Logger& log, const config::v1::GateConfig& config,
         const std::string& config_file)
      : clock_(clock),
        log_(log),
        policy_source_(config.policy()),
        inline_principals_(config.principals().begin(),
                           config.principals().end()),
        principals_file_(config.principals_file()),
        shadow_source_(config.shadow_policy()),
        config_file_(config_file) {}

  absl::StatusOr<std::shared_ptr<const identity::PrincipalTable>>
  LoadPrincipals() const;
  // Health follows the ledger's storage: NOT_SERVING while it cannot
  // write (a full disk), and tries to resume it (Ledger::Resume, which
  // waits for ledger.minFreeMib free); SERVING again once it writes
  // (unless a tenant was refused, at start or by the resume). Called every
  // kStorageInterval on the storage_watch_ thread.
  void CheckStorage();
  // With sharedState.redis: settles owed refunds (a PING first), then
  // records and applies the halts other replicas shared (Gate::SyncHalts),
  // logging each. Health is NOT_SERVING while that fails (decisions that
  // charge a limit are denied meanwhile, and every decision once halts
  // have not been read for a second), SERVING again once it succeeds and
  // nothing else keeps it down. Called with CheckStorage; does nothing
  // without sharedState.redis.
  void CheckSharedState();
  void LogSharedHalt(const gate::SharedHalt& halt);
  // Whether health may be SERVING: nothing refused or failing.
  bool MayServe() const;

  // The steps of Start, in order. Metrics (when observability.httpAddress
  // is set): the registry and what counts into it, before anything that
  // counts exists.
  absl::Status StartMetrics(const config::v1::GateConfig& config);
  // The principals, and the authenticator that checks callers against them.
  absl::Status StartAuthenticator();
  // The ledger's store (refused on a full disk), its keys (created on a
  // first start), the activity feed and the ledger itself.
  absl::Status OpenLedger(const config::v1::GateConfig& config);
  // The connectors' secret store, beside the ledger's, and the connectors.
  absl::Status OpenSecrets(const config::v1::GateConfig& config);
  // The gate core with the stores shared through `redis` (if any), its
  // state recovered from the ledger and the policy loaded.
  absl::Status StartGate(
      const config::v1::GateConfig& config,
      const std::optional<shared_state::RedisCounterStoreOptions>& redis);
  // With `redis`: the approval queues shared with the other replicas and
  // the relay that serves them.
  absl::Status ShareApprovals(
      const std::optional<shared_state::RedisCounterStoreOptions>& redis);
  // The gRPC server; health is NOT_SERVING for a tenant refused at start.
  absl::Status StartServer(const config::v1::GateConfig& config);
  // The operators' HTTP listener, once the server runs.
  absl::Status StartOperatorServer(const config::v1::GateConfig& config);
  // The ledger's maintenance (retention, final checkpoints) and the
  // threads that watch storage, pump the relay and expire approvals.
  void StartBackground(const config::v1::GateConfig& config);
  // Reloads on changes to the policy, principals, shadow policy and
  // configuration files.
  void WatchFiles(const config::v1::GateConfig& config);
  // The "serving on" line that tools and tests wait for.
  void LogServing(const config::v1::GateConfig& config);
  // Shadow mode (issue 7): re-reads and installs the candidate policy when
  // its text changed.
  void ReloadShadow() ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);

  const Clock& clock_;
  Logger& log_;
  gate::FilePolicySource policy_source_;
  const std::vector<config::v1::PrincipalConfig> inline_principals_;
  const std::string principals_file_;
  std::unique_ptr<identity::Authenticator> authenticator_;
  gate::FilePolicySource shadow_source_;  // empty path: no shadow mode
  const std::string config_file_;         // empty: approvers are fixed
  codec::ProtoRecordCodec codec_;
  std::optional<crypto::SigningKey> signing_key_;
  // The ledger's master keys: they seal payloads and connectors' secrets.
  std::shared_ptr<std::vector<crypto::MasterKey>> master_keys_;
  // Outlive everything that counts into them (the ledger's commit thread
  // included); null without observability.httpAddress.
  std::unique_ptr<metrics::Registry> metrics_;
  std::unique_ptr<server::GateMetrics> gate_metrics_;
  // The activity stream's ledger tail (issue 18) and the ledger's observers
  // (the metrics and the feed): they outlive the ledger, which tells them
  // of its appends; the feed is closed (Stop) before the ledger closes.
  std::unique_ptr<gate::ActivityFeed> activity_feed_;
  std::unique_ptr<ledger::LedgerObserverTee> ledger_observers_;
  // Declared in construction order; destroyed in reverse: the server stops
  // before the gate and the ledger go away.
  std::unique_ptr<ledger::CheckpointFiles> kept_checkpoints_;
  std::unique_ptr<ledger::Ledger> ledger_;
  // Sealed secrets for connectors, in their own database beside the
  // ledger's, and the connectors that use them.
  std::unique_ptr<ledger::RocksDbStore> secrets_store_;
  std::unique_ptr<secrets::SecretStore> secrets_;
  std::unique_ptr<connectors::ConnectorSet> connectors_;
  // Limit counters shared with the other replicas (sharedState.redis);
  // null when this gate's counters are its own. Outlives the gate.
  std::unique_ptr<shared_state::RedisCounterStore> shared_counters_;
  // Halts shared with the other replicas (sharedState.redis); null alike.
  std::unique_ptr<shared_state::RedisHaltStore> shared_halts_;
  std::unique_ptr<gate::Gate> gate_;
  // Approval queues shared with the other replicas (sharedState.redis),
  // and the relay that publishes this one's and answers theirs; null
  // alike. The server, which uses the relay, stops first.
  std::unique_ptr<shared_state::RedisApprovalExchange> shared_approvals_;
  std::unique_ptr<server::ApprovalRelay> relay_;
  std::unique_ptr<server::Server> server_;
  // The console's API (console.enabled), answering on the operators'
  // listener, which stops first.
  std::unique_ptr<server::CallGuard> console_guard_;
  std::unique_ptr<server::CallGuard>
      metrics_guard_;  // observability.metricsAuth
  std::unique_ptr<server::ConsoleApi> console_api_;
  // Stopped before the server and the gate it reads go away.
  std::unique_ptr<http::OperatorServer> operator_server_;
  // Ledger evidence: checkpoints by time, retention. Stopped after the
  // server (it signs the final checkpoints), before the ledger.
  std::unique_ptr<ledger::LedgerMaintenance> maintenance_;
  // Stopped first: they call into the gate.
  std::unique_ptr<PolicyWatcher> watcher_;
  std::unique_ptr<PolicyWatcher> principals_watcher_;
  std::unique_ptr<PolicyWatcher> shadow_watcher_;
  std::unique_ptr<PolicyWatcher> config_watcher_;  // approvers (issue 16)
  absl::Notification stop_sweeping_;
  std::thread sweeper_;        // records approval expiries and escalations
  std::thread storage_watch_;  // CheckStorage
  std::thread relay_pump_;     // ApprovalRelay::Pump
  // Set before the threads start; read-only after.
  bool refused_at_start_ = false;
  uint64_t min_free_bytes_ = 0;
  // Only the storage_watch_ thread uses these (after Start).
  bool storage_failing_ = false;
  std::string last_storage_error_;
  bool shared_state_failing_ = false;

  // Held for a whole reload (file reads and a ledger append): reloads are
  // rare and must not interleave. Never taken on the decision path.
  absl::Mutex reload_mu_;
  std::string last_tried_hash_ ABSL_GUARDED_BY(reload_mu_);
  absl::Status last_result_ ABSL_GUARDED_BY(reload_mu_);
  std::string last_shadow_hash_ ABSL_GUARDED_BY(reload_mu_);
  // Held across reading and swapping the approvers, so that a watcher's
  // reload of an older read cannot land after a newer one.
  absl::Mutex approvers_mu_;
};

}  // namespace portcullis::daemon

#endif  // PORTCULLIS_DAEMON_DAEMON_H_
