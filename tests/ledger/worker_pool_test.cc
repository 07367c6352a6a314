#include "ledger/internal/worker_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
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
  // Enough parts that the workers take some; the caller's own name is not
  // the pool's.
  SetCurrentThreadName("test-caller");
  for (int round = 0; round < 200 && names.size() < 2; ++round) {
    pool.ParallelFor(64, [&](size_t) {
      absl::MutexLock lock(&mu);
      names.insert(CurrentThreadName());
    });
  }
  CHECK(names.count("gate-verify") == 1);
  CHECK(names.count("test-caller") == 1);
}

}  // namespace
}  // namespace portcullis::ledger::ledger_internal
