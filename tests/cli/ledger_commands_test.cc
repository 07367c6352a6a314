#include "cli/ledger_commands.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "crypto/key_file.h"
#include "ledger/checkpoint.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

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
        "verified 2 tenants, 6 entries, 0 checkpoints: every chain is "
        "intact\n");
  CHECK(c.err.str().find("--key") != std::string::npos);
}

TEST_CASE("ledger verify says which replicas the entries name",
          "[cli][replica]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("data"));  // unnamed entries first
  for (const char* replica : {"agent-1", "agent-0"}) {
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    // As a ledger written before it kept its replica's name (now another
    // name is refused) may have been renamed.
    ledger::WriteBatch forget;
    forget.Delete(ledger::ledger_internal::ReplicaKey());
    REQUIRE((*store)->Write(forget, true).ok());
    ledger::LedgerOptions options;
    options.replica = replica;
    auto ledger = ledger::Ledger::Open(std::move(*store), options);
    REQUIRE(ledger.ok());
    ledger::EntryDraft d;
    d.tenant = "a";
    d.kind = "action.evaluated";
    d.payload = "p";
    REQUIRE((*ledger)->Append({d}).ok());
  }
  Captured c;
  CHECK(RunLedgerVerify({dir.Sub("data"), ""}, c.io) == kExitOk);
  CHECK(c.out.str() ==
        "verified 2 tenants, 8 entries, 0 checkpoints: every chain is "
        "intact\nentries name replicas agent-0, agent-1\n");
  Captured json;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", "", true}, json.io) == kExitOk);
  google::protobuf::Struct report;
  REQUIRE(google::protobuf::util::JsonStringToMessage(json.out.str(), &report)
              .ok());
  const auto& replicas = report.fields().at("replicas").list_value();
  REQUIRE(replicas.values_size() == 2);
  CHECK(replicas.values(0).string_value() == "agent-0");
}

TEST_CASE("ledger verify --json prints the report as one JSON object",
          "[cli][json]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("data"));
  Captured c;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", "", true}, c.io) == kExitOk);
  google::protobuf::Struct report;
  REQUIRE(
      google::protobuf::util::JsonStringToMessage(c.out.str(), &report).ok());
  CHECK(report.fields().at("intact").bool_value());
  CHECK(report.fields().at("tenants").number_value() == 2);
  CHECK(report.fields().at("entries").number_value() == 6);
  CHECK(report.fields().at("breaks").list_value().values_size() == 0);
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

// Tenant "a": 6 entries with checkpoints at 3 and 6, signed by `key`.
void BuildSignedLedger(const std::string& dir, const crypto::SigningKey& key,
                       testing::FakeClock& clock) {
  auto store = ledger::RocksDbStore::Open(dir, {});
  REQUIRE(store.ok());
  ledger::LedgerOptions options;
  options.checkpoints.key = &key;
  options.checkpoints.every_entries = 3;
  options.clock = &clock;
  auto ledger = ledger::Ledger::Open(std::move(*store), options);
  REQUIRE(ledger.ok());
  for (int i = 0; i < 6; ++i) {
    ledger::EntryDraft d;
    d.tenant = "a";
    d.time = clock.Now() - absl::Hours(24 * (10 - i));
    d.kind = "action.evaluated";
    d.payload = "p";
    REQUIRE((*ledger)->Append({d}).ok());
  }
}

TEST_CASE("ledger verify --key checks checkpoint signatures and truncation",
          "[cli]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  crypto::SigningKey key = crypto::SigningKey::Generate();
  REQUIRE(
      crypto::WriteVerifyingKeyFile(dir.Sub("gate.pub"), key.verifying_key())
          .ok());
  BuildSignedLedger(dir.Sub("data"), key, clock);
  Captured clean;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", dir.Sub("gate.pub")}, clean.io) ==
        kExitOk);
  CHECK(clean.out.str() ==
        "verified 1 tenant, 6 entries, 2 checkpoints: every chain is "
        "intact\n");
  CHECK(clean.err.str().empty());
  {
    // Entries 5 and 6 removed, the head moved back to 4: only the
    // checkpoint of 6 remembers them.
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    ledger::WriteBatch batch;
    auto four = (*store)->Get(ledger::ledger_internal::EntryKey("a", 4));
    auto entry = ledger::DecodeStoredEntry(**four);
    for (uint64_t s : {5, 6}) {
      batch.Delete(ledger::ledger_internal::EntryKey("a", s));
      batch.Delete(ledger::ledger_internal::PayloadKey("a", s));
    }
    std::string head(8, '\0');
    head[7] = 4;
    head += std::string(crypto::AsBytes(entry->hash));
    batch.Put(ledger::ledger_internal::HeadKey("a"), head);
    REQUIRE((*store)->Write(batch, true).ok());
  }
  Captured truncated;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", dir.Sub("gate.pub")},
                        truncated.io) == kExitFailed);
  CHECK(truncated.out.str().find(
            "TAMPERED tenant a at sequence 5: the chain ends at 4 but the "
            "gate signed a checkpoint of 6 entries") == 0);
}

