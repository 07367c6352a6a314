// A recorded payload key rotation (Ledger::RotatePayloadKey with a record)
// is record-then-apply: the new version's key record and the entry that
// records it are one batch, so a store that refuses the batch leaves no
// key version that the chain does not record, and a batch whose sync
// failed but that survives a restart brings both back.
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/master_key_file.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/fault_injecting_store.h"
#include "tests/testing/forwarding_store.h"

namespace portcullis::ledger {
namespace {

using Fault = testing::FaultInjectingStore::Fault;

constexpr char kRotated[] = "ledger.key_rotated";

std::shared_ptr<std::vector<crypto::MasterKey>> MasterKeys() {
  auto masters = std::make_shared<std::vector<crypto::MasterKey>>();
  auto master = crypto::SecureBytes::CopyOf(std::string(32, 'm'));
  std::string id = crypto::MasterKeyId(master);
  masters->push_back({id, std::move(master)});
  return masters;
}

std::unique_ptr<Ledger> OpenOver(
    testing::FaultInjectingStore& store,
    const std::shared_ptr<std::vector<crypto::MasterKey>>& masters) {
  LedgerOptions options;
  options.master_keys = masters;
  auto ledger = Ledger::Open(std::make_unique<testing::ForwardingStore>(
                                 static_cast<KeyValueStore&>(store)),
                             options);
  REQUIRE(ledger.ok());
  return std::move(*ledger);
}

EntryDraft RotationRecord(uint32_t version) {
  EntryDraft d =
      Draft("t", absl::StrCat("{\"keyVersion\":", version, "}"), kRotated);
  d.index_latest = true;
  return d;
}

bool HasKeyVersion(const KeyValueStore& store, uint32_t version) {
  auto stored = store.Get(ledger_internal::KeyRecordKey("t", version));
  REQUIRE(stored.ok());
  return stored->has_value();
}

std::optional<std::string> LatestRotation(const Ledger& ledger) {
  auto latest = ledger.Latest("t", kRotated);
  REQUIRE(latest.ok());
  if (!latest->has_value()) return std::nullopt;
  REQUIRE((*latest)->payload.has_value());
  return *(*latest)->payload;
}

TEST_CASE("a key rotation the store refuses leaves no unrecorded key version",
          "[ledger][keys][faults]") {
  auto masters = MasterKeys();
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  testing::FaultInjectingStore store(*real);
  {
    auto ledger = OpenOver(store, masters);
    REQUIRE(ledger->Append({Draft("t", "before")}).ok());
    REQUIRE(HasKeyVersion(*real, 1));

    store.FailNth(1, Fault::kWriteError);
    auto rotated = ledger->RotatePayloadKey("t", RotationRecord);
    REQUIRE_FALSE(rotated.ok());
    CHECK(absl::IsUnavailable(rotated.status()));
    CHECK(store.injected().size() == 1);
    CHECK_FALSE(HasKeyVersion(*real, 2));
    CHECK_FALSE(LatestRotation(*ledger).has_value());
  }
  store.Restart();
  auto reopened = OpenOver(store, masters);
  CHECK_FALSE(HasKeyVersion(*real, 2));
  CHECK_FALSE(LatestRotation(*reopened).has_value());

  // The next rotation takes the version the refused one would have.
  auto rotated = reopened->RotatePayloadKey("t", RotationRecord);
  REQUIRE(rotated.ok());
  CHECK(*rotated == 2);
  CHECK(HasKeyVersion(*real, 2));
  CHECK(LatestRotation(*reopened) == "{\"keyVersion\":2}");
  REQUIRE(reopened->Append({Draft("t", "after")}).ok());
  int read = 0;
  REQUIRE(reopened
              ->Read("t", 1, false,
                     [&](const Entry& e) {
                       CHECK(e.payload.has_value());
                       ++read;
                       return true;
                     })
              .ok());
  CHECK(read == 3);
}

TEST_CASE(
    "whichever write of a key rotation fails a key version exists only if "
    "the chain records it",
    "[ledger][keys][faults]") {
  // A rotation that stored its key and then appended its record (two
  // writes) left an unrecorded version when the second was refused.
  for (int n = 1; n <= 3; ++n) {
    INFO("a write error at write " << n);
    auto masters = MasterKeys();
    testing::TempDir dir;
    auto real = OpenStore(dir.Sub("db"));
    testing::FaultInjectingStore store(*real);
    {
      auto ledger = OpenOver(store, masters);
      REQUIRE(ledger->Append({Draft("t", "before")}).ok());
      store.FailNth(n, Fault::kWriteError);
      auto rotated = ledger->RotatePayloadKey("t", RotationRecord);
      CHECK(rotated.ok() == HasKeyVersion(*real, 2));
      CHECK(HasKeyVersion(*real, 2) == LatestRotation(*ledger).has_value());
    }
    store.Restart();
    auto reopened = OpenOver(store, masters);
    CHECK(HasKeyVersion(*real, 2) == LatestRotation(*reopened).has_value());
  }
}

TEST_CASE(
    "a key rotation whose sync failed comes back whole after a restart or "
    "not at all",
    "[ledger][keys][faults]") {
  auto masters = MasterKeys();
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  testing::FaultInjectingStore store(*real);
  {
    auto ledger = OpenOver(store, masters);
    REQUIRE(ledger->Append({Draft("t", "before")}).ok());
    store.FailNth(1, Fault::kSyncError);
    REQUIRE_FALSE(ledger->RotatePayloadKey("t", RotationRecord).ok());
  }
  store.Restart();
  auto reopened = OpenOver(store, masters);
  // The key record and the entry that records it were one write: both or
  // neither.
  CHECK(HasKeyVersion(*real, 2) == LatestRotation(*reopened).has_value());
  if (HasKeyVersion(*real, 2)) {
    CHECK(LatestRotation(*reopened) == "{\"keyVersion\":2}");
  }
}

TEST_CASE("a key rotation is recorded on its tenant's own chain",
          "[ledger][keys]") {
  auto masters = MasterKeys();
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  testing::FaultInjectingStore store(*real);
  auto ledger = OpenOver(store, masters);
  REQUIRE(ledger->Append({Draft("t", "before")}).ok());
  auto rotated = ledger->RotatePayloadKey("t", [](uint32_t version) {
    EntryDraft d = RotationRecord(version);
    d.tenant = "other";
    return d;
  });
  CHECK(absl::IsInvalidArgument(rotated.status()));
  CHECK_FALSE(HasKeyVersion(*real, 2));
}

}  // namespace
}  // namespace portcullis::ledger
