// A KeyValueStore wrapper that fails writes on demand, for testing that a
// failed append allows nothing and records nothing. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_FAULTY_STORE_H_
#define PORTCULLIS_TESTS_TESTING_FAULTY_STORE_H_

#include <atomic>
#include <memory>

#include "ledger/key_value_store.h"

namespace portcullis::testing {

class FaultyStore final : public ledger::KeyValueStore {
 public:
  // `inner` must outlive this wrapper.
  explicit FaultyStore(ledger::KeyValueStore& inner) : inner_(inner) {}

  // While set, every Write fails with Unavailable and changes nothing.
  void FailWrites(bool fail) { fail_writes_ = fail; }
  int writes() const { return writes_; }

  absl::Status Write(const ledger::WriteBatch& batch, bool sync) override {
    if (fail_writes_) return absl::UnavailableError("injected disk failure");
    ++writes_;
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
  std::atomic<bool> fail_writes_{false};
  std::atomic<int> writes_{0};
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_FAULTY_STORE_H_
