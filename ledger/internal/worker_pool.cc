#include "ledger/internal/worker_pool.h"

#include <utility>

#include "base/thread_name.h"

namespace portcullis::ledger::ledger_internal {

struct WorkerPool::Loop {
  Loop(size_t parts, absl::FunctionRef<void(size_t)> fn)
      : parts(parts), fn(fn) {}
  const size_t parts;
  const absl::FunctionRef<void(size_t)> fn;
  size_t next = 0;  // the next unclaimed part; guarded by the pool's mu_
  size_t done = 0;  // parts whose call returned; guarded by the pool's mu_
};

WorkerPool::WorkerPool(size_t workers, std::string name) {
  threads_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) {
    threads_.emplace_back([this, name] {
      SetCurrentThreadName(name);
      Work();
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool WorkerPool::Claim(Loop*& loop, size_t& part) {
  while (!loops_.empty()) {
    Loop* front = loops_.front();
    if (front->next < front->parts) {
      loop = front;
      part = front->next++;
      if (front->next == front->parts) loops_.pop_front();
      return true;
    }
    loops_.pop_front();
  }
  return false;
}

void WorkerPool::Work() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    mu_.Await(absl::Condition(
        +[](WorkerPool* pool) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return pool->stopping_ || !pool->loops_.empty();
        },
        this));
    Loop* loop = nullptr;
    size_t part = 0;
    if (!Claim(loop, part)) {
      if (stopping_) return;
      continue;
    }
    mu_.Unlock();
    loop->fn(part);
    mu_.Lock();
    ++loop->done;  // the caller waits for this under mu_
  }
}

void WorkerPool::ParallelFor(size_t parts, absl::FunctionRef<void(size_t)> fn) {
  if (parts == 0) return;
  if (threads_.empty() || parts == 1) {
    for (size_t part = 0; part < parts; ++part) fn(part);
    return;
  }
  Loop loop(parts, fn);
  absl::MutexLock lock(&mu_);
  loops_.push_back(&loop);
  // Work on this loop until every part is claimed, then wait for the calls
  // that workers are still making.
  while (loop.next < loop.parts) {
    size_t part = loop.next++;
    if (loop.next == loop.parts) {
      for (auto it = loops_.begin(); it != loops_.end(); ++it) {
        if (*it == &loop) {
          loops_.erase(it);
          break;
        }
      }
    }
    mu_.Unlock();
    fn(part);
    mu_.Lock();
    ++loop.done;
  }
  mu_.Await(absl::Condition(
      +[](Loop* l) { return l->done == l->parts; }, &loop));
}

}  // namespace portcullis::ledger::ledger_internal
