// What each part of the gate process takes from its configuration: the
// options of the ledger, the gate, the servers, the stores shared with
// other replicas, and the keys the ledger needs before it opens. The
// Daemon (daemon.h) builds the parts from these; each function only reads
// and translates, except the key loaders, which create the default key
// files on a first start.
#ifndef PORTCULLIS_DAEMON_DAEMON_CONFIG_H_
#define PORTCULLIS_DAEMON_DAEMON_CONFIG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "crypto/master_key_file.h"
#include "daemon/logger.h"
#include "gate/activity_feed.h"
#include "gate/approvers.h"
#include "gate/gate_options.h"
#include "http/operator_server.h"
#include "ledger/ledger.h"
#include "ledger/ledger_maintenance.h"
#include "portcullis/config/v1/config.pb.h"
#include "server/server.h"
#include "shared_state/redis_counter_store.h"

namespace portcullis::daemon {

gate::GateOptions GateOptionsFrom(const config::v1::GateConfig& config);

// The registered approvers; InvalidArgument naming the approver whose
// public key does not parse.
absl::StatusOr<gate::ApproverRegistry> ApproversFrom(
    const config::v1::GateConfig& config);

// The gRPC server's options: where it listens, TLS, and the limits on
// requests, open waits, streams and admission (issue 15).
server::ServerOptions ServerOptionsFrom(const config::v1::GateConfig& config);

// The options of the stores that share limit counters, halts and approval
// queues with the other replicas, from sharedState.redis (validated by the
// configuration loader), its password read from its file; nullopt without
// it.
absl::StatusOr<std::optional<shared_state::RedisCounterStoreOptions>>
SharedRedisFrom(const config::v1::GateConfig& config);

// Reads the gate's signing key; creates the default one (dataDir/gate.key,
// and gate.pub beside it) on a first start.
absl::StatusOr<crypto::SigningKey> LoadSigningKey(
    const config::v1::GateConfig& config, Logger& log);

// Reads the master key file; creates the default one (dataDir/master.key)
// on a first start.
absl::StatusOr<std::shared_ptr<std::vector<crypto::MasterKey>>> LoadMasterKeys(
    const config::v1::GateConfig& config, Logger& log);

// The operators' HTTP listener; InvalidArgument for client certificates,
// which it does not support.
absl::StatusOr<http::OperatorServerOptions> OperatorServerOptionsFrom(
    const config::v1::ObservabilityConfig& config);

// The activity stream's options; InvalidArgument beyond their bounds.
absl::StatusOr<gate::ActivityFeedOptions> ActivityFeedOptionsFrom(
    const config::v1::ActivityConfig& config);

// The free space below which the ledger refuses to start or resume
// (ledger.minFreeMib, 8 MiB by default).
uint64_t MinFreeBytes(const config::v1::GateConfig& config);

// Durability and checkpoint cadence; the keys, the replica name, the clock
// and the observers are the Daemon's to add.
ledger::LedgerOptions LedgerOptionsFrom(const config::v1::GateConfig& config);

// Retention and the pruning cadence.
ledger::MaintenanceOptions MaintenanceOptionsFrom(
    const config::v1::GateConfig& config);

}  // namespace portcullis::daemon

#endif  // PORTCULLIS_DAEMON_DAEMON_CONFIG_H_
