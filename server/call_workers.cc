#include "server/call_workers.h"

#include <algorithm>
#include <utility>

#include "base/thread_name.h"

namespace portcullis::server {

CallWorkers::CallWorkers(int threads, size_t max_queued)
    : max_queued_(max_queued) {
  threads = std::max(threads, 1);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      SetCurrentThreadName("gate-call");
      Loop();
    });
  }
}

CallWorkers::~CallWorkers() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool CallWorkers::Run(Work work) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= max_queued_) return false;
  queue_.push_back(std::move(work));
  return true;
}

void CallWorkers::Loop() {
  for (;;) {
    Work work;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(work)();
  }
}

}  // namespace portcullis::server
