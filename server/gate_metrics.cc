#include "server/gate_metrics.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "gate/builtin_rules.h"
#include "policy/builtin_rules.h"

namespace portcullis::server {
namespace {

// Evaluate latency: from tens of microseconds (memory) to seconds (a slow
// disk's sync), roughly doubling.
const std::vector<double> kLatencyBounds = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};
const std::vector<double> kGroupBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256};

constexpr const char* kOutcomes[] = {"allow", "deny", "pending_approval",
                                     "error"};

size_t OutcomeIndex(const absl::StatusOr<gate::Decision>& answer) {
  if (!answer.ok()) return 3;
  switch (answer->verdict.outcome) {
    case policy::Outcome::kAllow:
      return 0;
    case policy::Outcome::kDeny:
      return 1;
    case policy::Outcome::kPendingApproval:
      return 2;
  }
  return 3;
}

// Whether the decision shows that the policy declares the tool: it was
// decided by the tool's rules, not refused before them.
bool ShowsDeclaredTool(const absl::StatusOr<gate::Decision>& answer) {
  if (!answer.ok()) return false;
  for (const policy::RuleCitation& rule : answer->verdict.decided_by) {
    if (rule.id == policy::kBuiltinUnknownTenant ||
        rule.id == policy::kBuiltinNotAllowlisted ||
        rule.id == gate::kHaltedRule) {
      return false;
    }
  }
  return true;
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

std::string CodeLabel(const absl::Status& s) {
  return s.ok() ? "ok"
                : absl::AsciiStrToLower(absl::StatusCodeToString(s.code()));
}

// An Execute's result: its error, the connector's error, or for a tool
// that answered, "ok" (2xx) or its HTTP status class ("http_5xx").
std::string ExecutionLabel(const absl::Status& result,
                           const gate::ToolCall* tool) {
  if (!result.ok() || tool == nullptr || !tool->called) {
    return CodeLabel(result);
  }
  if (!tool->result.ok()) return CodeLabel(tool->result.status());
  int http = tool->result->http_status;
  if (http >= 200 && http < 300) return "ok";
  if (http >= 100 && http < 600) return absl::StrCat("http_", http / 100, "xx");
  return "http_other";
}

}  // namespace

absl::StatusOr<std::unique_ptr<GateMetrics>> GateMetrics::Create(
    metrics::Registry& registry, std::string version) {
  std::unique_ptr<GateMetrics> m(new GateMetrics(registry));
  PORTCULLIS_RETURN_IF_ERROR(m->Register(std::move(version)));
  return m;
}

