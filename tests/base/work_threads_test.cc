#include "base/work_threads.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/thread_name.h"

namespace portcullis {
namespace {

TEST_CASE("work runs in the order queued on threads of the given name",
          "[work_threads][concurrency]") {
  absl::Mutex mu;
  std::vector<int> ran;
  std::vector<std::string> names;
  {
    WorkThreads threads(1, 16, "gate-test");
    for (int i = 0; i < 5; ++i) {
      REQUIRE(threads.Run([&, i] {
        absl::MutexLock lock(&mu);
        ran.push_back(i);
        names.push_back(CurrentThreadName());
      }));
    }
  }  // runs what is queued, then joins
  CHECK(ran == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(names == std::vector<std::string>(5, "gate-test"));
}

TEST_CASE("a full queue refuses work and destroys it unrun",
          "[work_threads][concurrency]") {
  absl::Notification started, release;
  int ran = 0;
  auto threads =
      std::make_unique<WorkThreads>(1, /*max_queued=*/2, "gate-test");
  REQUIRE(threads->Run([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the one thread is busy
  CHECK(threads->Run([&] { ++ran; }));
  CHECK(threads->Run([&] { ++ran; }));
  auto owned = std::make_shared<int>(7);
  std::weak_ptr<int> watch = owned;
  CHECK_FALSE(threads->Run([owned = std::move(owned), &ran] { ++ran; }));
  CHECK(watch.expired());  // the refused work is gone, not kept
  release.Notify();
  threads.reset();  // runs the two queued, then joins
  CHECK(ran == 2);
}

}  // namespace
}  // namespace portcullis
