// The Ledger's commit path: the writer in front of the queue leads a
// group (seals, chains and signs it, writes it in one batch, settles the
// chain states and hands on the lead), and the commit thread leads for
// and answers asynchronous callers (but for one that leads its own group
// in place). The calls that queue writers are in ledger.cc.
#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/status_macros.h"
#include "base/thread_cpu_time.h"
#include "base/thread_name.h"
#include "ledger/checkpoint.h"
#include "ledger/internal/keys.h"
#include "ledger/internal/ledger_records.h"
#include "ledger/internal/ledger_writer.h"
#include "ledger/internal/worker_pool.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/sealed_payload.h"

namespace portcullis::ledger {

using ledger_internal::ChainState;
using ledger_internal::EntryKey;
using ledger_internal::HeadKey;
using ledger_internal::PayloadKey;
using ledger_internal::PrefixEnd;
using ledger_internal::TenantPrefix;

namespace {

// The ledger whose callbacks this thread is running (Complete), if any.
thread_local const Ledger* answering_for = nullptr;

size_t WriterBytes(const std::vector<EntryDraft>* drafts) {
  size_t n = 256;
  if (drafts == nullptr) return n;
  for (const EntryDraft& d : *drafts) n += d.payload.size() + 256;
  return n;
}

// The sequence the next entry of `tenant` takes: one past the last that
// `last` gave it or, the first time, past its chain's in `states`.
template <typename Last, typename States>
uint64_t NextSequence(Last& last, const States& states,
                      const std::string& tenant) {
  auto [it, added] = last.try_emplace(tenant, 0);
  if (added) {
    auto state = states.find(tenant);
    if (state != states.end()) it->second = state->second.sequence;
  }
  return ++it->second;
}

}  // namespace

struct Ledger::Committed {
  std::vector<std::unique_ptr<Writer>> finished;  // asynchronous writers
  std::vector<SignedNote> notes;                  // durable checkpoints
};

bool Ledger::AsyncInFront() const {
  // Not one leading in place: the commit thread may find it in front when
  // it comes back from answering, and two leaders would write at once.
  return !writers_.empty() && writers_.front()->async &&
         !writers_.front()->in_place;
}

void Ledger::CommitLoop() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    while (!stopping_ && !AsyncInFront()) committer_cv_.Wait(&mu_);
    if (!AsyncInFront()) return;  // stopping, and nothing of ours is queued
    Committed committed = CommitGroup();
    mu_.Unlock();
    const auto answering = std::chrono::steady_clock::now();
    const absl::Duration answering_cpu = ThreadCpuTime();
    Answer(std::move(committed));
    stat_serial_ns_.fetch_add(
        absl::ToInt64Nanoseconds(
            absl::FromChrono(std::chrono::steady_clock::now() - answering)),
        std::memory_order_relaxed);
    stat_serial_cpu_ns_.fetch_add(
        absl::ToInt64Nanoseconds(ThreadCpuTime() - answering_cpu),
        std::memory_order_relaxed);
    mu_.Lock();
  }
}

void Ledger::CommitAsync(std::unique_ptr<Writer> w) {
  // A callback's append queues: it never blocks the thread answering, and
  // leaves the sealing to the leader.
  const bool answering = Answering();
  const bool may_lead = options_.lead_in_place && !answering;
  // Copied before the lock, in case this caller queues behind a group.
  std::shared_ptr<CallerSeal> seal = answering ? nullptr : CallerSealFor(*w);
  bool sealing = false;
  Committed committed;
  {
    absl::MutexLock lock(&mu_);
    if (may_lead && writers_.empty()) {
      // Nothing is being built or written and nobody waits: this caller
      // leads, as Append does, rather than wake the commit thread and wait
      // for it to hand the answer back. Whoever queues meanwhile is handed
      // the lead when this group is written (the commit thread, started by
      // the first writer that queues for it).
      w->in_place = true;
      Enqueue(w.release());
      committed = CommitGroup();
    } else {
      if (!committer_.joinable()) {
        committer_ = std::thread([this] {
          SetCurrentThreadName("gate-commit");
          CommitLoop();
        });
      }
      // With nobody ahead the commit thread takes it at once: nothing to
      // seal while it waits.
      sealing = seal != nullptr && !writers_.empty();
      if (sealing) {
        w->caller_seal = seal;
        callers_sealing_.fetch_add(1, std::memory_order_relaxed);
      }
      Enqueue(w.release());
      if (writers_.size() == 1) committer_cv_.Signal();
    }
  }
  if (sealing) {
    // The writer is the leader's from here on, and may be written and
    // answered before this is done.
    SealForLeader(*seal);
    callers_sealing_.fetch_sub(1, std::memory_order_release);
    callers_sealing_.notify_all();
    return;
  }
  if (committed.finished.empty()) return;  // queued
  // Counted before the answer, so that a caller that has it sees it.
  stat_led_in_place_.fetch_add(1, std::memory_order_relaxed);
  Complete(std::move(committed));  // one writer: the caller's, answered here
}

