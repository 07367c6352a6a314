// StateSnapshotter keeps each tenant's projection (gate/state_snapshot.h)
// current and stores it as a snapshot with the ledger's checkpoints, so
// that the next start-up replays only the entries after the latest one.
//
// The ledger tells it of every durable checkpoint (CheckpointListener);
// every `every_checkpoints`-th one of a tenant is queued, and a thread of
// its own folds the entries up to the checkpoint (reading them back from
// the ledger), trims what has left the windows, and writes the snapshot.
// The commit path only queues. A snapshot that cannot be written is
// skipped (the previous one stays; start-up replays more) and reported to
// `on_failed`.
//
// Thread-safe.
#ifndef PORTCULLIS_GATE_INTERNAL_STATE_SNAPSHOTTER_H_
#define PORTCULLIS_GATE_INTERNAL_STATE_SNAPSHOTTER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "gate/records.h"
#include "gate/state_snapshot.h"
#include "ledger/ledger.h"

namespace portcullis::gate {

class StateSnapshotter final : public ledger::CheckpointListener {
 public:
  // Told of a snapshot the thread could not write, on that thread.
  using FailureHook =
      std::function<void(const std::string& tenant, const absl::Status&)>;

  // Every reference must outlive the snapshotter. `on_failed` may be empty.
  StateSnapshotter(const Clock& clock, ledger::Ledger& ledger,
                   const RecordCodec& codec, RecoveryWindows windows,
                   int every_checkpoints, FailureHook on_failed = nullptr);
  ~StateSnapshotter() override;

  // Starts from the projections recovery built (at each tenant's head),
  // listens to the ledger and starts the thread. Call once.
  void Start(absl::flat_hash_map<std::string, TenantProjection> projections)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Stops listening, writes what is queued, and joins the thread.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  void OnCheckpointed(const std::string& tenant, uint64_t size) override
      ABSL_LOCKS_EXCLUDED(mu_);

  // Folds `tenant` up to `through` and writes its snapshot now, on the
  // calling thread (tests, benchmarks).
  absl::Status WriteSnapshot(const std::string& tenant, uint64_t through)
      ABSL_LOCKS_EXCLUDED(work_mu_);

  // Snapshots written, and snapshots the thread failed to write, so far.
  uint64_t written() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t failed() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  const Clock& clock_;
  ledger::Ledger& ledger_;
  const RecordCodec& codec_;
  const RecoveryWindows windows_;
  const int every_;
  const FailureHook on_failed_;

  mutable absl::Mutex mu_;
  std::deque<std::pair<std::string, uint64_t>> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> checkpoints_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;

  // Held while folding and writing.
  absl::Mutex work_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::flat_hash_map<std::string, TenantProjection> projections_
      ABSL_GUARDED_BY(work_mu_);
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_STATE_SNAPSHOTTER_H_
