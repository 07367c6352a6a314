#include "ledger/ledger.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "ledger/internal/keys.h"

namespace portcullis::ledger {

using ledger_internal::EntryKey;
using ledger_internal::HeadKey;
using ledger_internal::PayloadKey;
using ledger_internal::PrefixEnd;
using ledger_internal::TenantPrefix;

// One caller waiting in Append.
struct Ledger::Writer {
  std::vector<EntryDraft>* drafts;
  std::vector<Appended> appended;
  absl::Status status;
  bool done = false;
  absl::CondVar cv;
};

namespace {

constexpr size_t kMaxKindLength = 64;

std::string EncodeHead(const ChainHead& head) {
  CanonicalWriter w;
  w.U64(head.sequence);
  w.Fixed(crypto::AsBytes(head.hash));
  return w.Release();
}

absl::StatusOr<ChainHead> DecodeHead(absl::string_view bytes) {
  CanonicalReader r(bytes);
  ChainHead head;
  PORTCULLIS_ASSIGN_OR_RETURN(head.sequence, r.U64());
  PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view hash,
                              r.Fixed(crypto::kDigestSize));
  if (!r.done()) return absl::DataLossError("head record too long");
  crypto::DigestFromBytes(hash, head.hash);
  return head;
}

size_t DraftBytes(const std::vector<EntryDraft>& drafts) {
  size_t n = 0;
  for (const EntryDraft& d : drafts) n += d.payload.size() + 256;
  return n;
}

}  // namespace