std::shared_ptr<Ledger::CallerSeal> Ledger::CallerSealFor(
    const Writer& w) const {
  if (!options_.seal_by_callers || !keyring_->can_seal() ||
      w.kind != Writer::Kind::kAppend || w.drafts == nullptr) {
    return nullptr;
  }
  auto seal = std::make_shared<CallerSeal>();
  const std::vector<EntryDraft>& drafts = *w.drafts;
  seal->drafts = drafts.size();
  for (size_t i = 0; i < drafts.size(); ++i) {
    if (w.key_versions[i] == 0) continue;  // framed unsealed
    seal->jobs.push_back(
        {i, 0, w.key_versions[i], drafts[i].tenant, drafts[i].payload});
  }
  if (seal->jobs.empty()) return nullptr;
  return seal;
}

void Ledger::SealForLeader(CallerSeal& seal) const {
  {
    absl::MutexLock lock(&seal.mu);
    if (seal.taken) return;
  }
  std::vector<Writer::SealedAhead> sealed(seal.drafts);
  for (const CallerSeal::Job& job : seal.jobs) {
    auto stored =
        keyring_->Seal(job.tenant, job.key_version, job.sequence, job.payload);
    if (!stored.ok()) return;  // the leader seals it again and says why
    Writer::SealedAhead& slot = sealed[job.draft];
    slot.digest = PayloadDigest(*stored);
    slot.stored = *std::move(stored);
    slot.sequence = job.sequence;
    slot.by_caller = true;
  }
  absl::MutexLock lock(&seal.mu);
  if (!seal.taken) seal.sealed = std::move(sealed);
}

void Ledger::Enqueue(Writer* w) {
  writers_.push_back(w);
  if (options_.seal_by_callers && keyring_->can_seal()) {
    PredictSequences(*w, queued_tail_, w->caller_seal.get());
  }
}

void Ledger::PredictSequences(const Writer& w, QueuedTail& tail,
                              CallerSeal* seal) {
  if (w.drafts == nullptr) return;
  const std::vector<EntryDraft>& drafts = *w.drafts;
  size_t job = 0;  // seal->jobs are in draft order
  for (size_t i = 0; i < drafts.size(); ++i) {
    const uint64_t sequence = NextSequence(tail, states_, drafts[i].tenant);
    if (seal != nullptr && job < seal->jobs.size() &&
        seal->jobs[job].draft == i) {
      seal->jobs[job++].sequence = sequence;
    }
  }
  if (w.kind == Writer::Kind::kDelete) tail[w.tenant] = 0;
}

void Ledger::RepredictQueue() {
  queued_tail_.clear();
  if (!options_.seal_by_callers || !keyring_->can_seal()) return;
  for (const Writer* w : writers_) PredictSequences(*w, queued_tail_, nullptr);
}

void Ledger::Complete(Committed committed) {
  // After the states are published, so a listener that reads the chain
  // (the snapshotter writing a snapshot at `size`) finds it there.
  TellCheckpointed(committed.notes);
  // An AppendAsync from a callback queues: it never blocks the thread
  // answering for a write of its own, nor nests in-place leads.
  const Ledger* const outer = answering_for;
  answering_for = this;
  for (std::unique_ptr<Writer>& w : committed.finished) {
    if (w->status.ok()) {
      std::move(w->on_done)(std::move(w->appended));
    } else {
      std::move(w->on_done)(w->status);
    }
  }
  answering_for = outer;
}

