// Internal to ledger/: a fixed set of threads that help their callers run
// a loop in parallel, for the verifier's CPU-bound hashing.
//
// Several threads may call ParallelFor at once (the verifier checks
// tenants side by side and each walk hashes its chunks in parallel); every
// caller works on its own loop too, so a pool of zero workers runs each
// loop on its caller and a busy pool never stalls one.
#ifndef PORTCULLIS_LEDGER_INTERNAL_WORKER_POOL_H_
#define PORTCULLIS_LEDGER_INTERNAL_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace portcullis::ledger::ledger_internal {

class WorkerPool {
 public:
  // Starts `workers` threads named `name`.
  WorkerPool(size_t workers, std::string name);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  // Waits for the workers; no ParallelFor may be running.
  ~WorkerPool();

  // Calls fn(part) once for every part in [0, parts), on the caller and any
  // idle workers, and returns when every call has returned.
  void ParallelFor(size_t parts, absl::FunctionRef<void(size_t)> fn);

  size_t workers() const { return threads_.size(); }

 private:
  struct Loop;

  // Takes the next part of the oldest loop that has one; false once
  // stopping with nothing left.
  bool Claim(Loop*& loop, size_t& part) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Work();

  absl::Mutex mu_;
  std::deque<Loop*> loops_ ABSL_GUARDED_BY(mu_);  // with parts unclaimed
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace portcullis::ledger::ledger_internal

#endif  // PORTCULLIS_LEDGER_INTERNAL_WORKER_POOL_H_