absl::Status ValidateDraft(const EntryDraft& d) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(d.tenant));
  if (d.kind.empty() || d.kind.size() > kMaxKindLength ||
      !std::all_of(d.kind.begin(), d.kind.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || c == '.' || c == '_';
      })) {
    return absl::InvalidArgumentError(
        "entry kind must be 1..64 characters of a-z . _");
  }
  if (!d.action_digest.empty() &&
      d.action_digest.size() != crypto::kDigestSize) {
    return absl::InvalidArgumentError("action digest must be 32 bytes");
  }
  PORTCULLIS_RETURN_IF_ERROR(ValidateOpaqueId("request id", d.request_id));
  PORTCULLIS_RETURN_IF_ERROR(
      ValidateOpaqueId("correlation id", d.correlation_id));
  if (!d.decision_id.empty()) {
    PORTCULLIS_RETURN_IF_ERROR(ValidateDecisionId(d.decision_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(
    std::unique_ptr<KeyValueStore> store, LedgerOptions options) {
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(store), options));
  PORTCULLIS_RETURN_IF_ERROR(ledger->LoadHeads());
  return ledger;
}

absl::Status Ledger::LoadHeads() {
  absl::flat_hash_map<std::string, ChainHead> heads;
  absl::Status problem;
  std::string begin(1, ledger_internal::kHeadTag);
  PORTCULLIS_RETURN_IF_ERROR(store_->Scan(
      begin, PrefixEnd(begin), /*reverse=*/false,
      [&](absl::string_view key, absl::string_view value) {
        auto parsed = ledger_internal::ParseKey(key);
        auto head = DecodeHead(value);
        if (!parsed.ok() || !head.ok()) {
          problem = absl::DataLossError("a chain head record is malformed");
          return false;
        }
        heads[parsed->tenant] = *head;
        return true;
      }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  // Each head must name an entry that exists and has that hash.
  for (const auto& [tenant, head] : heads) {
    PORTCULLIS_ASSIGN_OR_RETURN(auto stored,
                                store_->Get(EntryKey(tenant, head.sequence)));
    auto entry = stored ? DecodeStoredEntry(*stored)
                        : absl::StatusOr<Entry>(absl::NotFoundError(""));
    if (!entry.ok() || entry->hash != head.hash) {
      return absl::DataLossError(absl::StrCat(
          "ledger head of tenant ", tenant, " names entry ", head.sequence,
          ", which is missing or differs; run `portcullis ledger verify`"));
    }
  }
  absl::MutexLock lock(&mu_);
  heads_ = std::move(heads);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Appended>> Ledger::Append(
    std::vector<EntryDraft> drafts) {
  if (drafts.empty()) return std::vector<Appended>{};
  for (const EntryDraft& d : drafts)
    PORTCULLIS_RETURN_IF_ERROR(ValidateDraft(d));

  Writer self;
  self.drafts = &drafts;
  absl::MutexLock lock(&mu_);
  writers_.push_back(&self);
  while (!self.done && &self != writers_.front()) self.cv.Wait(&mu_);
  if (self.done) {
    if (!self.status.ok()) return self.status;
    return std::move(self.appended);
  }

  // This caller leads: take the queue (up to the byte budget), chain it on
  // a copy of the heads, and write it outside the lock. Only the leader
  // changes heads_, so the copy stays current while the lock is released.
  std::vector<Writer*> group;
  size_t bytes = 0;
  absl::flat_hash_map<std::string, ChainHead> heads;
  for (Writer* w : writers_) {
    if (!group.empty() &&
        bytes + DraftBytes(*w->drafts) > options_.max_group_bytes) {
      break;
    }
    bytes += DraftBytes(*w->drafts);
    group.push_back(w);
    for (const EntryDraft& d : *w->drafts) {
      if (auto it = heads_.find(d.tenant); it != heads_.end()) {
        heads.emplace(d.tenant, it->second);
      }
    }
  }

  mu_.Unlock();
  WriteBatch batch;
  ChainGroup(group, heads, batch);
  absl::Status status = store_->Write(batch, options_.sync);
  std::vector<std::string> tenants;
  for (const auto& [tenant, head] : heads) tenants.push_back(tenant);
  mu_.Lock();

  if (status.ok()) {
    for (auto& [tenant, head] : heads) heads_[tenant] = head;
  } else {
    status = absl::UnavailableError(
        absl::StrCat("the ledger could not record this; nothing was done: ",
                     status.message()));
    absl::Status reload = ReloadHeads(tenants);
    if (!reload.ok()) status = reload;
  }
  for (Writer* w : group) {
    if (!status.ok()) {
      w->status = status;
      w->appended.clear();
    }
    w->done = true;
    writers_.pop_front();
    if (w != &self) w->cv.Signal();
  }
  if (!writers_.empty()) writers_.front()->cv.Signal();
  if (!status.ok()) return status;
  return std::move(self.appended);
}

void Ledger::ChainGroup(std::vector<Writer*>& group,
                        absl::flat_hash_map<std::string, ChainHead>& heads,
                        WriteBatch& batch) {
  for (Writer* w : group) {
    w->appended.reserve(w->drafts->size());
    for (EntryDraft& d : *w->drafts) {
      ChainHead& head = heads[d.tenant];
      Entry e;
      e.sequence = head.sequence + 1;
      e.time = d.time;
      e.tenant = d.tenant;
      e.kind = std::move(d.kind);
      e.request_id = std::move(d.request_id);
      e.correlation_id = std::move(d.correlation_id);
      e.decision_id = std::move(d.decision_id);
      e.action_digest = std::move(d.action_digest);
      e.payload_digest = PayloadDigest(d.payload);
      e.previous_hash = head.hash;
      e.hash = ComputeEntryHash(e);
      head = {e.sequence, e.hash};
      batch.Put(EntryKey(e.tenant, e.sequence), EncodeStoredEntry(e));
      batch.Put(PayloadKey(e.tenant, e.sequence), std::move(d.payload));
      CanonicalWriter latest;
      latest.U64(e.sequence);
      batch.Put(ledger_internal::LatestKey(e.tenant, e.kind), latest.Release());
      if (!e.decision_id.empty()) {
        batch.Put(
            ledger_internal::DecisionKey(e.tenant, e.decision_id, e.sequence),
            "");
      }
      w->appended.push_back({e.sequence, e.hash});
    }
  }
  for (const auto& [tenant, head] : heads) {
    batch.Put(HeadKey(tenant), EncodeHead(head));
  }
}

absl::Status Ledger::ReloadHeads(const std::vector<std::string>& tenants) {
  for (const std::string& tenant : tenants) {
    auto stored = store_->Get(HeadKey(tenant));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      heads_.erase(tenant);
      continue;
    }
    PORTCULLIS_ASSIGN_OR_RETURN(heads_[tenant], DecodeHead(**stored));
  }
  return absl::OkStatus();
}

std::optional<ChainHead> Ledger::Head(absl::string_view tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = heads_.find(tenant);
  if (it == heads_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Ledger::Tenants() const {
  std::vector<std::string> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [tenant, head] : heads_) out.push_back(tenant);
  }
  std::sort(out.begin(), out.end());
  return out;
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
  PORTCULLIS_ASSIGN_OR_RETURN(entry.payload,
                              store_->Get(PayloadKey(tenant, sequence)));
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
        entry->payload = std::move(*payload);
        return visit(*entry);
      }));
  return problem;
}

}  // namespace portcullis::ledger
