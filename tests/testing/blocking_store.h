// A KeyValueStore wrapper whose next write, once armed, waits until the
// test releases it: holds a call "in flight" at a known point without
// sleeping. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_
#define PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_

#include <atomic>

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

  absl::Status Write(const ledger::WriteBatch& batch, bool sync) override {
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
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_