bool Ledger::Answering() const { return answering_for == this; }

void Ledger::Commit(Writer& self) {
  Committed committed;
  {
    absl::MutexLock lock(&mu_);
    Enqueue(&self);
    while (!self.done && &self != writers_.front()) self.cv.Wait(&mu_);
    if (self.done) return;
    committed = CommitGroup();
  }
  Answer(std::move(committed));
}

void Ledger::Answer(Committed committed) {
  if (answerers_ != nullptr && committed.finished.size() >= 2) {
    // Shared so that a full queue, which destroys the work unrun, leaves
    // the group here to answer.
    auto group = std::make_shared<Committed>(std::move(committed));
    // Counted before the answers go out, so that a writer who has its
    // answer sees it counted.
    if (answerers_->Run([this, group] {
          stat_answered_aside_.fetch_add(1, std::memory_order_relaxed);
          Complete(std::move(*group));
        })) {
      return;
    }
    committed = std::move(*group);
  }
  Complete(std::move(committed));
}

Ledger::Committed Ledger::CommitGroup() {
  // The writer in front leads (itself, or the commit thread for an
  // asynchronous one): take the queue (up to the byte budget; a deletion
  // goes alone), copy the states it touches, and build and write the batch
  // outside the lock. Only the leader changes states_, so the copies stay
  // current while the lock is released.
  const auto lead_start = std::chrono::steady_clock::now();
  const absl::Duration lead_start_cpu = ThreadCpuTime();
  std::vector<Writer*> group;
  size_t recorded_past_deadline = 0;
  size_t bytes = 0;
  bool every_tenant = false;
  for (Writer* w : writers_) {
    if (w->kind == Writer::Kind::kResume) break;
    // A caller that gave up while queued is answered with the group and
    // never written (BuildGroup skips it).
    const bool past_deadline = w->abandoned && w->status.ok() && w->abandoned();
    if (past_deadline &&
        (group.empty() || group.front()->kind != Writer::Kind::kDelete)) {
      w->status = absl::DeadlineExceededError(
          "the caller's deadline passed before this could be recorded; "
          "nothing was recorded");
      group.push_back(w);
      continue;
    }
    // A deletion and a key rotation each go alone.
    auto alone = [](const Writer* w) {
      return w->kind == Writer::Kind::kDelete ||
             w->kind == Writer::Kind::kRotateKey;
    };
    if (!group.empty() &&
        (alone(w) || alone(group.front()) ||
         bytes + WriterBytes(w->drafts) > options_.max_group_bytes)) {
      break;
    }
    bytes += WriterBytes(w->drafts);
    group.push_back(w);
    // Written although its caller had given up: 0 by construction (see
    // above), counted as evidence (portcullis_decisions_after_deadline_total).
    if (past_deadline) ++recorded_past_deadline;
    every_tenant |= w->kind == Writer::Kind::kCheckpoint;
  }
  States states;
  auto take = [&](const std::string& tenant) {
    mu_.AssertHeld();  // called below, with the lock held
    if (states.contains(tenant)) return;
    auto it = states_.find(tenant);
    if (it != states_.end()) states.emplace(tenant, it->second);
  };
  for (Writer* w : group) {
    if (!w->tenant.empty()) take(w->tenant);
    if (w->drafts != nullptr) {
      for (const EntryDraft& d : *w->drafts) take(d.tenant);
    }
  }
  if (every_tenant) {
    for (const auto& [tenant, state] : states_) take(tenant);
  }

  mu_.Unlock();
  // What their callers sealed while they waited is the leader's now.
  for (Writer* w : group) {
    if (w->caller_seal == nullptr) continue;
    absl::MutexLock lock(&w->caller_seal->mu);
    w->caller_seal->taken = true;
    w->sealed_ahead = std::move(w->caller_seal->sealed);
  }
  WriteBatch batch;
  std::vector<SignedNote> notes;
  BuildGroup(group, states, batch, notes);
  absl::Status status = absl::OkStatus();
  const auto write_start = std::chrono::steady_clock::now();
  const absl::Duration write_start_cpu = ThreadCpuTime();
  if (!batch.empty()) status = store_->Write(batch, options_.sync);
  if (status.ok()) KeepOutside(notes);
  if (!batch.empty()) write_failing_ = absl::IsUnavailable(status);
  const auto written = std::chrono::steady_clock::now();
  const absl::Duration written_cpu = ThreadCpuTime();
  if (options_.observer != nullptr && !batch.empty()) {
    size_t entries = 0;
    for (const Writer* w : group) entries += w->drafts ? w->drafts->size() : 0;
    options_.observer->OnGroupWritten(absl::FromChrono(written - write_start),
                                      entries);
    if (status.ok() && recorded_past_deadline > 0) {
      options_.observer->OnRecordedPastDeadline(recorded_past_deadline);
    }
  }
  mu_.Lock();

  if (status.ok()) {
    for (auto& [tenant, state] : states) {
      ledger_internal::ChainState& current = states_[tenant];
      const bool advanced = state.sequence != current.sequence;
      current = std::move(state);
      if (advanced && options_.observer != nullptr) {
        options_.observer->OnAdvanced(tenant, current.sequence);
      }
    }
    for (Writer* w : group) {
      if (w->kind == Writer::Kind::kDelete && w->status.ok()) {
        states_.erase(w->tenant);
      }
    }
  } else {
    status = absl::UnavailableError(
        absl::StrCat("the ledger could not record this; nothing was done: ",
                     status.message()));
    // The store is the truth: reload what the group touched.
    const crypto::VerifyingKey* key =
        options_.checkpoints.key != nullptr
            ? &options_.checkpoints.key->verifying_key()
            : nullptr;
    for (const auto& [tenant, state] : states) {
      auto reloaded = ledger_internal::LoadChainState(*store_, tenant, key);
      if (!reloaded.ok()) {
        status = reloaded.status();
        continue;
      }
      states_[tenant] = *std::move(reloaded);
    }
  }
  Committed committed;
  if (status.ok()) committed.notes = std::move(notes);
  // Whether every writer took the sequences predicted for it as it queued.
  bool as_predicted = status.ok();
  for (Writer* w : group) {
    as_predicted &= w->status.ok() && (w->kind == Writer::Kind::kAppend ||
                                       w->kind == Writer::Kind::kRecord);
    if (!status.ok() && w->status.ok()) {
      w->status = status;
      w->appended.clear();
    }
    w->done = true;
    if (options_.observer != nullptr && w->kind == Writer::Kind::kAppend) {
      options_.observer->OnAppended(absl::FromChrono(written - w->called_at));
    }
    writers_.pop_front();
    if (w->async) {
      committed.finished.emplace_back(w);
    } else {
      w->cv.Signal();
    }
  }
  if (writers_.empty()) {
    queued_tail_.clear();
  } else if (!as_predicted) {
    RepredictQueue();
  }
  HandOnLead();
  const auto lead_end = std::chrono::steady_clock::now();
  size_t entries = 0;
  for (const Writer* w : group) entries += w->drafts ? w->drafts->size() : 0;
  stat_groups_.fetch_add(1, std::memory_order_relaxed);
  stat_entries_.fetch_add(entries, std::memory_order_relaxed);
  stat_serial_ns_.fetch_add(
      absl::ToInt64Nanoseconds(
          absl::FromChrono((write_start - lead_start) + (lead_end - written))),
      std::memory_order_relaxed);
  stat_serial_cpu_ns_.fetch_add(
      absl::ToInt64Nanoseconds((write_start_cpu - lead_start_cpu) +
                               (ThreadCpuTime() - written_cpu)),
      std::memory_order_relaxed);
  stat_write_ns_.fetch_add(
      absl::ToInt64Nanoseconds(absl::FromChrono(written - write_start)),
      std::memory_order_relaxed);
  return committed;
}

