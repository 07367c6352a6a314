#include "base/thread_cpu_time.h"

#include <catch2/catch.hpp>
#include <thread>

#include "absl/synchronization/notification.h"

namespace portcullis {
namespace {

TEST_CASE("a thread's CPU time grows with its work and not with its waits",
          "[thread_cpu_time]") {
  const absl::Duration start = ThreadCpuTime();
  volatile uint64_t sink = 0;
  while (ThreadCpuTime() - start < absl::Milliseconds(2)) {
    for (int i = 0; i < 10000; ++i) sink = sink + i;
  }
  CHECK(ThreadCpuTime() - start >= absl::Milliseconds(2));

  // Another thread's work is not counted here, nor is this thread's wait
  // for it.
  const absl::Duration before_wait = ThreadCpuTime();
  absl::Notification done;
  std::thread busy([&] {
    const absl::Duration own = ThreadCpuTime();
    while (ThreadCpuTime() - own < absl::Milliseconds(50)) {
      for (int i = 0; i < 10000; ++i) sink = sink + i;
    }
    done.Notify();
  });
  done.WaitForNotification();
  busy.join();
  CHECK(ThreadCpuTime() - before_wait < absl::Milliseconds(25));
}

}  // namespace
}  // namespace portcullis
