#include "cli/ledger_export.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "cli/ledger_verify_export.h"
#include "crypto/key_file.h"
#include "crypto/master_key_file.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

// A gate's data: tenants "a" (10 entries, checkpoints at 4 and 8, then 10
// at shutdown) and "b", a key pair and a master key file.
struct Fixture {
  testing::TempDir dir;
  crypto::SigningKey key = crypto::SigningKey::Generate();
  testing::FakeClock clock;

  Fixture() {
    REQUIRE(
        crypto::WriteVerifyingKeyFile(dir.Sub("gate.pub"), key.verifying_key())
            .ok());
    REQUIRE(crypto::CreateMasterKeyFile(dir.Sub("master.key")).ok());
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    ledger::LedgerOptions options;
    options.checkpoints.key = &key;
    options.checkpoints.every_entries = 4;
    options.clock = &clock;
    options.master_keys = std::make_shared<std::vector<crypto::MasterKey>>(
        *crypto::ReadMasterKeyFile(dir.Sub("master.key")));
    auto ledger = ledger::Ledger::Open(std::move(*store), options);
    REQUIRE(ledger.ok());
    for (int i = 1; i <= 10; ++i) {
      ledger::EntryDraft d;
      d.tenant = i % 5 == 0 ? "b" : "a";
      d.time = clock.Now();
      d.kind = "action.evaluated";
      d.payload = "payload-" + std::to_string(i);
      REQUIRE((*ledger)->Append({d}).ok());
    }
    REQUIRE((*ledger)->SignCheckpoints(true).ok());
  }

  std::string Export(LedgerExportArgs args, int expect = kExitOk) {
    args.data_dir = dir.Sub("data");
    Captured c;
    INFO(c.err.str());
    CHECK(RunLedgerExport(args, c.io) == expect);
    std::ofstream(dir.Sub("export.jsonl")) << c.out.str();
    return c.out.str();
  }

  int VerifyExport(const std::string& text, std::string* out = nullptr) {
    std::ofstream(dir.Sub("check.jsonl")) << text;
    Captured c;
    int code = RunLedgerVerifyExport(
        {dir.Sub("check.jsonl"), dir.Sub("gate.pub")}, c.io);
    if (out != nullptr) *out = c.out.str() + c.err.str();
    return code;
  }
};

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST_CASE("an export of a tenant verifies without the database", "[export]") {
  Fixture f;
  std::string text = f.Export({"", "a"});
  std::vector<std::string> lines = Lines(text);
  // header, the checkpoint of 8 (all of a's entries), 8 entries.
  REQUIRE(lines.size() == 10);
  CHECK(lines[0].find("portcullis/ledger-export/v1") != std::string::npos);
  CHECK(lines[1].find("portcullis/checkpoint/v1/") != std::string::npos);
  std::string out;
  CHECK(f.VerifyExport(text, &out) == kExitOk);
  CHECK(out.find("VERIFIED tenant a entries 1..8 (8 entries, 0 payloads "
                 "pruned, 0 plaintexts checked) against the checkpoint of 8") ==
        0);
}

TEST_CASE(
    "a partial export proves its entries against an earlier "
    "checkpoint consistent with the latest",
    "[export]") {
  Fixture f;
  std::string text = f.Export({"", "a", 2, 3});
  std::vector<std::string> lines = Lines(text);
  // header, checkpoint of 4, consistency 4->8, checkpoint of 8, 2 entries.
  REQUIRE(lines.size() == 6);
  CHECK(lines[2].find("consistency") != std::string::npos);
  CHECK(f.VerifyExport(text) == kExitOk);
}

TEST_CASE("a decrypted export proves each plaintext", "[export]") {
  Fixture f;
  std::string text = f.Export({"", "a", 0, 0, "", f.dir.Sub("master.key")});
  CHECK(text.find("\"entryKey\"") != std::string::npos);
  std::string out;
  CHECK(f.VerifyExport(text, &out) == kExitOk);
  CHECK(out.find("8 plaintexts checked") != std::string::npos);
  // A plaintext swapped for another is caught.
  std::vector<std::string> lines = Lines(text);
  std::string entry = lines[3];
  size_t at = entry.find("\"plaintext\":\"") + 13;
  entry[at] = entry[at] == 'A' ? 'B' : 'A';
  lines[3] = entry;
  std::string forged;
  for (const std::string& l : lines) forged += l + "\n";
  CHECK(f.VerifyExport(forged, &out) == kExitFailed);
  CHECK(out.find("line 4") != std::string::npos);
}

