// What a stopped gate's ledger holds, read straight from its database
// (opened read-only): for tests that check what was recorded.
#ifndef PORTCULLIS_TESTS_TESTING_STORED_ENTRIES_H_
#define PORTCULLIS_TESTS_TESTING_STORED_ENTRIES_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "ledger/evidence.h"
#include "ledger/rocksdb_store.h"

namespace portcullis::testing {

// Every stored entry of `tenant` in the database under `data_dir`, in
// order. Stop the gate that wrote them first: the database has one writer.
inline std::vector<ledger::StoredEntry> StoredEntries(
    const std::string& data_dir, const std::string& tenant) {
  ledger::RocksDbOptions read_only;
  read_only.read_only = true;
  auto store = ledger::RocksDbStore::Open(data_dir, read_only);
  REQUIRE(store.ok());
  std::vector<ledger::StoredEntry> entries;
  REQUIRE(ledger::ReadStoredEntries(**store, tenant, 1, uint64_t{1} << 62,
                                    [&](const ledger::StoredEntry& e) {
                                      entries.push_back(e);
                                      return true;
                                    })
              .ok());
  return entries;
}

// Their kinds, in order.
inline std::vector<std::string> StoredKinds(const std::string& data_dir,
                                            const std::string& tenant) {
  std::vector<std::string> kinds;
  for (const ledger::StoredEntry& e : StoredEntries(data_dir, tenant)) {
    kinds.push_back(e.entry.kind);
  }
  return kinds;
}

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_STORED_ENTRIES_H_
