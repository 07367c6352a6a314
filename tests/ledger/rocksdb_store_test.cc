#include "ledger/rocksdb_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/internal/keys.h"
#include "tests/testing/damage.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::ledger {
namespace {

TEST_CASE("a written batch can be read and scanned in key order",
          "[rocksdb_store]") {
  testing::TempDir dir;
  auto store = RocksDbStore::Open(dir.Sub("db"), {});
  REQUIRE(store.ok());
  WriteBatch batch;
  batch.Put("k2", "two");
  batch.Put("k1", "one");
  batch.Put("k3", "three");
  REQUIRE((*store)->Write(batch, /*sync=*/true).ok());
  auto v = (*store)->Get("k2");
  REQUIRE(v.ok());
  CHECK(*v == std::optional<std::string>("two"));
  CHECK(*(*store)->Get("missing") == std::nullopt);

  std::string seen;
  REQUIRE((*store)
              ->Scan("k1", "k3", false,
                     [&](absl::string_view k, absl::string_view) {
                       seen += std::string(k) + ",";
                       return true;
                     })
              .ok());
  CHECK(seen == "k1,k2,");
  seen.clear();
  REQUIRE((*store)
              ->Scan("k1", "k4", true,
                     [&](absl::string_view k, absl::string_view) {
                       seen += std::string(k) + ",";
                       return seen.size() < 6;
                     })
              .ok());
  CHECK(seen == "k3,k2,");
}

TEST_CASE("ledger keys written in runs read back in order across reopens",
          "[rocksdb_store]") {
  // Entries and tree nodes of two tenants interleaved, as group commits
  // write them: each key lands in its run through the memtable's insert
  // hints, and a point write after a tenant's range deletion (the write
  // RocksDB 7.8 could corrupt when the deletion began inside a run) leaves
  // the memtable sound, then and after the write-ahead log is replayed.
  testing::TempDir dir;
  std::vector<std::string> expected;
  {
    auto store = RocksDbStore::Open(dir.Sub("db"), {});
    REQUIRE(store.ok());
    for (uint64_t seq = 1; seq <= 200; ++seq) {
      WriteBatch batch;
      for (const char* tenant : {"a", "b"}) {
        batch.Put(ledger_internal::EntryKey(tenant, seq), "e");
        batch.Put(ledger_internal::PayloadKey(tenant, seq), "p");
        batch.Put(ledger_internal::MerkleNodeKey(tenant, 1, seq), "m");
      }
      REQUIRE((*store)->Write(batch, /*sync=*/false).ok());
    }
    WriteBatch shred;
    std::string prefix = ledger_internal::TenantPrefix('E', "a");
    shred.DeleteRange(prefix, ledger_internal::PrefixEnd(prefix));
    shred.DeleteRange(ledger_internal::PayloadKey("b", 1),
                      ledger_internal::PayloadKey("b", 101));
    REQUIRE((*store)->Write(shred, /*sync=*/true).ok());
    WriteBatch after;
    after.Put(ledger_internal::EntryKey("a", 201), "e");
    after.Put(ledger_internal::EntryKey("b", 201), "e");
    REQUIRE((*store)->Write(after, /*sync=*/true).ok());
  }
  for (bool read_only : {false, true}) {
    INFO("read_only " << read_only);
    RocksDbOptions options;
    options.read_only = read_only;
    auto store = RocksDbStore::Open(dir.Sub("db"), options);
    REQUIRE(store.ok());
    auto sequences = [&](const char* tenant) {
      std::vector<uint64_t> seen;
      std::string prefix = ledger_internal::TenantPrefix('E', tenant);
      REQUIRE((*store)
                  ->Scan(prefix, ledger_internal::PrefixEnd(prefix), false,
                         [&](absl::string_view key, absl::string_view) {
                           seen.push_back(
                               ledger_internal::ParseKey(key)->sequence);
                           return true;
                         })
                  .ok());
      return seen;
    };
    std::vector<uint64_t> a = sequences("a");
    std::vector<uint64_t> b = sequences("b");
    CHECK(a == std::vector<uint64_t>{201});
    REQUIRE(b.size() == 201);
    CHECK(std::is_sorted(b.begin(), b.end()));
    CHECK(*(*store)->Get(ledger_internal::PayloadKey("b", 100)) ==
          std::nullopt);
    CHECK(*(*store)->Get(ledger_internal::PayloadKey("b", 101)) ==
          std::optional<std::string>("p"));
  }
}

TEST_CASE("a range deletion that begins inside an insertion run is refused",
          "[rocksdb_store]") {
  testing::TempDir dir;
  auto store = RocksDbStore::Open(dir.Sub("db"), {});
  REQUIRE(store.ok());
  WriteBatch batch;
  batch.Put(ledger_internal::EntryKey("t", 1), "kept out");
  batch.DeleteRange(ledger_internal::EntryKey("t", 1),
                    ledger_internal::EntryKey("t", 9));
  absl::Status s = (*store)->Write(batch, /*sync=*/true);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(s.message()),
             Catch::Contains("range deletion must begin"));
  // Nothing of the batch was written.
  CHECK(*(*store)->Get(ledger_internal::EntryKey("t", 1)) == std::nullopt);
}

