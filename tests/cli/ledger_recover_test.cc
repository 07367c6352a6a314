// The issue-15 scenario end to end: a byte flipped in the write-ahead log
// of a stopped gate. Verify no longer says "intact" about what is left; it
// names the damaged log. Recover salvages the entries before the damage,
// records what was lost on the chain, and the ledger verifies again with
// the loss on the record.
#include <catch2/catch.hpp>
#include <filesystem>

#include "absl/strings/match.h"
#include "cli/ledger_commands.h"
#include "crypto/key_file.h"
#include "ledger/checkpoint_files.h"
#include "ledger/entry.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "tests/cli/captured.h"
#include "tests/testing/damage.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

// A gate's data directory: its key, and 60 entries of tenant "t" signed
// every 3, all still in the write-ahead log.
void BuildGateLedger(const testing::TempDir& dir, const Clock& clock) {
  crypto::SigningKey key = crypto::SigningKey::Generate();
  std::filesystem::create_directories(dir.Sub("data"));
  REQUIRE(crypto::WriteSigningKeyFile(dir.Sub("data/gate.key"), key).ok());
  REQUIRE(
      crypto::WriteVerifyingKeyFile(dir.Sub("gate.pub"), key.verifying_key())
          .ok());
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(dir.Sub("data")));
  ledger::LedgerOptions options;
  options.checkpoints.key = &key;
  options.checkpoints.every_entries = 3;
  options.clock = &clock;
  options.checkpoint_files = &kept;
  auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
  REQUIRE(store.ok());
  auto ledger = ledger::Ledger::Open(std::move(*store), options);
  REQUIRE(ledger.ok());
  for (int i = 0; i < 60; ++i) {
    ledger::EntryDraft d;
    d.tenant = "t";
    d.kind = "action.evaluated";
    d.time = clock.Now();
    d.payload = std::string(200, 'p');
    REQUIRE((*ledger)->Append({d}).ok());
  }
}

TEST_CASE(
    "a damaged write-ahead log: verify names it, recover records the "
    "loss",
    "[cli][recover]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  BuildGateLedger(dir, clock);
  testing::DamageWalMiddle(dir.Sub("data"));

  Captured damaged;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", dir.Sub("gate.pub")},
                        damaged.io) == kExitFailed);
  INFO(damaged.out.str());
  CHECK(absl::StartsWith(damaged.out.str(), "DAMAGED"));
  CHECK(absl::StrContains(damaged.out.str(), ".log"));
  CHECK_FALSE(absl::StrContains(damaged.out.str(), "intact"));

  Captured recovered;
  CHECK(RunLedgerRecover({dir.Sub("data"), ""}, clock, recovered.io) ==
        kExitOk);
  INFO(recovered.out.str() << recovered.err.str());
  CHECK(absl::StrContains(recovered.out.str(), "salvaged"));
  CHECK(absl::StrContains(recovered.out.str(), "LOST tenant t: entries "));
  CHECK(absl::StrContains(recovered.out.str(), "-60 "));
  CHECK(absl::StrContains(recovered.out.str(), "the gate can start"));

  Captured verified;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", dir.Sub("gate.pub")},
                        verified.io) == kExitOk);
  INFO(verified.out.str());
  CHECK(absl::StrContains(verified.out.str(), "every chain is intact"));

  Captured again;
  CHECK(RunLedgerRecover({dir.Sub("data"), ""}, clock, again.io) == kExitOk);
  CHECK(absl::StrContains(again.out.str(), "nothing was lost"));
}

// Copies `tenant`'s entry `from` to `to` sequences after it, linked to it
// (its hash kept: it does not verify), as a write torn before its head
// record leaves them.
void StorePastHead(ledger::KeyValueStore& store, const std::string& tenant,
                   uint64_t from, int count) {
  auto stored = store.Get(ledger::ledger_internal::EntryKey(tenant, from));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  auto entry = ledger::DecodeStoredEntry(**stored);
  REQUIRE(entry.ok());
  ledger::WriteBatch batch;
  for (int i = 1; i <= count; ++i) {
    entry->sequence = from + i;
    entry->previous_hash = entry->hash;
    batch.Put(ledger::ledger_internal::EntryKey(tenant, from + i),
              ledger::EncodeStoredEntry(*entry));
  }
  REQUIRE(store.Write(batch, true).ok());
}

TEST_CASE(
    "a chain with entries and no head record: recover keeps what verifies, "
    "records what it drops, and the ledger opens",
    "[cli][recover]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  BuildGateLedger(dir, clock);
  {
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    StorePastHead(**store, "t", 60, 2);
    // And its head record lost: entries 1-60 verify, 61 does not.
    ledger::WriteBatch no_head;
    no_head.Delete(ledger::ledger_internal::HeadKey("t"));
    REQUIRE((*store)->Write(no_head, true).ok());
  }
  auto key = crypto::ReadSigningKeyFile(dir.Sub("data/gate.key"));
  REQUIRE(key.ok());
  auto open = [&] {
    ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(dir.Sub("data")));
    ledger::LedgerOptions options;
    options.checkpoints.key = &*key;
    options.checkpoint_files = &kept;
    options.clock = &clock;
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    auto ledger = ledger::Ledger::Open(*std::move(store), options);
    REQUIRE(ledger.ok());
    return (*ledger)->Refusals();
  };
  REQUIRE(open().size() == 1);  // refused: entries and no head record

  Captured recovered;
  CHECK(RunLedgerRecover({dir.Sub("data"), ""}, clock, recovered.io) ==
        kExitOk);
  INFO(recovered.out.str() << recovered.err.str());
  CHECK(absl::StrContains(recovered.out.str(),
                          "DROPPED tenant t: entries 61-62 (stored past its "
                          "head at 60"));
  CHECK(absl::StrContains(recovered.out.str(), "the gate can start"));
  CHECK(open().empty());

  Captured verified;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", dir.Sub("gate.pub")},
                        verified.io) == kExitOk);
  INFO(verified.out.str());
  CHECK(absl::StrContains(verified.out.str(), "every chain is intact"));
}

TEST_CASE("an entry stored past a head record is dropped by recover",
          "[cli][recover]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  BuildGateLedger(dir, clock);
  {
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    StorePastHead(**store, "t", 60, 1);
  }
  Captured recovered;
  CHECK(RunLedgerRecover({dir.Sub("data"), ""}, clock, recovered.io) ==
        kExitOk);
  INFO(recovered.out.str() << recovered.err.str());
  CHECK(absl::StrContains(recovered.out.str(),
                          "DROPPED tenant t: entries 61-61 (stored past its "
                          "head at 60"));
  CHECK(absl::StrContains(recovered.out.str(),
                          "recorded as ledger.recovered at sequence 61"));

  Captured again;
  CHECK(RunLedgerRecover({dir.Sub("data"), ""}, clock, again.io) == kExitOk);
  CHECK(absl::StrContains(again.out.str(), "nothing was lost"));
}

TEST_CASE("ledger recover needs the gate's key", "[cli][recover]") {
  testing::TempDir dir;
  Captured c;
  CHECK(RunLedgerRecover({dir.Sub("data"), ""}, testing::FakeClock(), c.io) ==
        kExitUsage);
  CHECK(absl::StrContains(c.err.str(), "--key"));
}

}  // namespace
}  // namespace portcullis::cli
