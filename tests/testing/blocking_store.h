// A KeyValueStore wrapper whose next write, once armed, waits until the
// test releases it: holds a call "in flight" at a known point without
// sleeping. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_
#define PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_

#include <atomic>

#include "absl/synchronization/notification.h"
#include "ledger/key_value_store.h"

namespace portcullis::testing {

class BlockingStore final : public ledger::KeyValueStore {
 public:
  // `inner` must outlive this wrapper.
  explicit BlockingStore(ledger::KeyValueStore& inner) : inner_(inner) {}

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
    return inner_.Write(batch, sync);
  }
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override {
    return inner_.Get(key);
  }
  absl::Status Scan(
      absl::string_view begin, absl::string_view end, bool reverse,
      absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit)
      const override {
    return inner_.Scan(begin, end, reverse, visit);
  }

 private:
  ledger::KeyValueStore& inner_;
  std::atomic<bool> armed_{false};
  absl::Notification entered_;
  absl::Notification release_;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_BLOCKING_STORE_H_
