// `portcullis ledger rotate-key` (gate stopped) records its rotation in the
// write that makes the key, and the rotations a new current master key
// makes when it opens the ledger, naming the replica whose ledger it is;
// a tenant with no ledger is refused.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "cli/ledger_commands.h"
#include "cli/replay_export.h"
#include "crypto/master_key_file.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

constexpr char kReplica[] = "agent-0";

// DIR/data: 3 entries of tenants "t" and "u" each, sealed under
// DIR/master.key, written by replica kReplica.
std::shared_ptr<std::vector<crypto::MasterKey>> Masters(
    const testing::TempDir& dir) {
  auto masters = crypto::ReadMasterKeyFile(dir.Sub("master.key"));
  REQUIRE(masters.ok());
  return std::make_shared<std::vector<crypto::MasterKey>>(*std::move(masters));
}

std::unique_ptr<ledger::Ledger> OpenData(const testing::TempDir& dir,
                                         const Clock& clock) {
  ledger::LedgerOptions options;
  options.clock = &clock;
  options.master_keys = Masters(dir);
  options.replica = kReplica;
  auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
  REQUIRE(store.ok());
  auto ledger = ledger::Ledger::Open(std::move(*store), options);
  REQUIRE(ledger.ok());
  return std::move(*ledger);
}

TEST_CASE(
    "offline rotate-key records its rotation and those a new master key "
    "makes",
    "[cli][keys]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  REQUIRE(crypto::CreateMasterKeyFile(dir.Sub("master.key")).ok());
  {
    auto ledger = OpenData(dir, clock);
    for (int i = 0; i < 6; ++i) {
      ledger::EntryDraft d;
      d.tenant = i % 2 == 0 ? "t" : "u";
      d.kind = "action.evaluated";
      d.time = clock.Now();
      d.payload = "refund " + std::to_string(i);
      REQUIRE(ledger->Append({d}).ok());
    }
  }
  const std::string data = dir.Sub("data");
  Captured unknown;
  CHECK(RunLedgerRotateKey({data, "nobody", dir.Sub("master.key")}, clock,
                           unknown.io) == kExitUsage);
  CHECK(absl::StrContains(unknown.err.str(), "tenant nobody has no ledger"));

  Captured rotated;
  CHECK(RunLedgerRotateKey({data, "t", dir.Sub("master.key")}, clock,
                           rotated.io) == kExitOk);
  INFO(rotated.err.str());
  CHECK(absl::StartsWith(rotated.out.str(),
                         "tenant t: payload key version 2 is now current; "
                         "recorded as ledger.key_rotated at sequence 4"));
  CHECK(absl::StrContains(rotated.out.str(), "(recorded as replica agent-0)"));

  // A new current master key, the old one kept to read what it sealed.
  std::ofstream(dir.Sub("master.key"), std::ios::app)
      << absl::Base64Escape(std::string(32, 'n')) << "\n";
  Captured again;
  CHECK(RunLedgerRotateKey({data, "t", dir.Sub("master.key")}, clock,
                           again.io) == kExitOk);
  INFO(again.err.str());
  CHECK(absl::StartsWith(again.out.str(),
                         "tenant t: payload key version 4 is now current; "
                         "recorded as ledger.key_rotated at sequence 6"));

  // A reader (replay, amend) opens the ledger read-only under yet another
  // master key: it rotates nothing, and reads what the others sealed.
  std::ofstream(dir.Sub("master.key"), std::ios::app)
      << absl::Base64Escape(std::string(32, 'o')) << "\n";
  {
    auto reader = OpenLedgerReadOnly(data, dir.Sub("master.key"));
    INFO(reader.status());
    REQUIRE(reader.ok());
    int read = 0;
    REQUIRE((*reader)
                ->Read("t", 1, false,
                       [&](const ledger::Entry& e) {
                         CHECK(e.payload.has_value());
                         ++read;
                         return true;
                       })
                .ok());
    CHECK(read == 6);
  }

  auto ledger = OpenData(dir, clock);
  std::vector<std::string> rotations;
  for (const char* tenant : {"t", "u"}) {
    REQUIRE(ledger
                ->Read(tenant, 4, false,
                       [&](const ledger::Entry& e) {
                         CHECK(e.kind == "ledger.key_rotated");
                         CHECK(e.replica == kReplica);
                         rotations.push_back(e.tenant + " " +
                                             e.payload.value_or("?"));
                         return true;
                       })
                .ok());
  }
  CHECK(rotations ==
        std::vector<std::string>{
            "t {\"keyVersion\":2,\"trigger\":\"offline\"}",
            "t {\"keyVersion\":3,\"trigger\":\"master-key-change\"}",
            "t {\"keyVersion\":4,\"trigger\":\"offline\"}",
            // The reader's master key, applied by the next writer.
            "t {\"keyVersion\":5,\"trigger\":\"master-key-change\"}",
            "u {\"keyVersion\":2,\"trigger\":\"master-key-change\"}",
            "u {\"keyVersion\":3,\"trigger\":\"master-key-change\"}"});
  Captured verified;
  CHECK(RunLedgerVerify({data, ""}, verified.io) == kExitOk);
}

}  // namespace
}  // namespace portcullis::cli
