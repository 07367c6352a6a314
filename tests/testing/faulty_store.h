// A KeyValueStore wrapper that fails writes on demand, for testing that a
// failed append allows nothing and records nothing. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_FAULTY_STORE_H_
#define PORTCULLIS_TESTS_TESTING_FAULTY_STORE_H_

#include <atomic>

#include "tests/testing/forwarding_store.h"

namespace portcullis::testing {

class FaultyStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  // While set, every Write fails with Unavailable and changes nothing.
  void FailWrites(bool fail) { fail_writes_ = fail; }
  int writes() const { return writes_; }

  absl::Status Write(const ledger::WriteBatch& batch, bool sync) override {
    if (fail_writes_) return absl::UnavailableError("injected disk failure");
    ++writes_;
    return inner().Write(batch, sync);
  }

 private:
  std::atomic<bool> fail_writes_{false};
  std::atomic<int> writes_{0};
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_FAULTY_STORE_H_
