#include "ledger/ledger.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "ledger/internal/keys.h"
#include "ledger/internal/ledger_records.h"
#include "ledger/internal/ledger_writer.h"
#include "ledger/internal/worker_pool.h"

namespace portcullis::ledger {

using ledger_internal::ChainState;
using ledger_internal::EntryKey;
using ledger_internal::kLedgerChain;
using ledger_internal::LedgerRecord;
using ledger_internal::PayloadKey;
using ledger_internal::PrefixEnd;
using ledger_internal::TenantPrefix;

namespace {

constexpr size_t kMaxKindLength = 64;

// The replica whose ledger `store` holds: the name stored in it, which an
// empty `replica` takes and another one is refused for; else `replica` (or,
// when empty, `default_replica`), then stored (synced) so that the ledger
// keeps belonging to it.
absl::Status SettleReplica(KeyValueStore& store, std::string& replica,
                           const std::string& default_replica) {
  PORTCULLIS_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                              store.Get(ledger_internal::ReplicaKey()));
  if (stored.has_value()) {
    if (!ValidateReplicaName(*stored).ok()) {
      return absl::DataLossError(
          "the replica name stored in the ledger is malformed");
    }
    if (replica.empty()) {
      replica = *std::move(stored);
    } else if (replica != *stored) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this ledger is replica ", *stored, "'s, not ", replica,
          "'s: each replica keeps its own ledger in its own data directory "
          "(to go on writing this one, name the gate ",
          *stored, ")"));
    }
    return absl::OkStatus();
  }
  if (replica.empty()) replica = default_replica;
  if (replica.empty()) return absl::OkStatus();
  WriteBatch batch;
  batch.Put(ledger_internal::ReplicaKey(), replica);
  if (absl::Status s = store.Write(batch, /*sync=*/true); !s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot store the ledger's replica name: ", s.message()));
  }
  return absl::OkStatus();
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

Ledger::Ledger(std::unique_ptr<KeyValueStore> store, LedgerOptions options)
    : store_(std::move(store)), options_(std::move(options)) {
  keyring_ = std::make_unique<PayloadKeyring>(*store_, options_.master_keys);
  int seal_threads = options_.seal_threads;
  if (seal_threads < 0) {
    seal_threads = std::clamp(
        static_cast<int>(std::thread::hardware_concurrency()) - 1, 0, 7);
  }
  if (seal_threads > 0 && keyring_->can_seal()) {
    seal_pool_ = std::make_unique<ledger_internal::WorkerPool>(
        static_cast<size_t>(seal_threads), "gate-seal");
  }
  int answer_threads = options_.answer_threads;
  if (answer_threads < 0) {
    answer_threads = std::clamp(
        (static_cast<int>(std::thread::hardware_concurrency()) - 2) / 2, 0, 4);
  }
  if (answer_threads > 0) {
    // A full queue is answered by the commit thread: backpressure.
    answerers_ = std::make_unique<WorkThreads>(
        answer_threads, /*max_queued=*/static_cast<size_t>(4 * answer_threads),
        "gate-answer");
  }
}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(
    std::unique_ptr<KeyValueStore> store, LedgerOptions options) {
  if (options.checkpoints.key != nullptr && options.clock == nullptr) {
    return absl::InvalidArgumentError("signed checkpoints need a clock");
  }
  if (options.checkpoints.every_entries == 0) {
    return absl::InvalidArgumentError("checkpoints every 0 entries");
  }
  for (const std::string* name : {&options.replica, &options.default_replica}) {
    if (!name->empty()) PORTCULLIS_RETURN_IF_ERROR(ValidateReplicaName(*name));
  }
  PORTCULLIS_RETURN_IF_ERROR(
      SettleReplica(*store, options.replica, options.default_replica));
  std::unique_ptr<Ledger> ledger(
      new Ledger(std::move(store), std::move(options)));
  PORTCULLIS_RETURN_IF_ERROR(ledger->Load());
  PORTCULLIS_RETURN_IF_ERROR(ledger->RotateRetiredKeys());
  return ledger;
}