absl::Status GateMetrics::Register(std::string version) {
  metrics::Registry& r = registry_;
  PORTCULLIS_ASSIGN_OR_RETURN(
      decisions_,
      r.AddCounter("portcullis_decisions_total",
                   "Evaluate answers by outcome (allow, deny, "
                   "pending_approval, error) and tool (\"other\" for tools "
                   "the policy does not declare).",
                   {"outcome", "tool"},
                   (kMaxToolLabels + 1) * std::size(kOutcomes)));
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* evaluate,
      r.AddHistogram("portcullis_evaluate_duration_seconds",
                     "Time from an Evaluate call to its answer, the ledger "
                     "append included.",
                     {}, kLatencyBounds));
  evaluate_seconds_ = &evaluate->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* append,
      r.AddHistogram("portcullis_ledger_append_duration_seconds",
                     "Time from a ledger append to its durable answer, "
                     "queueing for the group commit included.",
                     {}, kLatencyBounds));
  append_seconds_ = &append->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* sync, r.AddHistogram("portcullis_ledger_sync_duration_seconds",
                                 "Time of one group commit's (synced) write.",
                                 {}, kLatencyBounds));
  sync_seconds_ = &sync->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* group,
      r.AddHistogram("portcullis_ledger_sync_group_entries",
                     "Entries written by one group commit.", {}, kGroupBounds));
  group_entries_ = &group->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      approvals_,
      r.AddCounter("portcullis_approvals_total",
                   "Signed approvals received, by verdict (approve, deny) "
                   "or refused.",
                   {"verdict"}));
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* expired,
      r.AddCounter("portcullis_approvals_expired_total",
                   "Approval requests that reached their deadline "
                   "unresolved (recorded as approval.expired)."));
  approvals_expired_ = &expired->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      executions_,
      r.AddCounter("portcullis_executions_total",
                   "Execute calls by connector (its configured name; none: "
                   "the gate called no connector; other: one not "
                   "configured) and result (ok, the error code, or "
                   "http_4xx/http_5xx for a tool that answered so).",
                   {"connector", "result"}));
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* auth, r.AddCounter("portcullis_auth_failures_total",
                               "Calls refused for want of credentials "
                               "(unauthenticated) or of a role or tenant "
                               "(permission_denied).",
                               {"reason"}));
  unauthenticated_ = &auth->WithLabels({"unauthenticated"});
  permission_denied_ = &auth->WithLabels({"permission_denied"});
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* reloads,
      r.AddCounter("portcullis_policy_reload_failures_total",
                   "Policy reloads that failed; the previous policy stayed "
                   "in force."));
  reload_failures_ = &reloads->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* refused,
      r.AddCounter("portcullis_admission_refused_total",
                   "Calls refused at once (RESOURCE_EXHAUSTED) because the "
                   "gate had limits.maxInFlightDecisions calls in flight; "
                   "nothing was decided or recorded for them."));
  admission_refused_ = &refused->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* refusal,
      r.AddHistogram("portcullis_admission_refusal_seconds",
                     "Time from the server receiving a call refused at "
                     "admission to the refusal being handed to gRPC "
                     "(issue 15: within 10 ms).",
                     {}, kLatencyBounds));
  refusal_seconds_ = &refusal->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* late,
      r.AddCounter("portcullis_decisions_after_deadline_total",
                   "Decisions the ledger recorded although the caller's "
                   "deadline had passed when recording began; 0 by "
                   "construction (such a caller is answered "
                   "DEADLINE_EXCEEDED and nothing is recorded)."));
  after_deadline_ = &late->Get();
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto* build,
      r.AddGauge("portcullis_build_info",
                 "The running build, as labels; always 1.", {"version"}));
  build->WithLabels({version}).Set(1);
  for (size_t i = 0; i < std::size(kOutcomes); ++i) {
    other_tools_[i] =
        &decisions_->WithLabels({kOutcomes[i], metrics::kOverflowLabel});
  }
  return absl::OkStatus();
}

absl::Status GateMetrics::ReadGauges(gate::Gate& gate) {
  metrics::Registry& r = registry_;
  PORTCULLIS_RETURN_IF_ERROR(r.AddGaugeFunction(
      "portcullis_policy_info",
      "The policy in force, as labels (version and content hash); always 1.",
      {"version", "hash"}, [&gate] {
        std::vector<metrics::Sample> out;
        if (auto policy = gate.policy()) {
          out.push_back({{policy->version, policy->content_hash}, 1});
        }
        return out;
      }));
  PORTCULLIS_RETURN_IF_ERROR(r.AddGaugeFunction(
      "portcullis_pending_approvals",
      "Decisions waiting for approval, over every tenant.", {}, [&gate] {
        size_t pending = 0;
        for (const gate::TenantStatus& t : gate.Status().tenants) {
          pending += t.pending;
        }
        return std::vector<metrics::Sample>{{{}, static_cast<double>(pending)}};
      }));
  return r.AddGaugeFunction(
      "portcullis_halted_tenants",
      "Tenants whose actions are denied by the kill switch.", {}, [&gate] {
        size_t halted = 0;
        for (const gate::TenantStatus& t : gate.Status().tenants) {
          halted += t.halted.has_value();
        }
        return std::vector<metrics::Sample>{{{}, static_cast<double>(halted)}};
      });
}

absl::Status GateMetrics::ReadLedger(const ledger::Ledger& ledger) {
  return registry_.AddCounterFunction(
      "portcullis_ledger_commit_serial_seconds_total",
      "Time the group commit spent in the chain's order outside its synced "
      "write (chaining, sealing, building the write and, without answering "
      "threads, answering): the serial path every decision passes. Its "
      "rate is the share of one core it takes; near 1, it is the gate's "
      "ceiling.",
      {}, [&ledger] {
        return std::vector<metrics::Sample>{
            {{}, Seconds(ledger.commit_stats().serial)}};
      });
}