Ledger::CommitStats Ledger::commit_stats() const {
  CommitStats stats;
  stats.groups = stat_groups_.load(std::memory_order_relaxed);
  stats.entries = stat_entries_.load(std::memory_order_relaxed);
  stats.serial =
      absl::Nanoseconds(stat_serial_ns_.load(std::memory_order_relaxed));
  stats.serial_cpu =
      absl::Nanoseconds(stat_serial_cpu_ns_.load(std::memory_order_relaxed));
  stats.sealed_ahead = stat_sealed_ahead_.load(std::memory_order_relaxed);
  stats.sealed_by_callers =
      stat_sealed_by_callers_.load(std::memory_order_relaxed);
  stats.answered_aside = stat_answered_aside_.load(std::memory_order_relaxed);
  stats.led_in_place = stat_led_in_place_.load(std::memory_order_relaxed);
  stats.write =
      absl::Nanoseconds(stat_write_ns_.load(std::memory_order_relaxed));
  return stats;
}

void Ledger::HandOnLead() {
  // To the next blocking caller, or to the commit thread for an
  // asynchronous writer (a no-op when this is the commit thread).
  if (!writers_.empty()) {
    if (writers_.front()->async) {
      committer_cv_.Signal();
    } else {
      writers_.front()->cv.Signal();
    }
  }
}

