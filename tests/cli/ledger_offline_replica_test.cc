// The offline commands (`portcullis ledger prune`, `rotate-key`, `recover`,
// `delete-tenant`) on a replica's data directory record entries naming
// that replica, the name the ledger keeps, without a flag; what they
// record verifies and merges with the other replicas' ledgers. On a lone
// gate's data they name none, as before. An offline rotation is recorded
// in the write that makes the key.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "cli/ledger_commands.h"
#include "cli/ledger_export.h"
#include "cli/ledger_merge.h"
#include "crypto/key_file.h"
#include "crypto/master_key_file.h"
#include "ledger/checkpoint_files.h"
#include "ledger/entry.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

namespace keys = ledger::ledger_internal;

// A gate's data directory `data` (its key, DIR/gate.pub, sealed payloads
// under DIR/master.key): `replica` ("" for a lone gate) wrote 6 entries of
// tenants "t" and "u" each, signed at the end.
void BuildGateData(const testing::TempDir& dir, const std::string& data,
                   const std::string& replica, const Clock& clock) {
  std::filesystem::create_directories(dir.Sub(data));
  crypto::SigningKey key = crypto::SigningKey::Generate();
  REQUIRE(crypto::WriteSigningKeyFile(dir.Sub(data + "/gate.key"), key).ok());
  REQUIRE(
      crypto::WriteVerifyingKeyFile(dir.Sub(data + ".pub"), key.verifying_key())
          .ok());
  if (!std::filesystem::exists(dir.Sub("master.key"))) {
    REQUIRE(crypto::CreateMasterKeyFile(dir.Sub("master.key")).ok());
  }
  auto masters = crypto::ReadMasterKeyFile(dir.Sub("master.key"));
  REQUIRE(masters.ok());
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(dir.Sub(data)));
  ledger::LedgerOptions options;
  options.checkpoints.key = &key;
  options.clock = &clock;
  options.checkpoint_files = &kept;
  options.replica = replica;
  options.master_keys =
      std::make_shared<std::vector<crypto::MasterKey>>(*std::move(masters));
  auto store = ledger::RocksDbStore::Open(dir.Sub(data), {});
  REQUIRE(store.ok());
  auto ledger = ledger::Ledger::Open(std::move(*store), options);
  REQUIRE(ledger.ok());
  for (int i = 0; i < 6; ++i) {
    ledger::EntryDraft d;
    d.tenant = i % 2 == 0 ? "t" : "u";
    d.kind = "action.evaluated";
    d.time = clock.Now();
    d.payload = "refund " + std::to_string(i);
    REQUIRE((*ledger)->Append({d}).ok());
  }
  REQUIRE((*ledger)->SignCheckpoints(true).ok());
}

// Entry `sequence` of `tenant`, decoded from the store as it lies.
ledger::Entry StoredEntry(const std::string& data, const std::string& tenant,
                          uint64_t sequence) {
  ledger::RocksDbOptions options;
  options.read_only = true;
  auto store = ledger::RocksDbStore::Open(data, options);
  REQUIRE(store.ok());
  auto stored = (*store)->Get(keys::EntryKey(tenant, sequence));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  auto entry = ledger::DecodeStoredEntry(**stored);
  REQUIRE(entry.ok());
  return *entry;
}

// Stores a copy of `tenant`'s last entry past its head, as a torn write
// leaves one: `ledger recover` drops it and records that.
void StorePastHead(const std::string& data, const std::string& tenant,
                   uint64_t head) {
  ledger::Entry e = StoredEntry(data, tenant, head);
  auto store = ledger::RocksDbStore::Open(data, {});
  REQUIRE(store.ok());
  e.sequence = head + 1;
  e.previous_hash = e.hash;
  ledger::WriteBatch batch;
  batch.Put(keys::EntryKey(tenant, head + 1), ledger::EncodeStoredEntry(e));
  REQUIRE((*store)->Write(batch, true).ok());
}

std::string Export(const testing::TempDir& dir, const std::string& data) {
  Captured c;
  LedgerExportArgs args;
  args.data_dir = dir.Sub(data);
  args.tenant = "t";
  REQUIRE(RunLedgerExport(args, c.io) == kExitOk);
  std::string file = dir.Sub(data + ".jsonl");
  std::ofstream(file) << c.out.str();
  return file;
}