GateMetrics::OutcomeCounters GateMetrics::CountersFor(absl::string_view label) {
  OutcomeCounters counters;
  for (size_t i = 0; i < std::size(kOutcomes); ++i) {
    counters[i] = &decisions_->WithLabels({kOutcomes[i], label});
  }
  return counters;
}

GateMetrics::OutcomeCounters GateMetrics::ToolCounters(absl::string_view tool,
                                                       bool declared) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = tools_.find(tool);
    if (it != tools_.end()) return it->second;
    if (!declared || tools_.size() >= kMaxToolLabels) return other_tools_;
  }
  absl::MutexLock lock(&mu_);
  if (tools_.size() >= kMaxToolLabels && !tools_.contains(tool)) {
    return other_tools_;
  }
  // A copy: the map's elements move when it grows.
  return tools_.try_emplace(tool, CountersFor(tool)).first->second;
}

void GateMetrics::OnEvaluated(absl::string_view tool,
                              const absl::StatusOr<gate::Decision>& answer,
                              absl::Duration elapsed) {
  ToolCounters(tool, ShowsDeclaredTool(answer))[OutcomeIndex(answer)]
      ->Increment();
  evaluate_seconds_->Observe(Seconds(elapsed));
}

void GateMetrics::OnApproved(const gate::Approval& approval,
                             const absl::Status& result) {
  const char* verdict = !result.ok() ? "refused"
                        : approval.verdict == gate::ApprovalVerdict::kApprove
                            ? "approve"
                            : "deny";
  approvals_->WithLabels({verdict}).Increment();
}

void GateMetrics::SetConnectorNames(const std::vector<std::string>& names) {
  absl::MutexLock lock(&executions_mu_);
  for (const std::string& name : names) connectors_[name].name = name;
}

void GateMetrics::OnExecuted(const absl::Status& result,
                             const gate::ToolCall* tool) {
  bool called = tool != nullptr && tool->called;
  std::string code = ExecutionLabel(result, tool);
  absl::MutexLock lock(&executions_mu_);
  std::string connector = "none";
  if (called) {
    auto known = connectors_.find(tool->connector);
    connector = known == connectors_.end() ? "other" : tool->connector;
    if (known != connectors_.end()) {
      ConnectorHealth& health = known->second;
      health.last_call = tool->answered_at;
      health.last_call_failed = code != "ok";
      if (health.last_call_failed) health.last_failure = tool->answered_at;
    }
  }
  executions_->WithLabels({connector, code}).Increment();
  ++execution_counts_[std::make_pair(std::move(connector), std::move(code))];
}

std::vector<GateMetrics::ConnectorHealth> GateMetrics::Connectors() const {
  absl::MutexLock lock(&executions_mu_);
  std::map<std::string, ConnectorHealth> out = connectors_;
  for (const auto& [key, count] : execution_counts_) {
    auto health = out.find(key.first);
    if (health == out.end()) continue;  // none, other
    if (key.second == "ok") {
      health->second.ok += count;
    } else {
      health->second.failed[key.second] += count;
    }
  }
  std::vector<ConnectorHealth> list;
  for (auto& [name, health] : out) list.push_back(std::move(health));
  return list;
}

std::vector<GateMetrics::ExecutionCount> GateMetrics::ExecutionCounts() const {
  std::vector<ExecutionCount> out;
  absl::MutexLock lock(&executions_mu_);
  for (const auto& [key, count] : execution_counts_) {
    out.push_back({key.first, key.second, count});
  }
  return out;
}

void GateMetrics::OnAccessDenied(absl::string_view method) {
  permission_denied_->Increment();
}

void GateMetrics::OnAppended(absl::Duration elapsed) {
  append_seconds_->Observe(Seconds(elapsed));
}

void GateMetrics::OnGroupWritten(absl::Duration elapsed, size_t entries) {
  sync_seconds_->Observe(Seconds(elapsed));
  group_entries_->Observe(static_cast<double>(entries));
}

void GateMetrics::OnAdmissionRefused(absl::Duration answered_in) {
  admission_refused_->Increment();
  refusal_seconds_->Observe(Seconds(answered_in));
}

void GateMetrics::OnRecordedPastDeadline(size_t writes) {
  after_deadline_->Increment(writes);
}

}  // namespace portcullis::server