void Ledger::SealAhead(const std::vector<Writer*>& group, const States& states,
                       crypto::NonceBatch& nonces) {
  if (seal_pool_ == nullptr) return;
  struct Job {
    Writer* w;
    size_t draft;
    uint64_t sequence;
  };
  std::vector<Job> jobs;
  absl::flat_hash_map<absl::string_view, uint64_t> last;  // per tenant
  for (Writer* w : group) {
    if (!w->status.ok() || w->drafts == nullptr) continue;
    if (w->kind == Writer::Kind::kDelete) return;  // goes alone, unsealed
    const std::vector<EntryDraft>& drafts = *w->drafts;
    // A writer with a refused tenant fails whole and takes no sequence.
    const bool refused =
        std::any_of(drafts.begin(), drafts.end(), [&](const EntryDraft& d) {
          auto it = states.find(d.tenant);
          return it != states.end() && !it->second.refusal.empty();
        });
    if (refused) continue;
    for (size_t i = 0; i < drafts.size(); ++i) {
      const uint64_t sequence = NextSequence(last, states, drafts[i].tenant);
      const bool sealed =
          i < w->sealed_ahead.size() && w->sealed_ahead[i].sequence == sequence;
      if (w->kind == Writer::Kind::kAppend && w->key_versions[i] != 0 &&
          !sealed) {
        jobs.push_back({w, i, sequence});
      }
    }
  }
  if (jobs.size() < 2) return;  // nothing to share out
  for (const Job& job : jobs) job.w->sealed_ahead.resize(job.w->drafts->size());
  seal_pool_->ParallelFor(jobs.size(), [&](size_t part) {
    const Job& job = jobs[part];
    const EntryDraft& d = (*job.w->drafts)[job.draft];
    auto stored = keyring_->Seal(d.tenant, job.w->key_versions[job.draft],
                                 job.sequence, d.payload, &nonces);
    if (!stored.ok()) return;  // ChainWriter seals it again and says why
    Writer::SealedAhead& slot = job.w->sealed_ahead[job.draft];
    slot.digest = PayloadDigest(*stored);
    slot.stored = *std::move(stored);
    slot.sequence = job.sequence;
  });
}

void Ledger::BuildGroup(std::vector<Writer*>& group, States& states,
                        WriteBatch& batch, std::vector<SignedNote>& notes) {
  // One draw from the CSPRNG for the group's nonces, not one per payload.
  size_t payloads = 0;
  for (const Writer* w : group) {
    if (w->kind == Writer::Kind::kAppend && w->drafts != nullptr) {
      payloads += w->drafts->size();
    }
  }
  crypto::NonceBatch nonces(payloads);
  SealAhead(group, states, nonces);
  absl::flat_hash_map<std::string, uint64_t> before;
  for (const auto& [tenant, state] : states) before[tenant] = state.sequence;
  for (Writer* w : group) {
    if (!w->status.ok()) continue;  // abandoned (see CommitGroup)
    absl::Status s = ChainWriter(*w, states, batch, nonces);
    if (!s.ok()) w->status = s;
  }
  if (options_.checkpoints.key != nullptr) {
    absl::Time now = options_.clock->Now();
    for (Writer* w : group) {
      int count = 0;
      SignDue(*w, now, states, batch, count, notes);
      w->signed_count = count;
    }
  }
  // Heads only where the chain moved: a timer round with nothing due
  // writes nothing at all.
  for (const auto& [tenant, state] : states) {
    auto it = before.find(tenant);
    if (state.sequence > 0 &&
        (it == before.end() || it->second != state.sequence)) {
      batch.Put(HeadKey(tenant), EncodeHead(state));
    }
  }
}

