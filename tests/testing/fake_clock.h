// A Clock that only moves when a test moves it. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_FAKE_CLOCK_H_
#define PORTCULLIS_TESTS_TESTING_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"

namespace portcullis::testing {

class FakeClock final : public Clock {
 public:
  // 2026-01-04T12:00:00Z unless told otherwise: a fixed, known instant.
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1767528000))
      : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_FAKE_CLOCK_H_
