#include "secrets/secret_store.h"

#include <catch2/catch.hpp>
#include <vector>

#include "crypto/master_key_file.h"
#include "ledger/rocksdb_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::secrets {
namespace {

std::shared_ptr<const std::vector<crypto::MasterKey>> MasterKeys(
    const testing::TempDir& dir, const std::string& name = "master.key") {
  REQUIRE(crypto::CreateMasterKeyFile(dir.Sub(name)).ok());
  auto keys = crypto::ReadMasterKeyFile(dir.Sub(name));
  REQUIRE(keys.ok());
  return std::make_shared<std::vector<crypto::MasterKey>>(*std::move(keys));
}

struct Fixture {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::unique_ptr<ledger::RocksDbStore> store =
      *ledger::RocksDbStore::Open(dir.Sub("secrets"), {});
  std::shared_ptr<const std::vector<crypto::MasterKey>> keys = MasterKeys(dir);
  SecretStore secrets{*store, keys, clock};
};

crypto::SecureBytes Value(const char* text) {
  return crypto::SecureBytes::CopyOf(text);
}

TEST_CASE("a secret is stored sealed and resolves to its value",
          "[secret_store]") {
  Fixture f;
  auto info = f.secrets.Put("shop", "stripe-key", Value("sk_live_MARKER"));
  REQUIRE(info.ok());
  CHECK(info->version == 1);
  auto value = f.secrets.Resolve("shop", "stripe-key");
  REQUIRE(value.ok());
  CHECK(value->view() == "sk_live_MARKER");
  // The database never holds the value in the clear.
  bool seen = false;
  REQUIRE(f.store
              ->Scan("", "\xff", false,
                     [&](absl::string_view, absl::string_view v) {
                       seen = seen || v.find("sk_live_MARKER") !=
                                          absl::string_view::npos;
                       return true;
                     })
              .ok());
  CHECK_FALSE(seen);
}

TEST_CASE("put, rotate, list and delete keep versions and never values",
          "[secret_store]") {
  Fixture f;
  REQUIRE(f.secrets.Put("shop", "api", Value("one")).ok());
  CHECK(f.secrets.Put("shop", "api", Value("two")).status().code() ==
        absl::StatusCode::kAlreadyExists);
  auto rotated = f.secrets.Rotate("shop", "api", Value("two"));
  REQUIRE(rotated.ok());
  CHECK(rotated->version == 2);
  CHECK(f.secrets.Resolve("shop", "api")->view() == "two");
  CHECK(f.secrets.Rotate("shop", "absent", Value("x")).status().code() ==
        absl::StatusCode::kNotFound);
  REQUIRE(f.secrets.Put("shop", "other", Value("x")).ok());
  REQUIRE(f.secrets.Put("shopx", "api", Value("y")).ok());
  auto listed = f.secrets.List("shop");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].name == "api");
  CHECK((*listed)[0].version == 2);
  CHECK((*listed)[1].name == "other");
  REQUIRE(f.secrets.Delete("shop", "api").ok());
  CHECK(f.secrets.Resolve("shop", "api").status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(f.secrets.Delete("shop", "api").code() == absl::StatusCode::kNotFound);
  CHECK(f.secrets.Resolve("shopx", "api")->view() == "y");
}

TEST_CASE("a sealed value moved to another tenant or name does not open",
          "[secret_store]") {
  Fixture f;
  REQUIRE(f.secrets.Put("a", "key", Value("for a")).ok());
  REQUIRE(f.secrets.Put("b", "key", Value("for b")).ok());
  auto from_a =
      f.store->Get(std::string("S\x01"
                               "akey",
                               6));
  REQUIRE(from_a.ok());
  REQUIRE(from_a->has_value());
  ledger::WriteBatch batch;
  batch.Put(std::string("S\x01"
                        "bkey",
                        6),
            **from_a);
  REQUIRE(f.store->Write(batch, true).ok());
  CHECK(f.secrets.Resolve("b", "key").status().code() ==
        absl::StatusCode::kDataLoss);
}

TEST_CASE("secrets sealed under another master key do not open",
          "[secret_store]") {
  Fixture f;
  REQUIRE(f.secrets.Put("shop", "api", Value("v")).ok());
  SecretStore other(*f.store, MasterKeys(f.dir, "other.key"), f.clock);
  auto value = other.Resolve("shop", "api");
  CHECK(value.status().code() == absl::StatusCode::kDataLoss);
  CHECK(value.status().message().find("not in the master key file") !=
        std::string::npos);
}

TEST_CASE("a change the record refuses is not applied", "[secret_store]") {
  Fixture f;
  std::vector<SecretInfo> recorded;
  auto record = [&](const SecretInfo& change) {
    recorded.push_back(change);
    return absl::OkStatus();
  };
  auto refuse = [&](const SecretInfo& change) {
    recorded.push_back(change);
    return absl::UnavailableError("the ledger could not record this");
  };

  // Refused: nothing stored, the record's error returned.
  auto put = f.secrets.Put("shop", "stripe-key", Value("v1"), refuse);
  CHECK(put.status().code() == absl::StatusCode::kUnavailable);
  CHECK(f.secrets.List("shop")->empty());
  CHECK(absl::IsNotFound(f.secrets.Resolve("shop", "stripe-key").status()));

  // Recorded, with the version it then gets.
  REQUIRE(f.secrets.Put("shop", "stripe-key", Value("v1"), record).ok());
  CHECK(recorded.back().version == 1);
  CHECK(f.secrets.Rotate("shop", "stripe-key", Value("v2"), refuse)
            .status()
            .code() == absl::StatusCode::kUnavailable);
  CHECK(f.secrets.Resolve("shop", "stripe-key")->view() == "v1");
  CHECK(f.secrets.List("shop")->front().version == 1);
  CHECK(absl::IsUnavailable(f.secrets.Delete("shop", "stripe-key", refuse)));
  CHECK(f.secrets.Resolve("shop", "stripe-key")->view() == "v1");
  REQUIRE(f.secrets.Delete("shop", "stripe-key", record).ok());
  CHECK(recorded.back().version == 1);  // the version removed
  CHECK(f.secrets.List("shop")->empty());
  // Checks come before the record: a refused change is never recorded.
  const size_t before = recorded.size();
  CHECK(absl::IsNotFound(f.secrets.Delete("shop", "stripe-key", record)));
  CHECK(absl::IsNotFound(
      f.secrets.Rotate("shop", "absent", Value("x"), record).status()));
  CHECK(recorded.size() == before);
}

TEST_CASE("bad tenants, names and values are refused", "[secret_store]") {
  Fixture f;
  CHECK(f.secrets.Put("../x", "api", Value("v")).status().code() ==
        absl::StatusCode::kInvalidArgument);
  for (const char* name : {"", "API", "a/b", "-lead", "x y"}) {
    INFO(name);
    CHECK(f.secrets.Put("shop", name, Value("v")).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  CHECK(f.secrets.Put("shop", "api", crypto::SecureBytes()).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(f.secrets.Put("shop", "api", crypto::SecureBytes(kMaxSecretBytes + 1))
            .status()
            .code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::secrets
