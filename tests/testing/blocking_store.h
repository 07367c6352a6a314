// A KeyValueStore wrapper whose next write, once armed, waits until the
// test releases it: holds a call "in flight" at a known point without
// sleeping, as many times as the test arms it. It also remembers which
// threads wrote. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_
#define PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_

#include <sys/types.h>
#include <unistd.h>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "tests/testing/forwarding_store.h"

namespace portcullis::testing {

class BlockingStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  // The next Write blocks until Release(). May be armed again once that
  // write is released, to hold a later one.
  void Arm() {
    absl::MutexLock lock(&mu_);
    armed_ = true;
    entered_ = false;
  }
  // Returns once the write armed last is waiting (or was released).
  void AwaitBlockedWrite() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&entered_));
  }
  // Lets the armed write go on: the one waiting, or the next to come.
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }

  // How many distinct threads (kernel thread ids) have called Write.
  size_t writer_threads() const {
    absl::MutexLock lock(&mu_);
    return writer_threads_.size();
  }

  absl::Status Write(const ledger::WriteBatch& batch, bool sync) override {
    {
      absl::MutexLock lock(&mu_);
      writer_threads_.insert(::gettid());
      if (armed_) {
        armed_ = false;
        entered_ = true;
        mu_.Await(absl::Condition(&released_));
        released_ = false;
      }
    }
    return inner().Write(batch, sync);
  }

 private:
  mutable absl::Mutex mu_;
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  bool entered_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<pid_t> writer_threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_