TEST_CASE("tampered exports are rejected naming the line", "[export]") {
  Fixture f;
  std::vector<std::string> lines = Lines(f.Export({"", "a"}));
  auto join = [](const std::vector<std::string>& ls) {
    std::string s;
    for (const std::string& l : ls) s += l + "\n";
    return s;
  };
  std::string out;
  SECTION("a deleted entry") {
    std::vector<std::string> cut = lines;
    cut.erase(cut.begin() + 4);
    CHECK(f.VerifyExport(join(cut), &out) == kExitFailed);
    CHECK(out.find("expected entry 3") != std::string::npos);
  }
  SECTION("the last entry removed") {
    std::vector<std::string> cut = lines;
    cut.pop_back();
    CHECK(f.VerifyExport(join(cut), &out) == kExitFailed);
    CHECK(out.find("entries removed") != std::string::npos);
  }
  SECTION("a modified field") {
    std::vector<std::string> edited = lines;
    size_t at = edited[3].find("\"kind\":\"action.evaluated\"");
    REQUIRE(at != std::string::npos);
    edited[3].replace(at, 25, "\"kind\":\"action.executed\"");
    CHECK(f.VerifyExport(join(edited), &out) == kExitFailed);
    CHECK(out.find("line 4 (sequence 2)") != std::string::npos);
  }
  SECTION("a checkpoint signed by another key") {
    crypto::SigningKey other = crypto::SigningKey::Generate();
    REQUIRE(crypto::WriteVerifyingKeyFile(f.dir.Sub("other.pub"),
                                          other.verifying_key())
                .ok());
    std::ofstream(f.dir.Sub("check.jsonl")) << join(lines);
    Captured c;
    CHECK(RunLedgerVerifyExport(
              {f.dir.Sub("check.jsonl"), f.dir.Sub("other.pub")}, c.io) ==
          kExitFailed);
    CHECK(c.out.str().find("not signed by the gate's key") !=
          std::string::npos);
  }
  SECTION("not JSON") {
    std::vector<std::string> edited = lines;
    edited[5] = "{not json";
    CHECK(f.VerifyExport(join(edited), &out) == kExitFailed);
    CHECK(out.find("line 6") != std::string::npos);
  }
}

TEST_CASE("the ledger's own chain exports and verifies like a tenant's",
          "[export]") {
  Fixture f;
  {
    auto store = ledger::RocksDbStore::Open(f.dir.Sub("data"), {});
    REQUIRE(store.ok());
    ledger::LedgerOptions options;
    options.checkpoints.key = &f.key;
    options.clock = &f.clock;
    auto ledger = ledger::Ledger::Open(std::move(*store), options);
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->DeleteTenant("b").ok());
    REQUIRE((*ledger)->SignCheckpoints(true).ok());
  }
  std::string text = f.Export({"", "_ledger"});
  CHECK(text.find("tenant.deleted") != std::string::npos);
  CHECK(f.VerifyExport(text) == kExitOk);
}

TEST_CASE("export and verify-export report usage errors", "[export]") {
  Fixture f;
  f.Export({"", "../x"}, kExitUsage);
  f.Export({"", "a", 5, 2}, kExitUsage);
  f.Export({"", "a", 0, 0, "bogus"}, kExitUsage);
  f.Export({"", "a", 0, 9}, kExitFailed);  // beyond the latest checkpoint
  f.Export({"", "nobody"}, kExitFailed);   // nothing signed
  Captured missing;
  CHECK(RunLedgerVerifyExport({f.dir.Sub("absent"), f.dir.Sub("gate.pub")},
                              missing.io) == kExitUsage);
  Captured no_key;
  CHECK(RunLedgerVerifyExport({f.dir.Sub("absent"), ""}, no_key.io) ==
        kExitUsage);
}

}  // namespace
}  // namespace portcullis::cli

namespace portcullis::cli {
namespace {

TEST_CASE("an export says which entries no checkpoint proves yet", "[export]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  crypto::SigningKey key = crypto::SigningKey::Generate();
  {
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    ledger::LedgerOptions options;
    options.checkpoints.key = &key;
    options.checkpoints.every_entries = 4;
    options.clock = &clock;
    auto ledger = ledger::Ledger::Open(std::move(*store), options);
    REQUIRE(ledger.ok());
    for (int i = 1; i <= 6; ++i) {
      ledger::EntryDraft d;
      d.tenant = "a";
      d.time = clock.Now();
      d.kind = "action.evaluated";
      d.payload = "payload";
      REQUIRE((*ledger)->Append({d}).ok());
    }
  }
  LedgerExportArgs args;
  args.data_dir = dir.Sub("data");
  args.tenant = "a";
  Captured c;
  REQUIRE(RunLedgerExport(args, c.io) == kExitOk);
  CHECK(Lines(c.out.str()).size() == 2 + 4);  // header, checkpoint, 1-4
  CHECK(c.err.str().find("note: entries 5-6 of a are not in this export") !=
        std::string::npos);

  args.to = 4;  // asked for exactly what is proven: nothing to say
  Captured asked;
  REQUIRE(RunLedgerExport(args, asked.io) == kExitOk);
  CHECK(asked.err.str().empty());
}

}  // namespace
}  // namespace portcullis::cli
