#include "ledger/rocksdb_store.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

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

}  // namespace
}  // namespace portcullis::ledger
