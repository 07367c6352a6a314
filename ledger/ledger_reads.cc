// The Ledger's read side: chain heads and refusals from memory, entries,
// payloads (opened with the tenant's key) and the two indexes from the
// store. The write path is in ledger.cc.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"

namespace portcullis::ledger {

using ledger_internal::EntryKey;
using ledger_internal::kLedgerChain;
using ledger_internal::PayloadKey;
using ledger_internal::PrefixEnd;
using ledger_internal::TenantPrefix;

std::optional<ChainHead> Ledger::Head(absl::string_view tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(tenant);
  if (it == states_.end() || it->second.sequence == 0) return std::nullopt;
  return ChainHead{it->second.sequence, it->second.hash};
}

std::vector<std::string> Ledger::Tenants() const {
  std::vector<std::string> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [tenant, state] : states_) {
      if (state.sequence > 0 && tenant != kLedgerChain) out.push_back(tenant);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<TenantRefusal> Ledger::Refusals() const {
  std::vector<TenantRefusal> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [tenant, state] : states_) {
      if (!state.refusal.empty()) out.push_back({tenant, state.refusal});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const TenantRefusal& a, const TenantRefusal& b) {
              return a.tenant < b.tenant;
            });
  return out;
}

std::optional<CheckpointMark> Ledger::LatestCheckpoint(
    absl::string_view tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(tenant);
  if (it == states_.end() || it->second.checkpoint_size == 0) {
    return std::nullopt;
  }
  return CheckpointMark{it->second.checkpoint_size, it->second.checkpoint_time};
}

absl::Status Ledger::OpenInto(Entry& entry,
                              const std::optional<std::string>& stored) const {
  if (!stored.has_value()) {
    entry.payload.reset();
    return absl::OkStatus();
  }
  PORTCULLIS_ASSIGN_OR_RETURN(
      entry.payload,
      keyring_->Open(entry.tenant, entry.sequence, entry.version, *stored));
  return absl::OkStatus();
}

absl::StatusOr<Entry> Ledger::ReadEntry(absl::string_view tenant,
                                        uint64_t sequence) const {
  PORTCULLIS_ASSIGN_OR_RETURN(auto stored,
                              store_->Get(EntryKey(tenant, sequence)));
  if (!stored.has_value()) {
    return absl::DataLossError(
        absl::StrCat("ledger entry ", tenant, "/", sequence, " is missing"));
  }
  PORTCULLIS_ASSIGN_OR_RETURN(Entry entry, DecodeStoredEntry(*stored));
  PORTCULLIS_ASSIGN_OR_RETURN(auto payload,
                              store_->Get(PayloadKey(tenant, sequence)));
  PORTCULLIS_RETURN_IF_ERROR(OpenInto(entry, payload));
  return entry;
}

absl::Status Ledger::ReadDecision(
    absl::string_view tenant, absl::string_view decision_id,
    absl::FunctionRef<bool(const Entry&)> visit) const {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  PORTCULLIS_RETURN_IF_ERROR(ValidateDecisionId(decision_id));
  std::string prefix = ledger_internal::DecisionPrefix(tenant, decision_id);
  std::vector<uint64_t> sequences;
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(store_->Scan(
      prefix, PrefixEnd(prefix), /*reverse=*/false,
      [&](absl::string_view key, absl::string_view) {
        CanonicalReader r(key.substr(prefix.size()));
        auto sequence = r.U64();
        if (!sequence.ok() || !r.done()) {
          problem = absl::DataLossError("a decision index key is malformed");
          return false;
        }
        sequences.push_back(*sequence);
        return true;
      }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  for (uint64_t sequence : sequences) {
    PORTCULLIS_ASSIGN_OR_RETURN(Entry entry, ReadEntry(tenant, sequence));
    if (entry.decision_id != decision_id) {
      return absl::DataLossError(
          absl::StrCat("ledger entry ", tenant, "/", sequence,
                       " does not belong to the decision its index names"));
    }
    if (!visit(entry)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Entry>> Ledger::Latest(
    absl::string_view tenant, absl::string_view kind) const {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto stored, store_->Get(ledger_internal::LatestKey(tenant, kind)));
  if (!stored.has_value()) return std::nullopt;
  CanonicalReader r(*stored);
  PORTCULLIS_ASSIGN_OR_RETURN(uint64_t sequence, r.U64());
  PORTCULLIS_ASSIGN_OR_RETURN(Entry entry, ReadEntry(tenant, sequence));
  if (entry.kind != kind) {
    return absl::DataLossError(
        absl::StrCat("ledger entry ", tenant, "/", sequence,
                     " is not of the kind its index names"));
  }
  return entry;
}

absl::Status Ledger::Read(absl::string_view tenant, uint64_t from, bool reverse,
                          absl::FunctionRef<bool(const Entry&)> visit) const {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  std::string prefix = TenantPrefix(ledger_internal::kEntryTag, tenant);
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(store_->Scan(
      EntryKey(tenant, from), PrefixEnd(prefix), reverse,
      [&](absl::string_view, absl::string_view value) {
        auto entry = DecodeStoredEntry(value);
        if (!entry.ok()) {
          problem = entry.status();
          return false;
        }
        auto payload = store_->Get(PayloadKey(tenant, entry->sequence));
        if (!payload.ok()) {
          problem = payload.status();
          return false;
        }
        problem = OpenInto(*entry, *payload);
        if (!problem.ok()) return false;
        return visit(*entry);
      }));
  return problem;
}

}  // namespace portcullis::ledger