TEST_CASE("the database directory is created private", "[rocksdb_store]") {
  testing::TempDir dir;
  REQUIRE(RocksDbStore::Open(dir.Sub("db"), {}).ok());
  struct stat st;
  REQUIRE(::stat(dir.Sub("db").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("a second writer on the same database is refused",
          "[rocksdb_store]") {
  testing::TempDir dir;
  auto first = RocksDbStore::Open(dir.Sub("db"), {});
  REQUIRE(first.ok());
  auto second = RocksDbStore::Open(dir.Sub("db"), {});
  CHECK(second.status().code() == absl::StatusCode::kUnavailable);
  // A read-only opener (the verifier) may look beside the writer.
  RocksDbOptions read_only;
  read_only.read_only = true;
  auto reader = RocksDbStore::Open(dir.Sub("db"), read_only);
  REQUIRE(reader.ok());
  WriteBatch batch;
  batch.Put("k", "v");
  CHECK((*reader)->Write(batch, false).code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("opening a missing database read-only is not found",
          "[rocksdb_store]") {
  testing::TempDir dir;
  RocksDbOptions read_only;
  read_only.read_only = true;
  CHECK(RocksDbStore::Open(dir.Sub("absent"), read_only).status().code() ==
        absl::StatusCode::kNotFound);
}

// Writes `n` synced batches of one key each ("key-000".."key-<n-1>") and
// closes the store: they are only in the write-ahead log.
void WriteLoggedBatches(const std::string& db, int n) {
  auto store = RocksDbStore::Open(db, {});
  REQUIRE(store.ok());
  for (int i = 0; i < n; ++i) {
    WriteBatch batch;
    char key[16];
    std::snprintf(key, sizeof key, "key-%03d", i);
    batch.Put(key, std::string(100, 'v'));
    REQUIRE((*store)->Write(batch, /*sync=*/true).ok());
  }
}

// The database's one write-ahead log file.
std::filesystem::path OnlyWal(const std::string& db) {
  std::vector<std::filesystem::path> logs;
  for (const auto& f : std::filesystem::directory_iterator(db)) {
    if (f.path().extension() == ".log") logs.push_back(f.path());
  }
  REQUIRE(logs.size() == 1);
  return logs[0];
}

int CountKeys(const RocksDbStore& store) {
  int n = 0;
  REQUIRE(store
              .Scan("", "\xff", false,
                    [&](absl::string_view, absl::string_view) {
                      ++n;
                      return true;
                    })
              .ok());
  return n;
}

TEST_CASE("a write-ahead log damaged in the middle is refused, naming it",
          "[rocksdb_store][damage]") {
  testing::TempDir dir;
  std::string db = dir.Sub("db");
  WriteLoggedBatches(db, 100);
  std::filesystem::path wal = OnlyWal(db);
  testing::FlipByte(
      wal, static_cast<std::streamoff>(std::filesystem::file_size(wal) / 3));

  auto reopened = RocksDbStore::Open(db, {});
  REQUIRE(absl::IsDataLoss(reopened.status()));
  std::string message(reopened.status().message());
  CHECK(absl::StrContains(message, wal.filename().string()));
  CHECK(absl::StrContains(message, "damaged write-ahead log"));
  CHECK(absl::StrContains(message, "portcullis ledger recover"));
  // Refused read-only too: verify cannot report a cut-short chain intact.
  RocksDbOptions read_only;
  read_only.read_only = true;
  CHECK(absl::IsDataLoss(RocksDbStore::Open(db, read_only).status()));
  // Nothing was dropped by the refusal: the log is still whole.
  CHECK(std::filesystem::exists(wal));
}

TEST_CASE("salvaging a damaged write-ahead log keeps what comes before it",
          "[rocksdb_store][damage]") {
  testing::TempDir dir;
  std::string db = dir.Sub("db");
  WriteLoggedBatches(db, 100);
  std::filesystem::path wal = OnlyWal(db);
  testing::FlipByte(
      wal, static_cast<std::streamoff>(std::filesystem::file_size(wal) / 2));

  RocksDbOptions salvage;
  salvage.salvage = true;
  auto salvaged = RocksDbStore::Open(db, salvage);
  REQUIRE(salvaged.ok());
  int kept = CountKeys(**salvaged);
  CHECK(kept > 10);
  CHECK(kept < 100);
  // The kept keys are a prefix: the damage cut the rest.
  char last[16];
  std::snprintf(last, sizeof last, "key-%03d", kept - 1);
  CHECK((*salvaged)->Get(last)->has_value());
}

TEST_CASE("a torn last record, never acknowledged, does not refuse the open",
          "[rocksdb_store][damage]") {
  testing::TempDir dir;
  std::string db = dir.Sub("db");
  WriteLoggedBatches(db, 20);
  std::filesystem::path wal = OnlyWal(db);
  // A crash in the middle of writing the last record leaves it short.
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 40);
  auto reopened = RocksDbStore::Open(db, {});
  REQUIRE(reopened.ok());
  CHECK(CountKeys(**reopened) == 19);
}

uintmax_t WalBytes(const std::string& db) {
  uintmax_t bytes = 0;
  for (const auto& f : std::filesystem::directory_iterator(db)) {
    if (f.path().extension() == ".log") bytes += f.file_size();
  }
  return bytes;
}

TEST_CASE("a clean close writes a large memtable out, leaving no log to replay",
          "[rocksdb_store][snapshot]") {
  // Start-up time (issue 15): otherwise every open replays up to a whole
  // write buffer of log.
  testing::TempDir dir;
  std::string db = dir.Sub("db");
  constexpr int kKeys = 4096;
  {
    auto store = RocksDbStore::Open(db, {});
    REQUIRE(store.ok());
    for (int i = 0; i < kKeys; i += 64) {
      WriteBatch batch;
      for (int j = i; j < i + 64; ++j) {
        batch.Put(absl::StrCat("key-", 100000 + j), std::string(1024, 'v'));
      }
      REQUIRE((*store)->Write(batch, /*sync=*/false).ok());
    }
    REQUIRE(WalBytes(db) > RocksDbStore::kFlushAtCloseBytes);
  }
  CHECK(WalBytes(db) < RocksDbStore::kFlushAtCloseBytes / 16);
  auto reopened = RocksDbStore::Open(db, {});
  REQUIRE(reopened.ok());
  CHECK(CountKeys(**reopened) == kKeys);
}

TEST_CASE("a small memtable stays in the log at a clean close",
          "[rocksdb_store][snapshot]") {
  testing::TempDir dir;
  std::string db = dir.Sub("db");
  WriteLoggedBatches(db, 100);
  CHECK(WalBytes(db) > 100 * 100);
}

TEST_CASE("the store writes no info log files beside the data",
          "[rocksdb_store]") {
  testing::TempDir dir;
  std::string db = dir.Sub("db");
  for (int i = 0; i < 3; ++i) REQUIRE(RocksDbStore::Open(db, {}).ok());
  for (const auto& f : std::filesystem::directory_iterator(db)) {
    CHECK_FALSE(absl::StartsWith(f.path().filename().string(), "LOG"));
  }
}

}  // namespace
}  // namespace portcullis::ledger