absl::Status Ledger::ChainWriter(Writer& w, States& states, WriteBatch& batch,
                                 crypto::NonceBatch& nonces) {
  // Everything that can refuse the writer comes first and changes nothing
  // but the writer, so a writer that fails leaves no trace in the group;
  // then its entries are chained straight into `states` and `batch`.
  auto find = [&](const std::string& tenant) -> const ChainState* {
    auto it = states.find(tenant);
    return it == states.end() ? nullptr : &it->second;
  };
  if (w.kind == Writer::Kind::kPrune) {
    const ChainState* state = find(w.tenant);
    if (state != nullptr && !state->refusal.empty()) {
      return absl::FailedPreconditionError(state->refusal);
    }
    const uint64_t pruned = state != nullptr ? state->pruned_through : 0;
    if (w.prune_through <= pruned) return absl::OkStatus();
    (*w.drafts)[0].payload =
        ledger_internal::PruneRecord(pruned + 1, w.prune_through, w.cutoff);
  }
  if (w.kind == Writer::Kind::kDelete) {
    const ChainState* gone = find(w.tenant);
    if (gone == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("tenant ", w.tenant, " has no ledger"));
    }
    (*w.drafts)[0].payload = ledger_internal::TenantDeletedRecord(
        w.tenant, gone->sequence, gone->hash, gone->tree.Root());
  }
  const bool plain_records = w.kind != Writer::Kind::kAppend;
  const size_t n = w.drafts != nullptr ? w.drafts->size() : 0;
  struct Stored {
    uint64_t sequence;
    std::string payload;
    crypto::Digest digest;
  };
  std::vector<Stored> stored(n);
  absl::flat_hash_map<absl::string_view, uint64_t> next;  // n > 1: per tenant
  uint64_t sealed_ahead = 0;
  uint64_t sealed_by_callers = 0;
  for (size_t i = 0; i < n; ++i) {
    const EntryDraft& d = (*w.drafts)[i];
    const ChainState* state = find(d.tenant);
    if (state != nullptr && !state->refusal.empty()) {
      return absl::FailedPreconditionError(state->refusal);
    }
    const uint64_t last = state != nullptr ? state->sequence : 0;
    uint64_t sequence = last + 1;
    if (n > 1) sequence = ++next.try_emplace(d.tenant, last).first->second;
    Stored& out = stored[i];
    out.sequence = sequence;
    if (i < w.sealed_ahead.size() && w.sealed_ahead[i].sequence == sequence) {
      out.payload = std::move(w.sealed_ahead[i].stored);
      out.digest = w.sealed_ahead[i].digest;
      ++(w.sealed_ahead[i].by_caller ? sealed_by_callers : sealed_ahead);
      continue;
    }
    if (w.kind == Writer::Kind::kRotateKey) {
      PORTCULLIS_ASSIGN_OR_RETURN(
          out.payload,
          keyring_->SealWith(*w.new_key, d.tenant, sequence, d.payload));
    } else if (plain_records) {
      out.payload = FramePlainPayload(d.payload);
    } else {
      PORTCULLIS_ASSIGN_OR_RETURN(
          out.payload, keyring_->Seal(d.tenant, w.key_versions[i], sequence,
                                      d.payload, &nonces));
    }
    out.digest = PayloadDigest(out.payload);
  }

  // Nothing below fails.
  stat_sealed_ahead_.fetch_add(sealed_ahead, std::memory_order_relaxed);
  stat_sealed_by_callers_.fetch_add(sealed_by_callers,
                                    std::memory_order_relaxed);
  if (w.kind == Writer::Kind::kPrune) {
    ChainState& state = states[w.tenant];
    batch.DeleteRange(PayloadKey(w.tenant, state.pruned_through + 1),
                      PayloadKey(w.tenant, w.prune_through + 1));
    CanonicalWriter through;
    through.U64(w.prune_through);
    batch.Put(ledger_internal::PrunedKey(w.tenant), through.Release());
    state.pruned_through = w.prune_through;
  }
  if (w.kind == Writer::Kind::kRotateKey) {
    batch.Put(w.new_key->record_key, std::string(w.new_key->record.view()));
  }
  if (w.kind == Writer::Kind::kDelete) {
    for (char tag : ledger_internal::kAllTenantTags) {
      std::string prefix = TenantPrefix(tag, w.tenant);
      batch.DeleteRange(prefix, PrefixEnd(prefix));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const EntryDraft& d = (*w.drafts)[i];
    ChainState& state = states[d.tenant];
    Entry e;
    if (!options_.replica.empty()) {
      e.version = kEntryVersion3;
      e.replica = options_.replica;
    }
    e.sequence = stored[i].sequence;
    e.time = d.time;
    e.tenant = d.tenant;
    e.kind = d.kind;
    e.request_id = d.request_id;
    e.correlation_id = d.correlation_id;
    e.decision_id = d.decision_id;
    e.action_digest = d.action_digest;
    e.payload_digest = stored[i].digest;
    e.previous_hash = state.hash;
    e.hash = ComputeEntryHash(e);
    state.sequence = e.sequence;
    state.hash = e.hash;
    state.tree.Append(MerkleLeafHash(e.hash), [&](int level, uint64_t index,
                                                  const crypto::Digest& h) {
      if (level < ledger_internal::kFirstStoredMerkleLevel) return;
      batch.Put(ledger_internal::MerkleNodeKey(e.tenant, level, index),
                std::string(crypto::AsBytes(h)));
    });
    batch.Put(EntryKey(e.tenant, e.sequence), EncodeStoredEntry(e));
    batch.Put(PayloadKey(e.tenant, e.sequence), std::move(stored[i].payload));
    if (d.index_latest) {
      CanonicalWriter latest;
      latest.U64(e.sequence);
      batch.Put(ledger_internal::LatestKey(e.tenant, e.kind), latest.Release());
    }
    if (!e.decision_id.empty()) {
      batch.Put(
          ledger_internal::DecisionKey(e.tenant, e.decision_id, e.sequence),
          "");
    }
    w.appended.push_back({e.sequence, e.hash});
  }
  if (w.kind == Writer::Kind::kDelete) states.erase(w.tenant);
  return absl::OkStatus();
}

