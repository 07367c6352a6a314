// A payload key rotation (Ledger::RotatePayloadKey) is record-then-apply:
// the new version's key record and the entry that records it are one
// batch, so a store that refuses the batch leaves no key version that the
// chain does not record, and a batch whose sync failed but that survives a
// restart brings both back. The same holds for every way a version comes
// into being after a tenant's first: Admin.RotatePayloadKey, the offline
// `portcullis ledger rotate-key`, and a new current master key (rotated at
// open).
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/master_key_file.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/verifier.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fault_injecting_store.h"
#include "tests/testing/forwarding_store.h"

namespace portcullis::ledger {
namespace {

using Fault = testing::FaultInjectingStore::Fault;

constexpr char kRotated[] = "ledger.key_rotated";

// Master keys filled with each of `fills`, oldest first.
std::shared_ptr<std::vector<crypto::MasterKey>> MasterKeys(
    const std::string& fills = "m") {
  auto masters = std::make_shared<std::vector<crypto::MasterKey>>();
  for (char fill : fills) {
    auto master = crypto::SecureBytes::CopyOf(std::string(32, fill));
    std::string id = crypto::MasterKeyId(master);
    masters->push_back({id, std::move(master)});
  }
  return masters;
}

absl::StatusOr<std::unique_ptr<Ledger>> TryOpenOver(
    testing::FaultInjectingStore& store,
    const std::shared_ptr<std::vector<crypto::MasterKey>>& masters,
    const Clock* clock = nullptr) {
  LedgerOptions options;
  options.master_keys = masters;
  options.clock = clock;
  return Ledger::Open(std::make_unique<testing::ForwardingStore>(
                          static_cast<KeyValueStore&>(store)),
                      options);
}

std::unique_ptr<Ledger> OpenOver(
    testing::FaultInjectingStore& store,
    const std::shared_ptr<std::vector<crypto::MasterKey>>& masters,
    const Clock* clock = nullptr) {
  auto ledger = TryOpenOver(store, masters, clock);
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

bool HasKeyVersion(const KeyValueStore& store, const std::string& tenant,
                   uint32_t version) {
  auto stored = store.Get(ledger_internal::KeyRecordKey(tenant, version));
  REQUIRE(stored.ok());
  return stored->has_value();
}

// Whether `tenant`'s chain records a rotation, read from the store alone
// (opening a ledger with a new master key would rotate).
bool StoreRecordsRotation(const KeyValueStore& store,
                          const std::string& tenant) {
  auto stored = store.Get(ledger_internal::LatestKey(tenant, kRotated));
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

TEST_CASE(
    "an offline rotation is recorded as such and whichever write fails the "
    "ledger verifies",
    "[ledger][keys][faults]") {
  // What `portcullis ledger rotate-key` does, at the store seam.
  for (auto fault : {Fault::kWriteError, Fault::kSyncError}) {
    {
      INFO(testing::FaultInjectingStore::Name(fault));
      auto masters = MasterKeys();
      testing::FakeClock clock;
      testing::TempDir dir;
      auto real = OpenStore(dir.Sub("db"));
      testing::FaultInjectingStore store(*real);
      {
        auto ledger = OpenOver(store, masters, &clock);
        REQUIRE(ledger->Append({Draft("t", "before")}).ok());
        store.FailNth(1, fault);
        auto rotated = ledger->RotatePayloadKey("t", [&](uint32_t version) {
          return KeyRotationRecord("t", version, clock.Now(),
                                   KeyRotationTrigger::kOffline);
        });
        CHECK(absl::IsUnavailable(rotated.status()));
        CHECK(store.injected().size() == 1);
      }
      store.Restart();
      CHECK(HasKeyVersion(*real, 2) == StoreRecordsRotation(*real, "t"));
      auto report = VerifyLedger(*real);
      REQUIRE(report.ok());
      CHECK(report->clean());
      auto reopened = OpenOver(store, masters, &clock);
      if (HasKeyVersion(*real, 2)) {
        CHECK(LatestRotation(*reopened) ==
              "{\"keyVersion\":2,\"trigger\":\"offline\"}");
      }
      REQUIRE(reopened->Append({Draft("t", "after")}).ok());
      CHECK(VerifyLedger(*real)->clean());
    }
  }
}

TEST_CASE("a rotation record says who asked, in plain text", "[ledger][keys]") {
  EntryDraft d = KeyRotationRecord("t", 3, absl::UnixEpoch(),
                                   KeyRotationTrigger::kAdmin, "ops\"x");
  CHECK(d.kind == kRotated);
  CHECK(d.tenant == "t");
  CHECK(d.index_latest);
  CHECK(d.payload ==
        "{\"keyVersion\":3,\"trigger\":\"admin\",\"principal\":\"ops?x\"}");
}

TEST_CASE(
    "a new master key rotates each tenant's key when the ledger opens, "
    "recorded",
    "[ledger][keys]") {
  testing::FakeClock clock;
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  testing::FaultInjectingStore store(*real);
  {
    auto ledger = OpenOver(store, MasterKeys("a"), &clock);
    REQUIRE(ledger->Append({Draft("t", "one"), Draft("u", "one")}).ok());
  }
  clock.Advance(absl::Hours(1));
  {
    auto ledger = OpenOver(store, MasterKeys("ab"), &clock);
    for (const char* tenant : {"t", "u"}) {
      INFO(tenant);
      CHECK(HasKeyVersion(*real, tenant, 2));
      auto latest = ledger->Latest(tenant, kRotated);
      REQUIRE(latest.ok());
      REQUIRE(latest->has_value());
      CHECK((*latest)->sequence == 2);
      CHECK((*latest)->time == clock.Now());
      CHECK((*latest)->payload ==
            "{\"keyVersion\":2,\"trigger\":\"master-key-change\"}");
    }
    REQUIRE(ledger->Append({Draft("t", "two")}).ok());
  }
  // Rotated once: the next open finds every key current.
  {
    auto ledger = OpenOver(store, MasterKeys("ab"), &clock);
    CHECK(ledger->Head("t")->sequence == 3);
    CHECK(ledger->Head("u")->sequence == 2);
    CHECK_FALSE(HasKeyVersion(*real, "t", 3));
  }
  // The old master key can go once nothing it sealed is read.
  auto report = VerifyLedger(*real);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 5);
}

TEST_CASE(
    "whichever write of a master key change fails a key version exists "
    "only if the chain records it",
    "[ledger][keys][faults]") {
  // A new master key used to add the version at the tenant's next append,
  // with no record of it.
  for (auto fault : {Fault::kWriteError, Fault::kSyncError}) {
    for (int n = 1; n <= 2; ++n) {  // one write per tenant
      INFO(testing::FaultInjectingStore::Name(fault) << " at write " << n);
      testing::FakeClock clock;
      testing::TempDir dir;
      auto real = OpenStore(dir.Sub("db"));
      testing::FaultInjectingStore store(*real);
      {
        auto ledger = OpenOver(store, MasterKeys("a"), &clock);
        REQUIRE(ledger->Append({Draft("t", "one"), Draft("u", "one")}).ok());
      }
      store.FailNth(n, fault);
      {
        auto failed = TryOpenOver(store, MasterKeys("ab"), &clock);
        CHECK(absl::IsUnavailable(failed.status()));
        CHECK(failed.status().message().find("master key") !=
              std::string::npos);
        CHECK(store.injected().size() == 1);
      }
      store.Disarm();
      store.Restart();
      for (const char* tenant : {"t", "u"}) {
        INFO(tenant);
        CHECK(HasKeyVersion(*real, tenant, 2) ==
              StoreRecordsRotation(*real, tenant));
      }
      CHECK(VerifyLedger(*real)->clean());
      // Opened again, the rotations that did not happen happen, recorded.
      auto ledger = OpenOver(store, MasterKeys("ab"), &clock);
      for (const char* tenant : {"t", "u"}) {
        INFO(tenant);
        CHECK(HasKeyVersion(*real, tenant, 2));
        CHECK(StoreRecordsRotation(*real, tenant));
        CHECK_FALSE(HasKeyVersion(*real, tenant, 3));
      }
      REQUIRE(ledger->Append({Draft("t", "two")}).ok());
      CHECK(VerifyLedger(*real)->clean());
    }
  }
}

TEST_CASE("a ledger never seals with a retired master key unrecorded",
          "[ledger][keys]") {
  // Without a clock the change cannot be recorded: the ledger does not
  // open, rather than seal on under the old key or rotate unrecorded.
  testing::FakeClock clock;
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  testing::FaultInjectingStore store(*real);
  {
    auto ledger = OpenOver(store, MasterKeys("a"), &clock);
    REQUIRE(ledger->Append({Draft("t", "one")}).ok());
  }
  CHECK(absl::IsInvalidArgument(TryOpenOver(store, MasterKeys("ab")).status()));
  CHECK_FALSE(HasKeyVersion(*real, "t", 2));
  CHECK_FALSE(StoreRecordsRotation(*real, "t"));
}

}  // namespace
}  // namespace portcullis::ledger
