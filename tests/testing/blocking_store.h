// A KeyValueStore wrapper whose next write, once armed, waits until the
// test releases it: holds a call "in flight" at a known point without
// sleeping. It also remembers which threads wrote. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_
#define PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_

#include <sys/types.h>
#include <unistd.h>

#include <atomic>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "tests/testing/forwarding_store.h"

namespace portcullis::testing {

class BlockingStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  // The next Write blocks until Release().
  void Arm() { armed_ = true; }
  // Returns once an armed Write is waiting.
  void AwaitBlockedWrite() { entered_.WaitForNotification(); }
  void Release() { release_.Notify(); }

  // How many distinct threads (kernel thread ids) have called Write.
  size_t writer_threads() const {
    absl::MutexLock lock(&mu_);
    return writer_threads_.size();
  }

  absl::Status Write(const ledger::WriteBatch& batch, bool sync) override {
    {
      absl::MutexLock lock(&mu_);
      writer_threads_.insert(::gettid());
    }
    if (armed_.exchange(false)) {
      entered_.Notify();
      release_.WaitForNotification();
    }
    return inner().Write(batch, sync);
  }

 private:
  std::atomic<bool> armed_{false};
  absl::Notification entered_;
  absl::Notification release_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<pid_t> writer_threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_
