#include "cli/ledger_commands.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

struct Captured {
  std::ostringstream out, err;
  CommandIo io{out, err, false};
};

void BuildLedger(const std::string& dir) {
  auto store = ledger::RocksDbStore::Open(dir, {});
  REQUIRE(store.ok());
  auto ledger = ledger::Ledger::Open(std::move(*store));
  REQUIRE(ledger.ok());
  for (const char* tenant : {"a", "ab"}) {
    for (int i = 0; i < 3; ++i) {
      ledger::EntryDraft d;
      d.tenant = tenant;
      d.kind = "action.evaluated";
      d.payload = "p";
      REQUIRE((*ledger)->Append({d}).ok());
    }
  }
}

TEST_CASE("ledger verify exits 0 on an intact ledger", "[cli]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("data"));
  Captured c;
  CHECK(RunLedgerVerify({dir.Sub("data"), ""}, c.io) == kExitOk);
  CHECK(c.out.str() ==
        "verified 2 tenants, 6 entries: every chain is intact\n");
}

TEST_CASE("ledger verify exits 1 and names tenant and sequence on tampering",
          "[cli]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("data"));
  {
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    ledger::WriteBatch batch;
    batch.Delete(ledger::ledger_internal::EntryKey("ab", 2));
    REQUIRE((*store)->Write(batch, true).ok());
  }
  Captured c;
  CHECK(RunLedgerVerify({dir.Sub("data"), ""}, c.io) == kExitFailed);
  CHECK(c.out.str().find("TAMPERED tenant ab at sequence 2: entry 2 is "
                         "missing") == 0);
  CHECK(c.out.str().find("1 chain broken") != std::string::npos);
  // Limited to the intact tenant, the same ledger verifies.
  Captured only_a;
  CHECK(RunLedgerVerify({dir.Sub("data"), "a"}, only_a.io) == kExitOk);
}

TEST_CASE("ledger verify exits 2 on usage errors", "[cli]") {
  testing::TempDir dir;
  Captured missing_flag;
  CHECK(RunLedgerVerify({"", ""}, missing_flag.io) == kExitUsage);
  CHECK(missing_flag.err.str().find("--data") != std::string::npos);
  Captured no_ledger;
  CHECK(RunLedgerVerify({dir.Sub("absent"), ""}, no_ledger.io) == kExitUsage);
  CHECK(no_ledger.err.str().find("no ledger database") != std::string::npos);
  Captured bad_tenant;
  CHECK(RunLedgerVerify({dir.Sub("absent"), "../x"}, bad_tenant.io) ==
        kExitUsage);
  CHECK(bad_tenant.err.str().find("--tenant") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
