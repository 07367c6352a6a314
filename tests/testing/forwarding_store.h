// A KeyValueStore that passes every call to another one: the base of test
// doubles that change one behaviour (FaultyStore, BlockingStore).
// Thread-safe when the inner store is.
#ifndef PORTCULLIS_TESTS_TESTING_FORWARDING_STORE_H_
#define PORTCULLIS_TESTS_TESTING_FORWARDING_STORE_H_

#include "ledger/key_value_store.h"

namespace portcullis::testing {

class ForwardingStore : public ledger::KeyValueStore {
 public:
  // `inner` must outlive this store.
  explicit ForwardingStore(ledger::KeyValueStore& inner) : inner_(inner) {}

  absl::Status Write(const ledger::WriteBatch& batch, bool sync) override {
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
  absl::Status Purge(absl::string_view begin, absl::string_view end) override {
    return inner_.Purge(begin, end);
  }
  absl::Status Resume() override { return inner_.Resume(); }

 protected:
  ledger::KeyValueStore& inner() { return inner_; }

 private:
  ledger::KeyValueStore& inner_;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_FORWARDING_STORE_H_