void Ledger::SignDue(const Writer& w, absl::Time now, States& states,
                     WriteBatch& batch, int& signed_count,
                     std::vector<SignedNote>& notes) {
  const CheckpointOptions& policy = options_.checkpoints;
  bool timer = w.kind == Writer::Kind::kCheckpoint;
  for (auto& [tenant, state] : states) {
    if (!state.refusal.empty() || state.sequence <= state.checkpoint_size) {
      continue;
    }
    bool due = state.sequence - state.checkpoint_size >= policy.every_entries ||
               (timer && (w.force || now - state.checkpoint_time >=
                                         policy.every_interval));
    if (!due) continue;
    Checkpoint c;
    c.tenant = tenant;
    c.size = state.sequence;
    c.root = state.tree.Root();
    c.head = state.hash;
    c.time = now;
    c.replica = options_.replica;
    std::string note = SignCheckpoint(c, *policy.key);
    notes.push_back({tenant, c.size,
                     options_.checkpoint_files != nullptr && options_.sync
                         ? note
                         : std::string()});
    batch.Put(ledger_internal::CheckpointKey(tenant, c.size), std::move(note));
    state.checkpoint_size = c.size;
    state.checkpoint_time = now;
    ++signed_count;
  }
}

}  // namespace portcullis::ledger