TEST_CASE("ledger verify --key rejects a checkpoint another key signed",
          "[cli]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  crypto::SigningKey key = crypto::SigningKey::Generate();
  crypto::SigningKey other = crypto::SigningKey::Generate();
  REQUIRE(
      crypto::WriteVerifyingKeyFile(dir.Sub("other.pub"), other.verifying_key())
          .ok());
  BuildSignedLedger(dir.Sub("data"), key, clock);
  Captured c;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", dir.Sub("other.pub")}, c.io) ==
        kExitFailed);
  CHECK(c.out.str().find("TAMPERED tenant a at sequence 3: the signature of "
                         "the checkpoint of 3 does not verify") == 0);
  Captured bad_key;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", dir.Sub("absent.pub")},
                        bad_key.io) == kExitUsage);
}

TEST_CASE("ledger prune removes old payloads and the ledger still verifies",
          "[cli]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  crypto::SigningKey key = crypto::SigningKey::Generate();
  BuildSignedLedger(dir.Sub("data"), key, clock);
  Captured missing;
  CHECK(RunLedgerPrune({dir.Sub("data"), "", 0}, clock, missing.io) ==
        kExitUsage);
  Captured pruned;
  CHECK(RunLedgerPrune({dir.Sub("data"), "", 7}, clock, pruned.io) == kExitOk);
  CHECK(pruned.out.str() ==
        "tenant a: 3 payloads pruned, entries up to 3 have none\n");
  Captured verified;
  CHECK(RunLedgerVerify({dir.Sub("data"), "a", ""}, verified.io) == kExitOk);
  CHECK(verified.out.str().find("(3 payloads pruned by retention)") !=
        std::string::npos);
}

TEST_CASE("ledger delete-tenant needs --confirm and records the deletion",
          "[cli]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  BuildLedger(dir.Sub("data"));
  Captured unconfirmed;
  CHECK(RunLedgerDeleteTenant({dir.Sub("data"), "ab", false}, clock,
                              unconfirmed.io) == kExitUsage);
  CHECK(unconfirmed.err.str().find("--confirm") != std::string::npos);
  Captured bad;
  CHECK(RunLedgerDeleteTenant({dir.Sub("data"), "../ab", true}, clock,
                              bad.io) == kExitUsage);
  Captured deleted;
  CHECK(RunLedgerDeleteTenant({dir.Sub("data"), "ab", true}, clock,
                              deleted.io) == kExitOk);
  Captured again;
  CHECK(RunLedgerDeleteTenant({dir.Sub("data"), "ab", true}, clock, again.io) ==
        kExitFailed);
  Captured verified;
  CHECK(RunLedgerVerify({dir.Sub("data"), "", ""}, verified.io) == kExitOk);
  CHECK(verified.out.str().find("verified 2 tenants, 4 entries") == 0);
}

}  // namespace
}  // namespace portcullis::cli