absl::Status Ledger::RotateRetiredKeys() {
  if (!options_.rotate_retired_keys || !keyring_->can_seal()) {
    return absl::OkStatus();
  }
  PORTCULLIS_ASSIGN_OR_RETURN(std::vector<std::string> tenants,
                              keyring_->TenantsOnRetiredKeys());
  for (const std::string& tenant : tenants) {
    {
      absl::MutexLock lock(&mu_);
      auto it = states_.find(tenant);
      // Nothing is sealed for a refused tenant: rotated at the open that
      // serves it again.
      if (it != states_.end() && !it->second.refusal.empty()) continue;
    }
    if (options_.clock == nullptr) {
      return absl::InvalidArgumentError(
          "recording a master key change needs a clock");
    }
    const absl::Time now = options_.clock->Now();
    absl::StatusOr<uint32_t> rotated =
        RotatePayloadKey(tenant, [&](uint32_t version) {
          return KeyRotationRecord(tenant, version, now,
                                   KeyRotationTrigger::kMasterKeyChange);
        });
    if (!rotated.ok()) {
      return absl::Status(
          rotated.status().code(),
          absl::StrCat("tenant ", tenant,
                       "'s payload key derives from a master key that is no "
                       "longer the current one, and its new key could not be "
                       "recorded: ",
                       rotated.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Ledger::Load() {
  PORTCULLIS_ASSIGN_OR_RETURN(
      std::vector<std::string> tenants,
      ledger_internal::StoredTenants(
          *store_,
          {std::string{ledger_internal::kHeadTag,
                       ledger_internal::kCheckpointTag}},
          /*include_ledger_chain=*/false));
  // Tenants with entries too: one whose first write was torn before its
  // head record has entries and no head, and is refused (CheckTail). Best
  // effort: where damage stops this enumeration, each damaged tenant is
  // still refused by its own checks.
  auto with_entries = ledger_internal::StoredTenants(
      *store_, std::string{ledger_internal::kEntryTag},
      /*include_ledger_chain=*/false);
  if (!with_entries.ok() && !absl::IsDataLoss(with_entries.status())) {
    return with_entries.status();
  }
  if (with_entries.ok()) {
    const size_t known = tenants.size();  // sorted
    for (std::string& t : *with_entries) {
      if (!std::binary_search(tenants.begin(), tenants.begin() + known, t)) {
        tenants.push_back(std::move(t));
      }
    }
  }
  tenants.push_back(kLedgerChain);
  // Tenants kept outside the store count too: a tenant whose every record
  // was lost is still known by its kept checkpoint.
  std::map<std::string, ledger_internal::KeptCheckpoint> kept;
  if (options_.checkpoint_files != nullptr && options_.check_kept_checkpoints) {
    PORTCULLIS_ASSIGN_OR_RETURN(auto notes,
                                options_.checkpoint_files->ReadAll());
    for (auto& [chain, note] : notes) {
      if (std::find(tenants.begin(), tenants.end(), chain) == tenants.end()) {
        tenants.push_back(chain);
      }
      kept[chain] = {std::move(note), options_.checkpoint_files->PathOf(chain)};
    }
  }
  const crypto::VerifyingKey* key =
      options_.checkpoints.key != nullptr
          ? &options_.checkpoints.key->verifying_key()
          : nullptr;
  States states;
  for (const std::string& tenant : tenants) {
    auto it = kept.find(tenant);
    PORTCULLIS_ASSIGN_OR_RETURN(
        ChainState state,
        ledger_internal::LoadChainState(
            *store_, tenant, key, it == kept.end() ? nullptr : &it->second));
    if (state.sequence > 0 || state.checkpoint_size > 0 ||
        !state.refusal.empty()) {
      states.emplace(tenant, std::move(state));
    }
  }
  absl::MutexLock lock(&mu_);
  states_ = std::move(states);
  return absl::OkStatus();
}

Ledger::~Ledger() {
  // A caller may still be sealing for a writer already answered.
  for (int n = callers_sealing_.load(std::memory_order_acquire); n > 0;
       n = callers_sealing_.load(std::memory_order_acquire)) {
    callers_sealing_.wait(n, std::memory_order_acquire);
  }
  std::thread committer;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    committer_cv_.Signal();
    committer = std::move(committer_);
  }
  if (committer.joinable()) committer.join();
  answerers_.reset();  // answers what the commit thread queued last
}

absl::Status Ledger::Prepare(Writer& w) {
  const std::vector<EntryDraft>& drafts = *w.drafts;
  for (const EntryDraft& d : drafts) {
    PORTCULLIS_RETURN_IF_ERROR(ValidateDraft(d));
  }
  {
    absl::MutexLock lock(&mu_);
    for (const EntryDraft& d : drafts) {
      auto it = states_.find(d.tenant);
      if (it != states_.end() && !it->second.refusal.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            it->second.refusal, "; nothing is recorded or allowed for it"));
      }
    }
  }
  absl::flat_hash_map<std::string, uint32_t> versions;
  for (const EntryDraft& d : drafts) {
    auto it = versions.find(d.tenant);
    if (it == versions.end()) {
      PORTCULLIS_ASSIGN_OR_RETURN(uint32_t v,
                                  keyring_->PrepareTenant(d.tenant));
      it = versions.emplace(d.tenant, v).first;
    }
    w.key_versions.push_back(it->second);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Appended>> Ledger::Append(
    std::vector<EntryDraft> drafts) {
  if (drafts.empty()) return std::vector<Appended>{};
  Writer self;
  self.drafts = &drafts;
  if (options_.observer) self.called_at = std::chrono::steady_clock::now();
  PORTCULLIS_RETURN_IF_ERROR(Prepare(self));
  Commit(self);
  if (!self.status.ok()) return self.status;
  return std::move(self.appended);
}

void Ledger::AppendAsync(std::vector<EntryDraft> drafts, AppendCallback done,
                         Abandoned abandoned) {
  if (drafts.empty()) {
    std::move(done)(std::vector<Appended>{});
    return;
  }
  auto w = std::make_unique<Writer>();
  if (options_.observer) w->called_at = std::chrono::steady_clock::now();
  w->async = true;
  w->owned_drafts = std::move(drafts);
  w->drafts = &w->owned_drafts;
  if (absl::Status s = Prepare(*w); !s.ok()) {
    std::move(done)(s);
    return;
  }
  w->on_done = std::move(done);
  w->abandoned = std::move(abandoned);
  CommitAsync(std::move(w));
}

absl::Status Ledger::Resume() {
  if (!write_failing_) return absl::OkStatus();
  // Take the lead, as a writer does, so that no group writes while the
  // store reopens and the chains reload.
  Writer self;
  self.kind = Writer::Kind::kResume;
  absl::MutexLock lock(&mu_);
  Enqueue(&self);
  while (&self != writers_.front()) self.cv.Wait(&mu_);
  absl::Status status = absl::OkStatus();
  if (write_failing_) {
    mu_.Unlock();
    status = store_->Resume();
    if (status.ok()) status = ReloadAfterResume();
    mu_.Lock();
    if (status.ok()) write_failing_ = false;
  }
  writers_.pop_front();
  RepredictQueue();  // the chains were reloaded
  HandOnLead();
  return status;
}

absl::Status Ledger::ReloadAfterResume() {
  // What the reopened store holds must be what was acknowledged: a write
  // that failed yet reached the disk (its sync failed) moved a chain that
  // the gate's state above the ledger (grants, approvals, limits) never
  // saw. Such a tenant is refused until a restart rebuilds that state.
  PORTCULLIS_ASSIGN_OR_RETURN(
      std::vector<std::string> tenants,
      ledger_internal::StoredTenants(
          *store_,
          {std::string{ledger_internal::kHeadTag,
                       ledger_internal::kCheckpointTag}},
          /*include_ledger_chain=*/true));
  States known;
  {
    absl::MutexLock lock(&mu_);
    known = states_;
  }
  for (const auto& [tenant, state] : known) {
    if (std::find(tenants.begin(), tenants.end(), tenant) == tenants.end()) {
      tenants.push_back(tenant);
    }
  }
  const crypto::VerifyingKey* key =
      options_.checkpoints.key != nullptr
          ? &options_.checkpoints.key->verifying_key()
          : nullptr;
  States changed;
  for (const std::string& tenant : tenants) {
    PORTCULLIS_ASSIGN_OR_RETURN(
        ChainState stored,
        ledger_internal::LoadChainState(*store_, tenant, key));
    auto it = known.find(tenant);
    const ChainState before = it == known.end() ? ChainState{} : it->second;
    if (!before.refusal.empty()) continue;  // refused already
    if (stored.sequence == before.sequence && stored.hash == before.hash &&
        stored.refusal.empty()) {
      continue;
    }
    ChainState refused = before;
    refused.refusal = absl::StrCat(
        "tenant ", tenant, " is refused: ",
        stored.refusal.empty()
            ? absl::StrCat("after the disk filled its chain ends at ",
                           stored.sequence, ", not at ", before.sequence,
                           " as acknowledged: a write that failed reached "
                           "the disk; restart the gate to serve it")
            : stored.refusal);
    changed.emplace(tenant, std::move(refused));
  }
  absl::MutexLock lock(&mu_);
  for (auto& [tenant, state] : changed) states_[tenant] = std::move(state);
  return absl::OkStatus();
}

absl::StatusOr<Appended> Ledger::AppendRecord(EntryDraft draft) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateDraft(draft));
  std::vector<EntryDraft> drafts = {std::move(draft)};
  Writer self;
  self.kind = Writer::Kind::kRecord;
  self.drafts = &drafts;
  Commit(self);
  if (!self.status.ok()) return self.status;
  return self.appended[0];
}

absl::StatusOr<int> Ledger::SignCheckpoints(bool force) {
  if (options_.checkpoints.key == nullptr) {
    return absl::FailedPreconditionError(
        "no checkpoint key is configured for this ledger");
  }
  Writer self;
  self.kind = Writer::Kind::kCheckpoint;
  self.force = force;
  Commit(self);
  if (!self.status.ok()) return self.status;
  return self.signed_count;
}

absl::StatusOr<uint32_t> Ledger::RotatePayloadKey(
    absl::string_view tenant,
    absl::FunctionRef<EntryDraft(uint32_t version)> record) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  return keyring_->RotateRecorded(
      tenant, [&](const PayloadKeyring::NewVersion& key) {
        std::vector<EntryDraft> drafts = {record(key.version)};
        if (drafts[0].tenant != tenant) {
          return absl::InvalidArgumentError(
              "a key rotation is recorded on its tenant's own chain");
        }
        Writer self;
        self.kind = Writer::Kind::kRotateKey;
        self.tenant = std::string(tenant);
        self.drafts = &drafts;
        self.new_key = &key;
        Commit(self);
        return self.status;
      });
}

absl::StatusOr<PruneResult> Ledger::Prune(absl::string_view tenant,
                                          absl::Time cutoff) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  if (options_.clock == nullptr) {
    return absl::FailedPreconditionError("pruning needs a clock");
  }
  uint64_t from = 0, head = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = states_.find(tenant);
    if (it == states_.end() || it->second.sequence == 0) {
      return absl::NotFoundError(
          absl::StrCat("tenant ", tenant, " has no ledger"));
    }
    if (!it->second.refusal.empty()) {
      return absl::FailedPreconditionError(it->second.refusal);
    }
    from = it->second.pruned_through + 1;
    head = it->second.sequence;
  }
  // Entries never change, so the range can be found outside the queue.
  uint64_t through = from - 1;
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(
      store_->Scan(EntryKey(tenant, from), EntryKey(tenant, head + 1), false,
                   [&](absl::string_view, absl::string_view value) {
                     auto entry = DecodeStoredEntry(value);
                     if (!entry.ok()) {
                       problem = entry.status();
                       return false;
                     }
                     if (entry->time >= cutoff) return false;
                     through = entry->sequence;
                     return true;
                   }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  if (through < from) return PruneResult{from - 1, 0};
  std::vector<EntryDraft> drafts = {LedgerRecord(std::string(tenant),
                                                 ledger_internal::kPrunedKind,
                                                 options_.clock->Now())};
  Writer self;
  self.kind = Writer::Kind::kPrune;
  self.tenant = std::string(tenant);
  self.drafts = &drafts;
  self.prune_through = through;
  self.cutoff = cutoff;
  Commit(self);
  if (!self.status.ok()) return self.status;
  return PruneResult{through, through - from + 1};
}

absl::Status Ledger::DeleteTenant(absl::string_view tenant) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  // No state snapshot may be written between the deletion and the purge.
  absl::MutexLock snapshots(&snapshot_mu_);
  if (options_.clock == nullptr) {
    return absl::FailedPreconditionError("deleting a tenant needs a clock");
  }
  std::vector<EntryDraft> drafts = {
      LedgerRecord(kLedgerChain, ledger_internal::kTenantDeletedKind,
                   options_.clock->Now())};
  Writer self;
  self.kind = Writer::Kind::kDelete;
  self.tenant = std::string(tenant);
  self.drafts = &drafts;
  Commit(self);
  if (!self.status.ok()) return self.status;
  if (options_.checkpoint_files != nullptr) {
    // The deletion is recorded: the tenant's kept checkpoint would only
    // make its next chain look rolled back.
    PORTCULLIS_RETURN_IF_ERROR(options_.checkpoint_files->Remove(tenant));
  }
  keyring_->Forget(tenant);
  for (char tag : ledger_internal::kAllTenantTags) {
    std::string prefix = TenantPrefix(tag, tenant);
    PORTCULLIS_RETURN_IF_ERROR(store_->Purge(prefix, PrefixEnd(prefix)));
  }
  return absl::OkStatus();
}

}  // namespace portcullis::ledger
