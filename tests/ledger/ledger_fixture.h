// Shared setup for ledger tests: a real RocksDB in a per-test directory.
#ifndef PORTCULLIS_TESTS_LEDGER_LEDGER_FIXTURE_H_
#define PORTCULLIS_TESTS_LEDGER_LEDGER_FIXTURE_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::ledger {

inline std::unique_ptr<RocksDbStore> OpenStore(const std::string& dir) {
  auto store = RocksDbStore::Open(dir, {});
  REQUIRE(store.ok());
  return std::move(*store);
}

inline EntryDraft Draft(const std::string& tenant, const std::string& payload,
                        const std::string& kind = "action.evaluated") {
  EntryDraft d;
  d.tenant = tenant;
  d.time = absl::FromUnixSeconds(1767528000);
  d.kind = kind;
  d.request_id = "req-" + payload;
  d.payload = payload;
  return d;
}

// Appends `n` entries to `tenant`, payloads "<tenant>-1".."<tenant>-n".
inline void AppendN(Ledger& ledger, const std::string& tenant, int n) {
  for (int i = 1; i <= n; ++i) {
    auto appended =
        ledger.Append({Draft(tenant, tenant + "-" + std::to_string(i))});
    REQUIRE(appended.ok());
  }
}

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_TESTS_LEDGER_LEDGER_FIXTURE_H_
