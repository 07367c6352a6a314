#include "gate/internal/state_snapshotter.h"

#include <utility>

#include "base/status_macros.h"
#include "base/thread_name.h"
#include "gate/internal/recovery.h"

namespace portcullis::gate {

StateSnapshotter::StateSnapshotter(const Clock& clock, ledger::Ledger& ledger,
                                   const RecordCodec& codec,
                                   RecoveryWindows windows,
                                   int every_checkpoints, FailureHook on_failed)
    : clock_(clock),
      ledger_(ledger),
      codec_(codec),
      windows_(windows),
      every_(every_checkpoints < 1 ? 1 : every_checkpoints),
      on_failed_(std::move(on_failed)) {}

StateSnapshotter::~StateSnapshotter() { Stop(); }

void StateSnapshotter::Start(
    absl::flat_hash_map<std::string, TenantProjection> projections) {
  {
    absl::MutexLock work(&work_mu_);
    projections_ = std::move(projections);
  }
  {
    absl::MutexLock lock(&mu_);
    if (started_) return;
    started_ = true;
  }
  thread_ = std::thread([this] {
    SetCurrentThreadName("gate-snapshot");
    Loop();
  });
  ledger_.SetCheckpointListener(this);
}

void StateSnapshotter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopping_) return;
  }
  // No call of ours runs once this returns.
  ledger_.SetCheckpointListener(nullptr);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void StateSnapshotter::OnCheckpointed(const std::string& tenant,
                                      uint64_t size) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  uint64_t& count = checkpoints_[tenant];
  if (++count % every_ != 0) return;
  // A tenant queued already gets folded up to the newer checkpoint.
  for (auto& [queued, through] : queue_) {
    if (queued == tenant) {
      through = std::max(through, size);
      return;
    }
  }
  queue_.emplace_back(tenant, size);
}

void StateSnapshotter::Loop() {
  for (;;) {
    std::pair<std::string, uint64_t> job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and everything is written
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    // Best effort: the previous snapshot stays when this one fails.
    absl::Status status = WriteSnapshot(job.first, job.second);
    if (status.ok()) continue;
    {
      absl::MutexLock lock(&mu_);
      ++failed_;
    }
    if (on_failed_) on_failed_(job.first, status);
  }
}

absl::Status StateSnapshotter::WriteSnapshot(const std::string& tenant,
                                             uint64_t through) {
  absl::MutexLock work(&work_mu_);
  const absl::Time now = clock_.Now();
  auto it = projections_.find(tenant);
  if (it == projections_.end()) {
    // A tenant created since start: its chain began after recovery, so
    // folding it from its first entry is a full replay.
    it = projections_.emplace(tenant, TenantProjection(0)).first;
  }
  TenantProjection& projection = it->second;
  if (projection.pruned_through() != ledger_.PrunedThrough(tenant) ||
      (projection.sequence() > 0 &&
       EntryHash(ledger_, tenant, projection.sequence()) !=
           projection.hash())) {
    // Retention removed payloads the projection was built from, or the
    // chain is not the one it was built from (a deleted tenant's name
    // reused).
    PORTCULLIS_ASSIGN_OR_RETURN(
        projection, ProjectFully(ledger_, codec_, tenant, now, windows_));
  }
  if (through > projection.sequence()) {
    absl::Status folded =
        FoldTail(ledger_, codec_, tenant, through, projection);
    if (!folded.ok()) {
      projections_.erase(tenant);  // rebuilt from the ledger next time
      return folded;
    }
  }
  PORTCULLIS_RETURN_IF_ERROR(
      projection.Trim(now, windows_, &ledger_, codec_, tenant));
  if (projection.sequence() == 0) return absl::OkStatus();
  PORTCULLIS_ASSIGN_OR_RETURN(
      std::string bytes,
      codec_.EncodeSnapshot(projection.ToSnapshot(tenant, now, windows_)));
  absl::Status put =
      ledger_.PutStateSnapshot(tenant, projection.sequence(), bytes);
  if (absl::IsNotFound(put)) projections_.erase(tenant);  // deleted
  PORTCULLIS_RETURN_IF_ERROR(put);
  absl::MutexLock lock(&mu_);
  ++written_;
  return absl::OkStatus();
}

uint64_t StateSnapshotter::written() const {
  absl::MutexLock lock(&mu_);
  return written_;
}

uint64_t StateSnapshotter::failed() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

}  // namespace portcullis::gate