TEST_CASE(
    "offline prune rotate-key and recover on a replica's data name the "
    "replica and the ledgers still verify and merge",
    "[cli][replica]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  BuildGateData(dir, "agent-0", "agent-0", clock);
  BuildGateData(dir, "agent-1", "agent-1", clock);
  const std::string data = dir.Sub("agent-0");
  clock.Advance(absl::Hours(24 * 30));

  Captured pruned;
  CHECK(RunLedgerPrune({data, "t", 7}, clock, pruned.io) == kExitOk);
  CHECK(pruned.out.str() ==
        "tenant t: 3 payloads pruned, entries up to 3 have none (recorded as "
        "replica agent-0)\n");

  Captured rotated;
  CHECK(RunLedgerRotateKey({data, "t", dir.Sub("master.key")}, clock,
                           rotated.io) == kExitOk);
  INFO(rotated.err.str());
  CHECK(rotated.out.str() ==
        "tenant t: payload key version 2 is now current; recorded as "
        "ledger.key_rotated at sequence 5 (recorded as replica agent-0)\n");

  StorePastHead(data, "t", 5);
  Captured recovered;
  CHECK(RunLedgerRecover({data, ""}, clock, recovered.io) == kExitOk);
  INFO(recovered.out.str());
  CHECK(absl::StrContains(recovered.out.str(),
                          "recorded as ledger.recovered at sequence 6"));
  CHECK(
      absl::StrContains(recovered.out.str(), "(recorded as replica agent-0)"));

  const char* kinds[] = {"ledger.pruned", "ledger.key_rotated",
                         "ledger.recovered"};
  for (uint64_t sequence = 1; sequence <= 6; ++sequence) {
    INFO("entry " << sequence);
    ledger::Entry e = StoredEntry(data, "t", sequence);
    if (sequence >= 4) CHECK(e.kind == kinds[sequence - 4]);
    CHECK(e.version == ledger::kEntryVersion3);
    CHECK(e.replica == "agent-0");
  }

  Captured verified;
  CHECK(RunLedgerVerify({data, "", dir.Sub("agent-0.pub")}, verified.io) ==
        kExitOk);
  INFO(verified.out.str() << verified.err.str());
  CHECK(absl::StrContains(verified.out.str(),
                          "every chain is intact\nentries name replica "
                          "agent-0\n"));

  Captured merged;
  CHECK(RunLedgerMerge({{Export(dir, "agent-0"), Export(dir, "agent-1")},
                        dir.Sub("agent-0.pub") + "," + dir.Sub("agent-1.pub")},
                       merged.io) == kExitOk);
  INFO(merged.err.str());
  CHECK(absl::StrContains(merged.out.str(),
                          "\"replica\":\"agent-0\",\"tenant\":\"t\","
                          "\"sequence\":\"6\""));
  CHECK_FALSE(absl::StrContains(merged.out.str(), "\"replica\":\"\""));
}

TEST_CASE("an offline command refuses a replica the ledger is not",
          "[cli][replica]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  BuildGateData(dir, "agent-0", "agent-0", clock);
  const std::string data = dir.Sub("agent-0");
  clock.Advance(absl::Hours(24 * 30));
  Captured pruned;
  CHECK(RunLedgerPrune({data, "", 7, "agent-1"}, clock, pruned.io) ==
        kExitUsage);
  CHECK(
      absl::StrContains(pruned.err.str(), "replica agent-0's, not agent-1's"));
  Captured rotated;
  CHECK(RunLedgerRotateKey({data, "t", dir.Sub("master.key"), "agent-1"}, clock,
                           rotated.io) == kExitUsage);
  Captured recovered;
  CHECK(RunLedgerRecover({data, "", "agent-1"}, clock, recovered.io) ==
        kExitUsage);
  Captured deleted;
  CHECK(RunLedgerDeleteTenant({data, "u", true, "agent-1"}, clock,
                              deleted.io) == kExitUsage);
  // Nothing was recorded; the name it keeps is accepted.
  Captured named;
  CHECK(RunLedgerPrune({data, "", 7, "agent-0"}, clock, named.io) == kExitOk);
  CHECK(StoredEntry(data, "t", 4).replica == "agent-0");
}

TEST_CASE("offline commands on a lone gate's data name no replica",
          "[cli][replica]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  BuildGateData(dir, "data", "", clock);
  const std::string data = dir.Sub("data");
  clock.Advance(absl::Hours(24 * 30));
  Captured pruned;
  CHECK(RunLedgerPrune({data, "t", 7}, clock, pruned.io) == kExitOk);
  CHECK(pruned.out.str() ==
        "tenant t: 3 payloads pruned, entries up to 3 have none\n");
  Captured rotated;
  CHECK(RunLedgerRotateKey({data, "t", dir.Sub("master.key")}, clock,
                           rotated.io) == kExitOk);
  Captured deleted;
  CHECK(RunLedgerDeleteTenant({data, "u", true}, clock, deleted.io) == kExitOk);
  for (uint64_t sequence : {4, 5}) {
    ledger::Entry e = StoredEntry(data, "t", sequence);
    CHECK(e.version == ledger::kEntryVersion2);
    CHECK(e.replica.empty());
  }
  CHECK(StoredEntry(data, "_ledger", 1).version == ledger::kEntryVersion2);
  Captured verified;
  CHECK(RunLedgerVerify({data, "", dir.Sub("data.pub")}, verified.io) ==
        kExitOk);
  CHECK_FALSE(absl::StrContains(verified.out.str(), "name replica"));
}

}  // namespace
}  // namespace portcullis::cli
