// WorkThreads runs queued work on a fixed set of named threads, in the
// order it was queued, behind a bounded queue: the server runs the gate
// calls that block on the ledger or on a tool (Approve, Execute,
// ReportOutcome) on them, off gRPC's callback threads, and the ledger
// answers asynchronous appenders on them, off the commit thread. A burst
// holds a bounded number of threads and a bounded amount of memory.
// Thread-safe.
#ifndef PORTCULLIS_BASE_WORK_THREADS_H_
#define PORTCULLIS_BASE_WORK_THREADS_H_

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace portcullis {

class WorkThreads {
 public:
  using Work = absl::AnyInvocable<void() &&>;

  // Starts `threads` threads (at least one) named `name`; at most
  // `max_queued` works wait for one.
  WorkThreads(int threads, size_t max_queued, std::string name);
  // Runs every queued work, then joins the threads.
  ~WorkThreads();

  WorkThreads(const WorkThreads&) = delete;
  WorkThreads& operator=(const WorkThreads&) = delete;

  // Queues `work` to run on a thread. False when the queue is full: `work`
  // is then destroyed without running, and the caller answers for it.
  bool Run(Work work) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<Work> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace portcullis

#endif  // PORTCULLIS_BASE_WORK_THREADS_H_
