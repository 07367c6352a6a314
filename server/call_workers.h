// CallWorkers runs the gate calls that block on the ledger or on a tool
// (Approve, Execute, ReportOutcome) off gRPC's callback threads: a fixed
// set of threads behind a bounded queue, so a burst of such calls holds a
// bounded number of threads and a bounded amount of memory. Thread-safe.
#ifndef PORTCULLIS_SERVER_CALL_WORKERS_H_
#define PORTCULLIS_SERVER_CALL_WORKERS_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace portcullis::server {

class CallWorkers {
 public:
  using Work = absl::AnyInvocable<void() &&>;

  // Starts `threads` threads (at least one); at most `max_queued` works
  // wait for one.
  CallWorkers(int threads, size_t max_queued);
  // Runs every queued work, then joins the threads.
  ~CallWorkers();

  CallWorkers(const CallWorkers&) = delete;
  CallWorkers& operator=(const CallWorkers&) = delete;

  // Queues `work` to run on a worker. False when the queue is full: `work`
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

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_CALL_WORKERS_H_
