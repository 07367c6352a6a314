#include "gate/state_snapshot.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "gate/decision_state.h"
#include "gate/internal/tenant_book.h"

namespace portcullis::gate {

absl::StatusOr<std::string> RecordCodec::EncodeSnapshot(
    const StateSnapshot&) const {
  return absl::UnimplementedError("this codec does not encode snapshots");
}

absl::StatusOr<StateSnapshot> RecordCodec::DecodeSnapshot(
    absl::string_view) const {
  return absl::UnimplementedError("this codec does not decode snapshots");
}

bool ProjectionReads(absl::string_view kind) {
  return kind == kActionEvaluated || kind == kApprovalGranted ||
         kind == kApprovalDenied || kind == kActionExecuted ||
         kind == kStandingGranted || kind == kStandingRevoked;
}

std::vector<std::string> CitedStanding(const policy::Verdict& verdict) {
  std::vector<std::string> out;
  if (verdict.outcome != policy::Outcome::kAllow) return out;
  for (const policy::RuleCitation& c : verdict.decided_by) {
    if (absl::StartsWith(c.id, kStandingCitationPrefix)) {
      out.push_back(c.id.substr(sizeof(kStandingCitationPrefix) - 1));
    }
  }
  return out;
}

const std::string* ApprovingSigner(const Record& record) {
  if (const auto* v = std::get_if<VerdictRecord>(&record)) {
    if (v->approval.verdict == ApprovalVerdict::kApprove) {
      return &v->approval.approver_id;
    }
  } else if (const auto* g = std::get_if<StandingGrantRecord>(&record)) {
    return &g->standing.approver_id;
  }
  return nullptr;
}

absl::Status DecodeEntry(const RecordCodec& codec, const ledger::Entry& entry,
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

void TenantProjection::Fold(const ledger::Entry& entry, const Record* record) {
  sequence_ = entry.sequence;
  hash_ = entry.hash;
  if (record == nullptr) return;
  // The same rules as a full replay (recovery.cc), without the windows:
  // Materialize applies them as of its `now`.
  if (const std::string* signer = ApprovingSigner(*record)) {
    AddSignature(*signer, entry.time);
  }
  if (const auto* r = std::get_if<EvaluationRecord>(record)) {
    const policy::Outcome outcome = r->decision.verdict.outcome;
    if (outcome == policy::Outcome::kAllow) {
      Charge(r->decision.verdict.charges, entry.time);
      for (const std::string& id : CitedStanding(r->decision.verdict)) {
        UseStanding(id);
      }
    } else if (outcome == policy::Outcome::kPendingApproval) {
      AddPending(r->decision.id, entry.time);
    }
  } else if (const auto* g = std::get_if<StandingGrantRecord>(record)) {
    if (entry.payload) {
      AddStanding(g->standing.id, entry.sequence, g->standing.not_after,
                  *entry.payload);
    }
  } else if (const auto* rv = std::get_if<StandingRevocationRecord>(record)) {
    RevokeStanding(rv->revocation.id, rv->revocation.approver_id);
  } else if (const auto* v = std::get_if<VerdictRecord>(record)) {
    if (v->resolution == Resolution::kGranted) {
      Charge(v->decision.verdict.charges, entry.time);
    }
  } else if (const auto* e = std::get_if<ExecutionRecord>(record)) {
    if (!e->receipt.idempotency_key.empty() && entry.payload) {
      AddExecuted(e->receipt.idempotency_key, entry.sequence, entry.time,
                  *entry.payload);
    }
  }
}

absl::Status TenantProjection::Trim(absl::Time now,
                                    const RecoveryWindows& windows,
                                    const ledger::Ledger* ledger,
                                    const RecordCodec& codec,
                                    absl::string_view tenant) {
  usage_.ForgetThrough(now - windows.limits);
  for (auto it = pending_.begin(); it != pending_.end();) {
    bool keep = now - it->second < windows.approvals;
    if (keep && ledger != nullptr) {
      absl::StatusOr<DecisionState> state =
          LoadDecision(*ledger, codec, tenant, it->first);
      if (!state.ok() && !absl::IsNotFound(state.status())) {
        return state.status();
      }
      keep = state.ok() && state->pending();
    }
    it = keep ? std::next(it) : pending_.erase(it);
  }
  for (auto it = executed_.begin(); it != executed_.end();) {
    it = now - it->second.at < windows.idempotency ? std::next(it)
                                                   : executed_.erase(it);
  }
  // A standing approval whose window has ended never applies again.
  for (auto it = standing_.begin(); it != standing_.end();) {
    it = now < it->second.not_after ? std::next(it) : standing_.erase(it);
  }
  // A signature older than the fatigue window no longer counts.
  for (auto it = signatures_.begin(); it != signatures_.end();) {
    std::vector<absl::Time>& at = it->second;
    at.erase(at.begin(), std::find_if(at.begin(), at.end(), [&](absl::Time t) {
               return now - t < windows.fatigue;
             }));
    it = at.empty() ? signatures_.erase(it) : std::next(it);
  }
  return absl::OkStatus();
}

absl::Status TenantProjection::Materialize(const ledger::Ledger& ledger,
                                           const RecordCodec& codec,
                                           absl::string_view tenant,
                                           absl::Time now,
                                           const RecoveryWindows& windows,
                                           TenantBook& book) const {
  std::vector<DecisionState> pending;
  for (const auto& [id, at] : pending_) {
    if (now - at >= windows.approvals) continue;
    PORTCULLIS_ASSIGN_OR_RETURN(DecisionState decision,
                                LoadDecision(ledger, codec, tenant, id));
    if (decision.pending()) pending.push_back(std::move(decision));
  }
  std::vector<std::pair<std::string, IdempotencyRecord>> executed;
  for (const auto& [key, e] : executed_) {
    if (now - e.at >= windows.idempotency) continue;
    ledger::Entry entry;
    entry.tenant = std::string(tenant);
    entry.sequence = e.sequence;
    entry.kind = kActionExecuted;
    entry.payload = e.payload;
    Record record;
    PORTCULLIS_RETURN_IF_ERROR(DecodeEntry(codec, entry, record));
    const auto* r = std::get_if<ExecutionRecord>(&record);
    if (r == nullptr) {
      return absl::DataLossError(absl::StrCat(
          "ledger entry ", tenant, "/", e.sequence, " is not an execution"));
    }
    Receipt receipt = r->receipt;
    receipt.ledger_sequence = e.sequence;
    executed.push_back({key, {r->receipt.action_digest, std::move(receipt)}});
  }
  std::vector<StandingState> standing;
  for (const auto& [id, st] : standing_) {
    if (now >= st.not_after) continue;
    ledger::Entry entry;
    entry.tenant = std::string(tenant);
    entry.sequence = st.sequence;
    entry.kind = kStandingGranted;
    entry.payload = st.payload;
    Record record;
    PORTCULLIS_RETURN_IF_ERROR(DecodeEntry(codec, entry, record));
    const auto* g = std::get_if<StandingGrantRecord>(&record);
    if (g == nullptr || g->standing.id != id) {
      return absl::DataLossError(
          absl::StrCat("ledger entry ", tenant, "/", st.sequence,
                       " is not the grant of standing approval ", id));
    }
    standing.push_back({g->standing, g->approver_roles, st.uses, st.revoked,
                        st.revoked_by, st.sequence});
  }

  book.WithLock([&](TenantBook::View& state) {
    state.usage() = usage_;
    state.usage().ForgetThrough(now - windows.limits);
    for (DecisionState& s : pending) state.Restore(std::move(s));
    for (auto& [key, record] : executed) {
      state.RestoreExecuted(key, std::move(record));
    }
    for (StandingState& st : standing) state.PutStanding(std::move(st));
  });
  return absl::OkStatus();
}

StateSnapshot TenantProjection::ToSnapshot(
    absl::string_view tenant, absl::Time now,
    const RecoveryWindows& windows) const {
  StateSnapshot s;
  s.tenant = std::string(tenant);
  s.sequence = sequence_;
  s.entry_hash.assign(hash_.begin(), hash_.end());
  s.pruned_through = pruned_through_;
  s.taken_at = now;
  s.windows = windows;
  s.usage = usage_.Export();
  for (const auto& [id, at] : pending_) s.pending.push_back({id, at});
  for (const auto& [key, e] : executed_) {
    s.executed.push_back({key, e.sequence, e.at, e.payload});
  }
  for (const auto& [id, st] : standing_) {
    s.standing.push_back({id, st.sequence, st.payload, st.not_after, st.uses,
                          st.revoked, st.revoked_by});
  }
  for (const auto& [approver, at] : signatures_) {
    s.signatures.push_back({approver, at});
  }
  return s;
}

TenantProjection TenantProjection::FromSnapshot(const StateSnapshot& s) {
  TenantProjection p(s.pruned_through);
  p.sequence_ = s.sequence;
  std::copy_n(s.entry_hash.begin(),
              std::min(s.entry_hash.size(), p.hash_.size()), p.hash_.begin());
  for (const auto& series : s.usage) p.usage_.Import(series);
  for (const auto& pending : s.pending) {
    p.pending_[pending.decision_id] = pending.evaluated_at;
  }
  for (const auto& e : s.executed) {
    auto& slot = p.executed_[e.idempotency_key];
    if (e.sequence >= slot.sequence) slot = {e.sequence, e.at, e.payload};
  }
  for (const auto& st : s.standing) {
    p.standing_[st.id] = {st.sequence, st.payload, st.not_after,
                          st.uses,     st.revoked, st.revoked_by};
  }
  for (const auto& sig : s.signatures) {
    std::vector<absl::Time>& at = p.signatures_[sig.approver];
    at.insert(at.end(), sig.at.begin(), sig.at.end());
    std::sort(at.begin(), at.end());
  }
  return p;
}

std::optional<crypto::Digest> EntryHash(const ledger::Ledger& ledger,
                                        absl::string_view tenant,
                                        uint64_t sequence) {
  std::optional<crypto::Digest> hash;
  absl::Status read = ledger.Read(tenant, sequence, /*reverse=*/false,
                                  [&](const ledger::Entry& e) {
                                    if (e.sequence == sequence) hash = e.hash;
                                    return false;
                                  });
  if (!read.ok()) return std::nullopt;
  return hash;
}

SnapshotLoad LoadSnapshot(const ledger::Ledger& ledger,
                          const RecordCodec& codec, absl::string_view tenant,
                          const RecoveryWindows& windows) {
  SnapshotLoad out;
  absl::StatusOr<std::optional<ledger::StoredSnapshot>> stored =
      ledger.GetStateSnapshot(tenant);
  if (!stored.ok()) {
    out.problem = std::string(stored.status().message());
    return out;
  }
  if (!stored->has_value()) return out;
  absl::StatusOr<StateSnapshot> snapshot =
      codec.DecodeSnapshot((*stored)->data);
  if (!snapshot.ok()) {
    out.problem =
        absl::StrCat("it does not decode: ", snapshot.status().message());
    return out;
  }
  const StateSnapshot& s = *snapshot;
  if (s.version != StateSnapshot::kVersion) {
    out.problem = absl::StrCat("its version ", s.version, " is unknown");
    return out;
  }
  if (s.tenant != tenant || s.sequence != (*stored)->sequence) {
    out.problem = "it names another tenant or entry than it is stored for";
    return out;
  }
  std::optional<ledger::ChainHead> head = ledger.Head(tenant);
  if (!head.has_value() || s.sequence > head->sequence) {
    out.problem = "it covers entries beyond the chain's head";
    return out;
  }
  std::optional<crypto::Digest> hash = EntryHash(ledger, tenant, s.sequence);
  if (!hash.has_value() ||
      std::string(hash->begin(), hash->end()) != s.entry_hash) {
    out.problem = absl::StrCat("the hash of entry ", s.sequence,
                               " does not match the chain");
    return out;
  }
  if (s.pruned_through != ledger.PrunedThrough(tenant)) {
    out.problem = "retention pruned entries since it was taken";
    return out;
  }
  if (s.windows.limits < windows.limits ||
      s.windows.approvals < windows.approvals ||
      s.windows.idempotency < windows.idempotency ||
      s.windows.fatigue < windows.fatigue) {
    out.problem = "it was taken with shorter recovery windows";
    return out;
  }
  out.projection = TenantProjection::FromSnapshot(s);
  return out;
}

}  // namespace portcullis::gate
