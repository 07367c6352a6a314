#include "gate/internal/recovery.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "gate/decision_state.h"

namespace portcullis::gate {
namespace {

// One fact a backward walk collected, to fold in sequence order.
struct Fact {
  enum class Kind {
    kCharge,
    kPending,
    kExecuted,
    kStandingGranted,
    kStandingRevoked,
    kStandingUsed,
    kSigned
  } kind;
  uint64_t sequence = 0;
  absl::Time at;
  std::vector<policy::UsageCharge> charges;  // kCharge
  std::string id;  // decision id, key, standing approval id; kSigned: approver
  std::string payload;   // kExecuted, kStandingGranted; kStandingRevoked: by
  absl::Time not_after;  // kStandingGranted
};

void CollectFacts(const ledger::Entry& entry, const Record& record,
                  std::vector<Fact>& facts) {
  if (const std::string* signer = ApprovingSigner(record)) {
    facts.push_back(
        {Fact::Kind::kSigned, entry.sequence, entry.time, {}, *signer, ""});
  }
  if (const auto* r = std::get_if<EvaluationRecord>(&record)) {
    const policy::Outcome outcome = r->decision.verdict.outcome;
    if (outcome == policy::Outcome::kAllow) {
      facts.push_back({Fact::Kind::kCharge, entry.sequence, entry.time,
                       r->decision.verdict.charges, "", ""});
      for (std::string& id : CitedStanding(r->decision.verdict)) {
        facts.push_back({Fact::Kind::kStandingUsed,
                         entry.sequence,
                         entry.time,
                         {},
                         std::move(id),
                         ""});
      }
    } else if (outcome == policy::Outcome::kPendingApproval) {
      facts.push_back({Fact::Kind::kPending,
                       entry.sequence,
                       entry.time,
                       {},
                       r->decision.id,
                       ""});
    }
  } else if (const auto* v = std::get_if<VerdictRecord>(&record)) {
    if (v->resolution == Resolution::kGranted) {
      facts.push_back({Fact::Kind::kCharge, entry.sequence, entry.time,
                       v->decision.verdict.charges, "", ""});
    }
  } else if (const auto* g = std::get_if<StandingGrantRecord>(&record)) {
    facts.push_back({Fact::Kind::kStandingGranted,
                     entry.sequence,
                     entry.time,
                     {},
                     g->standing.id,
                     *entry.payload,
                     g->standing.not_after});
  } else if (const auto* rv = std::get_if<StandingRevocationRecord>(&record)) {
    facts.push_back({Fact::Kind::kStandingRevoked,
                     entry.sequence,
                     entry.time,
                     {},
                     rv->revocation.id,
                     rv->revocation.approver_id});
  } else if (const auto* e = std::get_if<ExecutionRecord>(&record)) {
    if (!e->receipt.idempotency_key.empty()) {
      facts.push_back({Fact::Kind::kExecuted,
                       entry.sequence,
                       entry.time,
                       {},
                       e->receipt.idempotency_key,
                       *entry.payload});
    }
  }
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
  PORTCULLIS_RETURN_IF_ERROR(DecodeEntry(codec, *halted, record));
  if (const auto* h = std::get_if<HaltRecord>(&record)) reason = h->reason;
  return true;
}

absl::Status RecoverTenant(const ledger::Ledger& ledger,
                           const RecordCodec& codec, const std::string& tenant,
                           absl::Time now, const RecoveryWindows& w,
                           TenantRegistry& tenants, RecoveryReport* report) {
  TenantRecovery how;
  how.tenant = tenant;
  SnapshotLoad load = LoadSnapshot(ledger, codec, tenant, w);
  how.snapshot_problem = load.problem;
  TenantProjection projection;
  if (load.projection.has_value()) {
    projection = *std::move(load.projection);
    how.snapshot_sequence = projection.sequence();
    PORTCULLIS_RETURN_IF_ERROR(
        FoldTail(ledger, codec, tenant, 0, projection, &how.entries_read));
  } else {
    PORTCULLIS_ASSIGN_OR_RETURN(
        projection,
        ProjectFully(ledger, codec, tenant, now, w, &how.entries_read));
  }
  TenantBook& book = tenants.Get(tenant);
  PORTCULLIS_RETURN_IF_ERROR(
      projection.Materialize(ledger, codec, tenant, now, w, book));

  std::string tenant_reason, gate_reason;
  PORTCULLIS_ASSIGN_OR_RETURN(bool tenant_halted,
                              LatestIsOn(ledger, codec, tenant, kTenantHalted,
                                         kTenantResumed, tenant_reason));
  PORTCULLIS_ASSIGN_OR_RETURN(bool gate_halted,
                              LatestIsOn(ledger, codec, tenant, kGateHalted,
                                         kGateResumed, gate_reason));
  if (gate_halted) tenants.SetGateHalt(true, gate_reason);
  book.SetHalt(tenant_halted, tenant_halted ? tenant_reason : "");
  if (report != nullptr) {
    report->tenants.push_back(std::move(how));
    report->projections.insert_or_assign(tenant, std::move(projection));
  }
  return absl::OkStatus();
}

}  // namespace

RecoveryWindows RecoveryWindowsOf(const GateOptions& options) {
  RecoveryWindows windows{options.max_limit_window, options.max_approval_window,
                          options.idempotency_window};
  if (options.fatigue_cap.max_per_window > 0) {
    windows.fatigue = options.fatigue_cap.window;
  }
  return windows;
}

absl::StatusOr<TenantProjection> ProjectFully(const ledger::Ledger& ledger,
                                              const RecordCodec& codec,
                                              absl::string_view tenant,
                                              absl::Time now,
                                              const RecoveryWindows& w,
                                              uint64_t* entries_read) {
  const absl::Duration horizon =
      std::max({w.limits, w.approvals, w.idempotency, w.fatigue});
  TenantProjection projection(ledger.PrunedThrough(tenant));
  std::optional<ledger::ChainHead> head = ledger.Head(tenant);
  if (!head.has_value()) return projection;
  std::vector<Fact> facts;
  absl::Status problem;
  uint64_t read = 0;
  PORTCULLIS_RETURN_IF_ERROR(
      ledger.Read(tenant, 1, /*reverse=*/true, [&](const ledger::Entry& entry) {
        if (entry.sequence > head->sequence) return true;
        if (now - entry.time >= horizon) return false;
        ++read;
        // Only these kinds feed the projections; the ledger's own entries
        // (retention records) and pruned payloads do not.
        if (!entry.payload || !ProjectionReads(entry.kind)) return true;
        Record record;
        problem = DecodeEntry(codec, entry, record);
        if (problem.ok()) CollectFacts(entry, record, facts);
        return problem.ok();
      }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  // The walk went newest first; fold in sequence order.
  for (auto it = facts.rbegin(); it != facts.rend(); ++it) {
    switch (it->kind) {
      case Fact::Kind::kCharge:
        projection.Charge(it->charges, it->at);
        break;
      case Fact::Kind::kPending:
        projection.AddPending(std::move(it->id), it->at);
        break;
      case Fact::Kind::kExecuted:
        projection.AddExecuted(std::move(it->id), it->sequence, it->at,
                               std::move(it->payload));
        break;
      case Fact::Kind::kStandingGranted:
        projection.AddStanding(std::move(it->id), it->sequence, it->not_after,
                               std::move(it->payload));
        break;
      case Fact::Kind::kStandingRevoked:
        projection.RevokeStanding(it->id, std::move(it->payload));
        break;
      case Fact::Kind::kStandingUsed:
        projection.UseStanding(it->id);
        break;
      case Fact::Kind::kSigned:
        projection.AddSignature(it->id, it->at);
        break;
    }
  }
  projection.SetCovered(head->sequence, head->hash);
  if (entries_read != nullptr) *entries_read += read;
  return projection;
}

absl::Status FoldTail(const ledger::Ledger& ledger, const RecordCodec& codec,
                      absl::string_view tenant, uint64_t through,
                      TenantProjection& projection, uint64_t* entries_read) {
  absl::Status problem;
  uint64_t read = 0;
  PORTCULLIS_RETURN_IF_ERROR(
      ledger.Read(tenant, projection.sequence() + 1, /*reverse=*/false,
                  [&](const ledger::Entry& entry) {
                    if (through != 0 && entry.sequence > through) return false;
                    if (entry.sequence != projection.sequence() + 1) {
                      problem = absl::DataLossError(absl::StrCat(
                          "ledger entry ", tenant, "/",
                          projection.sequence() + 1, " is missing"));
                      return false;
                    }
                    ++read;
                    if (!entry.payload || !ProjectionReads(entry.kind)) {
                      projection.Fold(entry, nullptr);
                      return true;
                    }
                    Record record;
                    problem = DecodeEntry(codec, entry, record);
                    if (problem.ok()) projection.Fold(entry, &record);
                    return problem.ok();
                  }));
  if (entries_read != nullptr) *entries_read += read;
  return problem;
}

absl::Status RecoverState(const ledger::Ledger& ledger,
                          const RecordCodec& codec, absl::Time now,
                          const RecoveryWindows& windows,
                          TenantRegistry& tenants, RecoveryReport* report) {
  absl::flat_hash_set<std::string> refused;
  for (const ledger::TenantRefusal& r : ledger.Refusals()) {
    refused.insert(r.tenant);
  }
  for (const std::string& tenant : ledger.Tenants()) {
    // A refused tenant (its chain fails its checkpoint) serves nothing, so
    // there is nothing to rebuild; its appends fail in the ledger.
    if (refused.contains(tenant)) continue;
    PORTCULLIS_RETURN_IF_ERROR(
        RecoverTenant(ledger, codec, tenant, now, windows, tenants, report));
  }
  return absl::OkStatus();
}

}  // namespace portcullis::gate
