#include "ledger/payload_keyring.h"

#include <catch2/catch.hpp>
#include <memory>

#include "crypto/random.h"
#include "ledger/entry.h"
#include "ledger/internal/keys.h"
#include "ledger/sealed_payload.h"
#include "tests/ledger/ledger_fixture.h"

namespace portcullis::ledger {
namespace {

crypto::MasterKey Master(char fill) {
  crypto::SecureBytes key = crypto::SecureBytes::CopyOf(std::string(32, fill));
  std::string id = crypto::MasterKeyId(key);
  return {id, std::move(key)};
}

std::shared_ptr<std::vector<crypto::MasterKey>> Keys(std::string fills) {
  auto keys = std::make_shared<std::vector<crypto::MasterKey>>();
  for (char c : fills) keys->push_back(Master(c));
  return keys;
}

TEST_CASE("a sealed payload opens only for its tenant and sequence",
          "[keyring]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("db"));
  PayloadKeyring keyring(*store, Keys("a"));
  auto version = keyring.PrepareTenant("t");
  REQUIRE(version.ok());
  CHECK(*version == 1);
  auto sealed = keyring.Seal("t", *version, 7, "refund 120 SAR");
  REQUIRE(sealed.ok());
  CHECK(sealed->find("refund") == std::string::npos);
  CHECK(*keyring.Open("t", 7, kEntryVersion2, *sealed) == "refund 120 SAR");
  CHECK(keyring.Open("t", 8, kEntryVersion2, *sealed).status().code() ==
        absl::StatusCode::kDataLoss);
  REQUIRE(keyring.PrepareTenant("u").ok());
  CHECK(keyring.Open("u", 7, kEntryVersion2, *sealed).status().code() ==
        absl::StatusCode::kDataLoss);
}

TEST_CASE("one entry's key opens that entry only and matches its commitment",
          "[keyring]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("db"));
  PayloadKeyring keyring(*store, Keys("a"));
  uint32_t v = *keyring.PrepareTenant("t");
  std::string first = *keyring.Seal("t", v, 1, "one");
  std::string second = *keyring.Seal("t", v, 2, "two");
  crypto::DerivedKey key;
  REQUIRE(keyring.EntryKey("t", v, 1, key).ok());
  CHECK(*OpenPayload(key.view(), "t", 1, first) == "one");
  CHECK(OpenPayload(key.view(), "t", 2, second).status().code() ==
        absl::StatusCode::kDataLoss);
  std::string other = crypto::RandomBytes(32);
  CHECK(
      OpenPayload(other, "t", 1, first).status().message().find("commitment") !=
      std::string::npos);
}

TEST_CASE(
    "the master key alone cannot open a payload once the tenant's "
    "secret is gone",
    "[keyring]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("db"));
  std::string sealed;
  {
    PayloadKeyring keyring(*store, Keys("a"));
    sealed = *keyring.Seal("t", *keyring.PrepareTenant("t"), 1, "secret");
  }
  WriteBatch batch;
  batch.Delete(ledger_internal::KeyRecordKey("t", 1));
  REQUIRE(store->Write(batch, true).ok());
  PayloadKeyring fresh(*store, Keys("a"));
  CHECK(fresh.Open("t", 1, kEntryVersion2, sealed).status().code() ==
        absl::StatusCode::kDataLoss);
}

TEST_CASE("without a master key payloads stay plain, unless already sealed",
          "[keyring]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("db"));
  {
    PayloadKeyring keyring(*store, Keys("a"));
    REQUIRE(keyring.PrepareTenant("sealed").ok());
  }
  PayloadKeyring plain(*store, nullptr);
  CHECK(*plain.PrepareTenant("fresh") == 0);
  std::string framed = *plain.Seal("fresh", 0, 1, "hello");
  CHECK(framed == std::string(1, '\0') + "hello");
  CHECK(*plain.Open("fresh", 1, kEntryVersion2, framed) == "hello");
  CHECK(plain.PrepareTenant("sealed").status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(plain
            .RotateRecorded("fresh",
                            [](const PayloadKeyring::NewVersion&) {
                              return absl::OkStatus();
                            })
            .status()
            .code() == absl::StatusCode::kFailedPrecondition);
}

// Rotates `tenant`, storing the new version's record alone (the Ledger
// stores it with the entry that records it).
absl::StatusOr<uint32_t> RotateStoring(PayloadKeyring& keyring,
                                       KeyValueStore& store,
                                       absl::string_view tenant) {
  return keyring.RotateRecorded(
      tenant, [&](const PayloadKeyring::NewVersion& key) {
        WriteBatch batch;
        batch.Put(key.record_key, std::string(key.record.view()));
        return store.Write(batch, true);
      });
}

TEST_CASE("rotation keeps old payloads readable", "[keyring]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("db"));
  PayloadKeyring keyring(*store, Keys("a"));
  std::string old = *keyring.Seal("t", *keyring.PrepareTenant("t"), 1, "old");
  CHECK(*RotateStoring(keyring, *store, "t") == 2);
  CHECK(*keyring.PrepareTenant("t") == 2);
  std::string fresh = *keyring.Seal("t", 2, 2, "new");
  CHECK(*keyring.Open("t", 1, kEntryVersion2, old) == "old");
  CHECK(*keyring.Open("t", 2, kEntryVersion2, fresh) == "new");
}

TEST_CASE(
    "a new master key names the tenants to rotate and seals nothing "
    "unrotated, a missing one is named",
    "[keyring]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("db"));
  std::string old;
  {
    PayloadKeyring keyring(*store, Keys("a"));
    old = *keyring.Seal("t", *keyring.PrepareTenant("t"), 1, "old");
    REQUIRE(keyring.PrepareTenant("u").ok());
    CHECK(keyring.TenantsOnRetiredKeys()->empty());
  }
  {
    PayloadKeyring rotated(*store, Keys("ab"));
    CHECK(*rotated.TenantsOnRetiredKeys() ==
          std::vector<std::string>{"t", "u"});
    // No version comes into being here, unrecorded (the Ledger rotates
    // these tenants, recorded, when it opens).
    auto prepared = rotated.PrepareTenant("t");
    CHECK(prepared.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(prepared.status().message().find(Master('a').id) !=
          std::string::npos);
    auto stored = store->Get(ledger_internal::KeyRecordKey("t", 2));
    REQUIRE(stored.ok());
    CHECK_FALSE(stored->has_value());
    CHECK(*RotateStoring(rotated, *store, "t") == 2);
    CHECK(*rotated.PrepareTenant("t") == 2);
    CHECK(*rotated.TenantsOnRetiredKeys() == std::vector<std::string>{"u"});
    CHECK(*rotated.Open("t", 1, kEntryVersion2, old) == "old");
  }
  PayloadKeyring only_new(*store, Keys("b"));
  auto opened = only_new.Open("t", 1, kEntryVersion2, old);
  CHECK(opened.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(opened.status().message().find(Master('a').id) != std::string::npos);
}

TEST_CASE("version 1 payloads are plaintext and framed ones must parse",
          "[keyring]") {
  CHECK(ParseStoredPayload(kEntryVersion1, "raw")->body == "raw");
  CHECK(ParseStoredPayload(kEntryVersion2, "").status().code() ==
        absl::StatusCode::kDataLoss);
  CHECK(ParseStoredPayload(kEntryVersion2, "\x07junk").status().code() ==
        absl::StatusCode::kDataLoss);
  CHECK(ParseStoredPayload(kEntryVersion2, "\x01short").status().code() ==
        absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace portcullis::ledger
