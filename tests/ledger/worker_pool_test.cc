#include "ledger/internal/worker_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/thread_name.h"

namespace portcullis::ledger::ledger_internal {
namespace {

TEST_CASE("a worker pool calls every part exactly once", "[worker_pool]") {
  for (size_t workers : {0, 1, 3}) {
    INFO(workers << " workers");
    WorkerPool pool(workers, "test-pool");
    for (size_t parts : {0, 1, 2, 7, 100}) {
      std::vector<std::atomic<int>> calls(parts);
      pool.ParallelFor(parts, [&](size_t part) { ++calls[part]; });
      for (size_t i = 0; i < parts; ++i) CHECK(calls[i].load() == 1);
    }
  }
}

TEST_CASE("several threads can share a worker pool", "[worker_pool]") {
  // The verifier's walkers each run their own loops on one pool.
  WorkerPool pool(2, "test-pool");
  std::atomic<int> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        std::atomic<int> mine{0};
        pool.ParallelFor(16, [&](size_t) {
          ++mine;
          ++total;
        });
        // ParallelFor returns only once all of its own parts have run.
        CHECK(mine.load() == 16);
      }
    });
  }
  for (std::thread& t : callers) t.join();
  CHECK(total.load() == 4 * 50 * 16);
}

TEST_CASE("a worker pool's threads carry its name", "[worker_pool]") {
  WorkerPool pool(2, "gate-verify");
  absl::Mutex mu;
  std::set<std::string> names;
  bool worker_seen = false;
  absl::Notification worker_ran;
  // The caller takes parts too, under its own name. Its first part waits
  // until a worker has run one, so the workers must take some, however
  // the threads are scheduled on a loaded machine.
  SetCurrentThreadName("test-caller");
  pool.ParallelFor(64, [&](size_t) {
    const std::string name = CurrentThreadName();
    bool first_worker = false;
    {
      absl::MutexLock lock(&mu);
      names.insert(name);
      if (name == "gate-verify" && !worker_seen) {
        worker_seen = first_worker = true;
      }
    }
    if (first_worker) worker_ran.Notify();
    if (name != "gate-verify") {
      worker_ran.WaitForNotificationWithTimeout(absl::Seconds(30));
    }
  });
  CHECK(names.count("gate-verify") == 1);
  CHECK(names.count("test-caller") == 1);
}

}  // namespace
}  // namespace portcullis::ledger::ledger_internal
