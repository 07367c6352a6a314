// A KeyValueStore wrapper whose records of one tenant read as damaged, the
// way RocksDB reports a table file that fails its checksum: every Get of
// such a key, and every Scan that reaches one, returns DataLoss. For testing
// that damage is named and confined to the tenant it hits. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_DAMAGED_STORE_H_
#define PORTCULLIS_TESTS_TESTING_DAMAGED_STORE_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "tests/testing/forwarding_store.h"

namespace portcullis::testing {

class DamagedStore final : public ForwardingStore {
 public:
  // Ledger keys are <tag><length><tenant>...; the records of `tenant` under
  // `tags` (by default its entries and payloads) read as damaged.
  DamagedStore(ledger::KeyValueStore& inner, std::string tenant,
               std::string tags = "EP")
      : ForwardingStore(inner), tenant_(std::move(tenant)), tags_(tags) {}

  static constexpr char kMessage[] =
      "ledger read: Corruption: block checksum mismatch in 000042.sst";

  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override {
    if (Damaged(key)) return absl::DataLossError(kMessage);
    return ForwardingStore::Get(key);
  }
  absl::Status Scan(
      absl::string_view begin, absl::string_view end, bool reverse,
      absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit)
      const override {
    bool hit = false;
    absl::Status s = ForwardingStore::Scan(
        begin, end, reverse, [&](absl::string_view k, absl::string_view v) {
          if (Damaged(k)) {
            hit = true;
            return false;
          }
          return visit(k, v);
        });
    if (hit) return absl::DataLossError(kMessage);
    return s;
  }

 private:
  bool Damaged(absl::string_view key) const {
    return key.size() >= 2 + tenant_.size() &&
           tags_.find(key[0]) != std::string::npos &&
           static_cast<uint8_t>(key[1]) == tenant_.size() &&
           key.substr(2, tenant_.size()) == tenant_;
  }

  std::string tenant_;
  std::string tags_;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_DAMAGED_STORE_H_
