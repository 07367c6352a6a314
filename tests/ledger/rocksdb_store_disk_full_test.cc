// RocksDbStore on a disk that fills up for real (a small tmpfs, so root is
// needed; elsewhere each case says it was skipped): a write fails with
// Unavailable and a message without paths, Resume waits for free space and
// then reopens the database, nothing written before is lost, and a
// writable open is refused while the disk has too little room.
#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "ledger/rocksdb_store.h"
#include "tests/testing/small_disk.h"

namespace portcullis::ledger {
namespace {

constexpr uint64_t kMinFree = 2 << 20;

WriteBatch One(int i) {
  WriteBatch batch;
  batch.Put("k" + std::to_string(100000 + i), std::string(600, 'v'));
  return batch;
}

int CountKeys(const RocksDbStore& store) {
  int n = 0;
  REQUIRE(store
              .Scan("k", "l", false,
                    [&](absl::string_view, absl::string_view) {
                      ++n;
                      return true;
                    })
              .ok());
  return n;
}

// Writes until the full disk refuses; returns how many writes succeeded.
int WriteUntilRefused(RocksDbStore& store, int from, absl::Status& refused) {
  int written = 0;
  for (int i = from; i < from + 100000; ++i) {
    refused = store.Write(One(i), /*sync=*/true);
    if (!refused.ok()) break;
    ++written;
  }
  return written;
}

// `before` writes first: 0 leaves the memtable empty, the case where
// RocksDB's own DB::Resume would keep the failed log and then assert.
void FillFailResume(int before) {
  testing::SmallDisk disk;
  if (!disk.mounted()) {
    WARN("skipped: mounting a tmpfs needs root");
    return;
  }
  RocksDbOptions options;
  options.min_free_bytes = kMinFree;
  auto store = RocksDbStore::Open(disk.Sub("db"), options);
  REQUIRE(store.ok());
  for (int i = 0; i < before; ++i) {
    REQUIRE((*store)->Write(One(i), true).ok());
  }
  disk.Fill();
  absl::Status refused;
  const int acknowledged = before + WriteUntilRefused(**store, before, refused);
  INFO(refused.message());
  REQUIRE(absl::IsUnavailable(refused));
  CHECK(absl::StrContains(refused.message(), "no space left"));
  CHECK_FALSE(absl::StrContains(refused.message(), disk.Sub("")));
  // Stopped: even a write that would fit is refused, and reads go on.
  CHECK(absl::IsUnavailable((*store)->Write(One(-1), true)));
  CHECK(CountKeys(**store) == acknowledged);

  absl::Status still_full = (*store)->Resume();
  CHECK(absl::IsUnavailable(still_full));
  CHECK(absl::StrContains(still_full.message(), "KiB free"));

  disk.Free();
  REQUIRE((*store)->Resume().ok());
  CHECK(CountKeys(**store) == acknowledged);
  for (int i = 0; i < 50; ++i) {
    REQUIRE((*store)->Write(One(acknowledged + i), true).ok());
  }
  store->reset();
  auto reopened = RocksDbStore::Open(disk.Sub("db"), options);
  REQUIRE(reopened.ok());
  CHECK(CountKeys(**reopened) == acknowledged + 50);
}

TEST_CASE("a store on a full disk resumes once space is freed",
          "[rocksdb_store][disk_full]") {
  SECTION("with entries in memory") { FillFailResume(200); }
  SECTION("with nothing in memory") { FillFailResume(0); }
}

TEST_CASE("a writable open on a disk without enough free space is refused",
          "[rocksdb_store][disk_full]") {
  testing::SmallDisk disk;
  if (!disk.mounted()) {
    WARN("skipped: mounting a tmpfs needs root");
    return;
  }
  RocksDbOptions options;
  options.min_free_bytes = kMinFree;
  REQUIRE(RocksDbStore::Open(disk.Sub("db"), options).ok());
  disk.Fill();
  auto refused = RocksDbStore::Open(disk.Sub("db"), options);
  REQUIRE(absl::IsUnavailable(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "KiB free"));
  // Read-only (verify beside a gate) needs no room.
  RocksDbOptions read_only;
  read_only.read_only = true;
  CHECK(RocksDbStore::Open(disk.Sub("db"), read_only).ok());
  disk.Free();
  CHECK(RocksDbStore::Open(disk.Sub("db"), options).ok());
}

}  // namespace
}  // namespace portcullis::ledger
