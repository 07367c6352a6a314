// GateMetrics defines the metrics Portcullis exports (docs/operations.md)
// in a metrics::Registry and counts into them: it is the gate's observer
// (gate/gate_observer.h), the ledger's timing observer, and is told of
// authentication and reload failures by the daemon. Gauges that the gate
// already keeps (pending approvals, halted tenants, the policy in force),
// and the ledger's commit statistics, are read at each scrape instead of
// being mirrored.
//
// Label cardinality is bounded: tools are labelled only once a decision
// shows the policy declares them (at most kMaxToolLabels; others are
// "other"), connectors by the names the configuration gives them; no label
// ever holds a request id, a tenant or an argument.
//
// Thread-safe; the hot-path methods take a reader lock and atomic adds.
#ifndef PORTCULLIS_SERVER_GATE_METRICS_H_
#define PORTCULLIS_SERVER_GATE_METRICS_H_

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gate/gate.h"
#include "gate/gate_observer.h"
#include "ledger/ledger.h"
#include "metrics/registry.h"

namespace portcullis::server {

class GateMetrics final : public gate::GateObserver,
                          public ledger::LedgerObserver {
 public:
  static constexpr size_t kMaxToolLabels = 200;

  // Registers every metric in `registry`, which must outlive this.
  // `version` is the build's, for portcullis_build_info. InvalidArgument
  // when a name is already taken there.
  static absl::StatusOr<std::unique_ptr<GateMetrics>> Create(
      metrics::Registry& registry, std::string version);

  // Adds the gauges read from `gate` at each scrape. Call once, after the
  // gate exists; `gate` must outlive every later scrape.
  absl::Status ReadGauges(gate::Gate& gate);

  // Adds the counters read from `ledger`'s commit statistics at each
  // scrape (Ledger::commit_stats). Call once; `ledger` must outlive every
  // later scrape.
  absl::Status ReadLedger(const ledger::Ledger& ledger);

  // Makes `names` (the configured connectors' names, ConnectorSet::Names)
  // the connector label values of portcullis_executions_total; a call of
  // any other connector is labelled "other". Call once, before the first
  // Execute: what was counted before is not relabelled.
  void SetConnectorNames(const std::vector<std::string>& names)
      ABSL_LOCKS_EXCLUDED(executions_mu_);

  // Execute calls so far by connector (its configured name; "none": the
  // gate called no connector, the agent runs the tool; "other": a
  // connector not configured) and result ("ok", the error code, or
  // "http_4xx"-style for a tool that answered other than 2xx), as
  // portcullis_executions_total counts them. Sorted.
  struct ExecutionCount {
    std::string connector;
    std::string result;
    uint64_t count = 0;
  };
  std::vector<ExecutionCount> ExecutionCounts() const
      ABSL_LOCKS_EXCLUDED(executions_mu_);

  // One configured connector's health, for the console's monitor
  // (docs/console.md): its calls since the gate started.
  struct ConnectorHealth {
    std::string name;
    uint64_t ok = 0;
    std::map<std::string, uint64_t> failed;  // by result
    std::optional<absl::Time> last_call;     // when the tool last answered
    std::optional<absl::Time> last_failure;
    bool last_call_failed = false;  // the connector is failing
  };
  // Every configured connector, by name, called or not.
  std::vector<ConnectorHealth> Connectors() const
      ABSL_LOCKS_EXCLUDED(executions_mu_);

  // The daemon's hooks.
  void OnAuthenticationFailed() { unauthenticated_->Increment(); }
  void OnPolicyReloadFailed() { reload_failures_->Increment(); }
  // A call refused at admission, the gate being at capacity (issue 15,
  // item 5).
  // `answered_in`: from the call's arrival to its refusal.
  void OnAdmissionRefused(absl::Duration answered_in);

  // gate::GateObserver
  void OnEvaluated(absl::string_view tool,
                   const absl::StatusOr<gate::Decision>& answer,
                   absl::Duration elapsed) override;
  void OnApproved(const gate::Approval& approval,
                  const absl::Status& result) override;
  void OnExecuted(const absl::Status& result,
                  const gate::ToolCall* tool) override;
  void OnAccessDenied(absl::string_view method) override;
  void OnApprovalExpired() override { approvals_expired_->Increment(); }

  // ledger::LedgerObserver
  void OnAppended(absl::Duration elapsed) override;
  void OnGroupWritten(absl::Duration elapsed, size_t entries) override;
  void OnRecordedPastDeadline(size_t writes) override;

 private:
  // Decisions of one tool label, by outcome: allow, deny, pending, error.
  using OutcomeCounters = std::array<metrics::Counter*, 4>;

  explicit GateMetrics(metrics::Registry& registry) : registry_(registry) {}
  absl::Status Register(std::string version);
  OutcomeCounters CountersFor(absl::string_view label);
  // The counters for `tool`, learning it when `declared` and room is left.
  OutcomeCounters ToolCounters(absl::string_view tool, bool declared)
      ABSL_LOCKS_EXCLUDED(mu_);

  metrics::Registry& registry_;
  metrics::Family<metrics::Counter>* decisions_ = nullptr;
  metrics::Histogram* evaluate_seconds_ = nullptr;
  metrics::Counter* admission_refused_ = nullptr;
  metrics::Histogram* refusal_seconds_ = nullptr;
  metrics::Counter* after_deadline_ = nullptr;
  metrics::Histogram* append_seconds_ = nullptr;
  metrics::Histogram* sync_seconds_ = nullptr;
  metrics::Histogram* group_entries_ = nullptr;
  metrics::Family<metrics::Counter>* approvals_ = nullptr;
  metrics::Family<metrics::Counter>* executions_ = nullptr;
  metrics::Counter* approvals_expired_ = nullptr;
  metrics::Counter* unauthenticated_ = nullptr;
  metrics::Counter* permission_denied_ = nullptr;
  metrics::Counter* reload_failures_ = nullptr;

  mutable absl::Mutex executions_mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> execution_counts_
      ABSL_GUARDED_BY(executions_mu_);
  // The configured connectors' health; its keys are the label values.
  std::map<std::string, ConnectorHealth> connectors_
      ABSL_GUARDED_BY(executions_mu_);

  absl::Mutex mu_;
  OutcomeCounters other_tools_{};
  absl::flat_hash_map<std::string, OutcomeCounters> tools_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_GATE_METRICS_H_
