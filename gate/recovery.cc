#include "gate/recovery.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "gate/decision_state.h"

namespace portcullis::gate {
namespace {

struct Charged {
  absl::Time at;
  std::vector<policy::UsageCharge> charges;
};

// What a backward walk over one tenant's recent entries collects.
struct Found {
  std::vector<Charged> charged;
  std::vector<std::string> maybe_pending;
  std::vector<std::pair<std::string, IdempotencyRecord>> executed;
};

absl::Status Decode(const RecordCodec& codec, const ledger::Entry& entry,
                    Record& out) {
  if (!entry.payload) {
    return absl::DataLossError(absl::StrCat("ledger entry ", entry.tenant, "/",
                                            entry.sequence, " has no payload"));
  }
  absl::StatusOr<Record> record = codec.Decode(entry.kind, *entry.payload);
  if (!record.ok()) {
    return absl::DataLossError(
        absl::StrCat("ledger entry ", entry.tenant, "/", entry.sequence,
                     " does not decode: ", record.status().message()));
  }
  out = *std::move(record);
  return absl::OkStatus();
}

absl::Status Collect(const ledger::Entry& entry, const Record& record,
                     absl::Time now, const RecoveryWindows& w, Found& found) {
  const absl::Duration age = now - entry.time;
  if (const auto* r = std::get_if<EvaluationRecord>(&record)) {
    const policy::Outcome outcome = r->decision.verdict.outcome;
    if (outcome == policy::Outcome::kAllow && age < w.limits) {
      found.charged.push_back({entry.time, r->decision.verdict.charges});
    } else if (outcome == policy::Outcome::kPendingApproval &&
               age < w.approvals) {
      found.maybe_pending.push_back(r->decision.id);
    }
  } else if (const auto* v = std::get_if<VerdictRecord>(&record)) {
    if (v->resolution == Resolution::kGranted && age < w.limits) {
      found.charged.push_back({entry.time, v->decision.verdict.charges});
    }
  } else if (const auto* e = std::get_if<ExecutionRecord>(&record)) {
    if (!e->receipt.idempotency_key.empty() && age < w.idempotency) {
      Receipt receipt = e->receipt;
      receipt.ledger_sequence = entry.sequence;
      found.executed.push_back(
          {e->receipt.idempotency_key, {e->receipt.action_digest, receipt}});
    }
  }
  return absl::OkStatus();
}

// True when the latest `on` entry is newer than the latest `off` entry;
// `reason` gets the halt's reason.
absl::StatusOr<bool> LatestIsOn(const ledger::Ledger& ledger,
                                const RecordCodec& codec,
                                absl::string_view tenant, const char* on,
                                const char* off, std::string& reason) {
  PORTCULLIS_ASSIGN_OR_RETURN(auto halted, ledger.Latest(tenant, on));
  if (!halted.has_value()) return false;
  PORTCULLIS_ASSIGN_OR_RETURN(auto resumed, ledger.Latest(tenant, off));
  if (resumed.has_value() && resumed->sequence > halted->sequence) {
    return false;
  }
  Record record;
  PORTCULLIS_RETURN_IF_ERROR(Decode(codec, *halted, record));
  if (const auto* h = std::get_if<HaltRecord>(&record)) reason = h->reason;
  return true;
}

absl::Status RecoverTenant(const ledger::Ledger& ledger,
                           const RecordCodec& codec, const std::string& tenant,
                           absl::Time now, const RecoveryWindows& w,
                           TenantRegistry& tenants) {
  const absl::Duration horizon =
      std::max({w.limits, w.approvals, w.idempotency});
  Found found;
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(
      ledger.Read(tenant, 1, /*reverse=*/true, [&](const ledger::Entry& entry) {
        if (now - entry.time >= horizon) return false;
        // Only these kinds feed the projections; the ledger's own entries
        // (retention records) and pruned payloads do not.
        if (!entry.payload ||
            (entry.kind != kActionEvaluated && entry.kind != kApprovalGranted &&
             entry.kind != kApprovalDenied && entry.kind != kActionExecuted)) {
          return true;
        }
        Record record;
        problem = Decode(codec, entry, record);
        if (problem.ok()) problem = Collect(entry, record, now, w, found);
        return problem.ok();
      }));
  PORTCULLIS_RETURN_IF_ERROR(problem);

  std::vector<DecisionState> pending;
  for (const std::string& id : found.maybe_pending) {
    PORTCULLIS_ASSIGN_OR_RETURN(DecisionState state,
                                LoadDecision(ledger, codec, tenant, id));
    if (state.pending()) pending.push_back(std::move(state));
  }
  std::string tenant_reason, gate_reason;
  PORTCULLIS_ASSIGN_OR_RETURN(bool tenant_halted,
                              LatestIsOn(ledger, codec, tenant, kTenantHalted,
                                         kTenantResumed, tenant_reason));
  PORTCULLIS_ASSIGN_OR_RETURN(bool gate_halted,
                              LatestIsOn(ledger, codec, tenant, kGateHalted,
                                         kGateResumed, gate_reason));
  if (gate_halted) tenants.SetGateHalt(true, gate_reason);

  TenantState& state = tenants.Get(tenant);
  absl::MutexLock lock(&state.mu);
  // The walk went newest first; counters want time order.
  for (auto it = found.charged.rbegin(); it != found.charged.rend(); ++it) {
    state.usage.Charge(it->charges, it->at);
  }
  for (DecisionState& s : pending) {
    std::string id = s.original.id;
    state.pending.emplace(std::move(id), std::move(s));
  }
  // Newest first: keep the latest execution of each key.
  for (auto& [key, record] : found.executed) {
    state.idempotency.emplace(key, std::move(record));
  }
  state.halted = tenant_halted;
  state.halt_reason = tenant_halted ? tenant_reason : "";
  return absl::OkStatus();
}

}  // namespace

absl::Status RecoverState(const ledger::Ledger& ledger,
                          const RecordCodec& codec, absl::Time now,
                          const RecoveryWindows& windows,
                          TenantRegistry& tenants) {
  absl::flat_hash_set<std::string> refused;
  for (const ledger::TenantRefusal& r : ledger.Refusals()) {
    refused.insert(r.tenant);
  }
  for (const std::string& tenant : ledger.Tenants()) {
    // A refused tenant (its chain fails its checkpoint) serves nothing, so
    // there is nothing to rebuild; its appends fail in the ledger.
    if (refused.contains(tenant)) continue;
    PORTCULLIS_RETURN_IF_ERROR(
        RecoverTenant(ledger, codec, tenant, now, windows, tenants));
  }
  return absl::OkStatus();
}

}  // namespace portcullis::gate
