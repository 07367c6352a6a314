// Checks absl_tsan_shim.cc under ThreadSanitizer (tests/sanitizers/run.sh
// tsan runs each group on its own; none is registered with ctest):
//
//   [tsan_clean]  plain data handed between threads by every Abseil
//                 primitive Portcullis uses: no report with the shim. Built
//                 without the shim (tsan_noshim_test), the same cases are
//                 reported, which is the problem the shim solves.
//   [tsan_race]   real races, one per case: each must still be reported
//                 with the shim linked in (run.sh expects a report).
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

constexpr int kRounds = 200;

TEST_CASE("Writes under one absl::Mutex do not race", "[tsan_clean]") {
  absl::Mutex mu;
  int value = 0;  // guarded by mu, not annotated so the test stays minimal
  auto add = [&] {
    for (int i = 0; i < kRounds; ++i) {
      absl::MutexLock lock(&mu);
      ++value;
    }
  };
  auto add_and_release = [&] {
    for (int i = 0; i < kRounds; ++i) {
      absl::ReleasableMutexLock lock(&mu);
      ++value;
      lock.Release();  // out of line in the library, unlocks through its PLT
    }
  };
  std::thread a(add), b(add_and_release);
  a.join();
  b.join();
  CHECK(value == 2 * kRounds);
}

TEST_CASE("Reader locks and TryLock order accesses", "[tsan_clean]") {
  absl::Mutex mu;
  int value = 0;
  int seen = 0;
  std::thread writer([&] {
    for (int i = 0; i < kRounds; ++i) {
      while (!mu.TryLock()) std::this_thread::yield();
      ++value;
      mu.Unlock();
    }
  });
  std::thread reader([&] {
    for (int i = 0; i < kRounds; ++i) {
      absl::ReaderMutexLock lock(&mu);
      seen = value;
    }
    while (!mu.ReaderTryLock()) std::this_thread::yield();
    seen = value;
    mu.ReaderUnlock();
  });
  writer.join();
  reader.join();
  CHECK(seen <= kRounds);
}

TEST_CASE("CondVar waits hand data over", "[tsan_clean]") {
  absl::Mutex mu;
  absl::CondVar cv;
  bool ready = false;
  int data = 0;  // written before ready, outside any lock
  std::thread consumer([&] {
    absl::MutexLock lock(&mu);
    while (!ready) cv.Wait(&mu);
    CHECK(data == 42);
    data = 43;
    ready = false;
    cv.Signal();
  });
  data = 42;
  {
    absl::MutexLock lock(&mu);
    ready = true;
    cv.SignalAll();
    while (ready) cv.WaitWithTimeout(&mu, absl::Seconds(30));
  }
  consumer.join();
  CHECK(data == 43);
}

TEST_CASE("Await and LockWhen hand data over", "[tsan_clean]") {
  absl::Mutex mu;
  int stage = 0;
  int data = 0;
  std::thread other([&] {
    mu.LockWhen(absl::Condition(
        +[](int* s) { return *s == 1; }, &stage));
    data += 1;
    stage = 2;
    mu.Unlock();
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* s) { return *s == 3; }, &stage));
    data += 1;
    stage = 4;
  });
  data = 10;
  mu.Lock();
  stage = 1;
  mu.AwaitWithTimeout(absl::Condition(
                          +[](int* s) { return *s == 2; }, &stage),
                      absl::Seconds(30));
  data += 1;
  stage = 3;
  mu.Unlock();
  mu.ReaderLockWhen(absl::Condition(
      +[](int* s) { return *s == 4; }, &stage));
  CHECK(data == 13);
  mu.ReaderUnlock();
  other.join();
}

TEST_CASE("Notification hands data over", "[tsan_clean]") {
  int data = 0;
  absl::Notification done;
  std::thread producer([&] {
    data = 42;
    done.Notify();
  });
  SECTION("WaitForNotification") {
    done.WaitForNotification();
    CHECK(data == 42);
  }
  SECTION("WaitForNotificationWithTimeout") {
    REQUIRE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    CHECK(data == 42);
  }
  SECTION("HasBeenNotified") {
    while (!done.HasBeenNotified()) std::this_thread::yield();
    CHECK(data == 42);
  }
  producer.join();
}

TEST_CASE("BlockingCounter hands data over", "[tsan_clean]") {
  constexpr int kThreads = 4;
  std::vector<int> slots(kThreads, 0);
  absl::BlockingCounter left(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      slots[t] = t + 1;
      left.DecrementCount();
    });
  }
  left.Wait();
  int sum = 0;
  for (int v : slots) sum += v;
  CHECK(sum == kThreads * (kThreads + 1) / 2);
  for (auto& w : workers) w.join();
}

TEST_CASE("An unlocked write races", "[tsan_race]") {
  int value = 0;
  auto add = [&] {
    for (int i = 0; i < kRounds; ++i) ++value;
  };
  std::thread a(add), b(add);
  a.join();
  b.join();
  CHECK(value > 0);
}

TEST_CASE("Writes under two different mutexes race", "[tsan_race]") {
  absl::Mutex mu_a, mu_b;
  int value = 0;
  std::thread a([&] {
    absl::MutexLock lock(&mu_a);
    ++value;
  });
  std::thread b([&] {
    absl::MutexLock lock(&mu_b);
    ++value;
  });
  a.join();
  b.join();
  CHECK(value == 2);
}

}  // namespace
