// Startup integrity under damage (issue 15, "Evidence must not be lost
// silently"): entries after the latest checkpoint are recomputed, not
// trusted; a chain behind the checkpoint kept outside the database is
// refused; a tenant whose records cannot be read is refused alone, by name;
// a loss is recorded by RecordLosses and the chain then serves again.
#include <catch2/catch.hpp>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/checkpoint.h"
#include "ledger/checkpoint_files.h"
#include "ledger/entry.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/verifier.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/damaged_store.h"
#include "tests/testing/fake_clock.h"

namespace portcullis::ledger {
namespace {

using ledger_internal::CheckpointKey;
using ledger_internal::EntryKey;
using ledger_internal::HeadKey;
using ledger_internal::PayloadKey;
using ledger_internal::PrefixEnd;
using ledger_internal::TenantPrefix;

struct Setup {
  testing::TempDir dir;
  crypto::SigningKey key =
      *crypto::SigningKey::FromSeed(std::string(32, '\x02'));
  testing::FakeClock clock;
  CheckpointFiles files{dir.Sub("checkpoints")};

  LedgerOptions Options(bool keep_outside) {
    LedgerOptions o;
    o.checkpoints.key = &key;
    o.checkpoints.every_entries = 3;
    o.clock = &clock;
    if (keep_outside) o.checkpoint_files = &files;
    return o;
  }
  std::unique_ptr<Ledger> Open(bool keep_outside = true) {
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")), Options(keep_outside));
    REQUIRE(ledger.ok());
    return std::move(*ledger);
  }
  std::string OnlyRefusal(Ledger& ledger, const std::string& tenant) {
    auto refusals = ledger.Refusals();
    REQUIRE(refusals.size() == 1);
    CHECK(refusals[0].tenant == tenant);
    return refusals[0].reason;
  }
};

// Rewrites `tenant`'s entry `sequence` through `change`, keeping its stored
// hash field: only recomputing the hash shows the change.
template <typename Change>
void RewriteEntry(const std::string& db, const std::string& tenant,
                  uint64_t sequence, Change change) {
  auto store = OpenStore(db);
  auto stored = store->Get(EntryKey(tenant, sequence));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  auto entry = DecodeStoredEntry(**stored);
  REQUIRE(entry.ok());
  change(*entry);
  WriteBatch batch;
  batch.Put(EntryKey(tenant, sequence), EncodeStoredEntry(*entry));
  REQUIRE(store->Write(batch, true).ok());
}

// Removes entries from..to of `tenant` and every trace of them — the head
// moved back, the store's checkpoints of those sizes deleted — the way a
// write-ahead log cut short by point-in-time recovery leaves a chain.
void CutChain(const std::string& db, const std::string& tenant, uint64_t from,
              uint64_t to) {
  auto store = OpenStore(db);
  auto kept_head = store->Get(EntryKey(tenant, from - 1));
  REQUIRE(kept_head.ok());
  WriteBatch batch;
  for (uint64_t s = from; s <= to; ++s) {
    batch.Delete(EntryKey(tenant, s));
    batch.Delete(PayloadKey(tenant, s));
    batch.Delete(CheckpointKey(tenant, s));
  }
  // A head for `from - 1` without its Merkle frontier (version 1): the
  // tree is rebuilt from the entries at open.
  auto entry = DecodeStoredEntry(**kept_head);
  REQUIRE(entry.ok());
  std::string head;
  for (int i = 7; i >= 0; --i) {
    head.push_back(static_cast<char>(((from - 1) >> (8 * i)) & 0xff));
  }
  head.append(std::string(crypto::AsBytes(entry->hash)));
  batch.Put(HeadKey(tenant), head);
  REQUIRE(store->Write(batch, true).ok());
}

TEST_CASE("a head entry rewritten with its recorded hash kept is refused",
          "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open();
    AppendN(*ledger, "t", 4);  // a checkpoint at 3, entry 4 after it
    AppendN(*ledger, "u", 1);
  }
  RewriteEntry(setup.dir.Sub("db"), "t", 4,
               [](Entry& e) { e.request_id = "forged"; });
  auto ledger = setup.Open();
  std::string reason = setup.OnlyRefusal(*ledger, "t");
  CHECK(absl::StrContains(reason, "entry 4"));
  CHECK(absl::StrContains(reason, "modified"));
  CHECK(ledger->Append({Draft("t", "after")}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(ledger->Append({Draft("u", "fine")}).ok());
}

TEST_CASE("the entry a checkpoint ends at is recomputed too",
          "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open(/*keep_outside=*/false);
    AppendN(*ledger, "t", 3);  // the checkpoint ends at the head
  }
  RewriteEntry(setup.dir.Sub("db"), "t", 3,
               [](Entry& e) { e.kind = "action.forged"; });
  auto ledger = setup.Open(/*keep_outside=*/false);
  CHECK(absl::StrContains(setup.OnlyRefusal(*ledger, "t"), "entry 3"));
}

TEST_CASE("a payload after the checkpoint modified is refused",
          "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open();
    AppendN(*ledger, "t", 5);
  }
  {
    auto store = OpenStore(setup.dir.Sub("db"));
    WriteBatch batch;
    batch.Put(PayloadKey("t", 5), "not the payload");
    REQUIRE(store->Write(batch, true).ok());
  }
  auto ledger = setup.Open();
  CHECK(
      absl::StrContains(setup.OnlyRefusal(*ledger, "t"), "payload of entry 5"));
}

TEST_CASE("a chain cut behind its kept checkpoint is refused, naming the loss",
          "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open();
    AppendN(*ledger, "t", 7);  // checkpoints at 3 and 6, kept: 6
    AppendN(*ledger, "u", 3);
  }
  CutChain(setup.dir.Sub("db"), "t", 5, 7);
  // Without the kept checkpoint the cut cannot be seen: the store's own
  // checkpoint of 6 went with the entries.
  REQUIRE(setup.Open(/*keep_outside=*/false)->Refusals().empty());

  auto ledger = setup.Open();
  std::string reason = setup.OnlyRefusal(*ledger, "t");
  INFO(reason);
  CHECK(absl::StrContains(reason, "chain ends at 4"));
  CHECK(absl::StrContains(reason, "covers 6 entries"));
  CHECK(absl::StrContains(reason, "entries 5-6 were lost"));
  CHECK(absl::StrContains(reason, setup.files.PathOf("t")));
  CHECK(ledger->Append({Draft("u", "fine")}).ok());

  // `ledger verify` sees it as well, given the kept checkpoints.
  VerifyOptions verify;
  verify.key = &setup.key.verifying_key();
  verify.kept_checkpoints = *setup.files.ReadAll();
  ledger.reset();
  auto report = VerifyLedger(*OpenStore(setup.dir.Sub("db")), verify);
  REQUIRE(report.ok());
  REQUIRE(report->breaks.size() == 1);
  CHECK(report->breaks[0].tenant == "t");
  CHECK(absl::StrContains(report->breaks[0].reason, "checkpoint of 6"));
}

TEST_CASE(
    "a tenant whose every record was lost is refused by its kept "
    "checkpoint",
    "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open();
    AppendN(*ledger, "t", 3);
  }
  {
    auto store = OpenStore(setup.dir.Sub("db"));
    WriteBatch batch;
    for (char tag : ledger_internal::kAllTenantTags) {
      std::string prefix = TenantPrefix(tag, "t");
      batch.DeleteRange(prefix, PrefixEnd(prefix));
    }
    REQUIRE(store->Write(batch, true).ok());
  }
  auto ledger = setup.Open();
  CHECK(absl::StrContains(setup.OnlyRefusal(*ledger, "t"), "chain ends at 0"));
}

TEST_CASE("recording a loss re-anchors the chain with the loss on it",
          "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open();
    AppendN(*ledger, "t", 7);
  }
  CutChain(setup.dir.Sub("db"), "t", 5, 7);
  {
    LedgerOptions options = setup.Options(true);
    options.check_kept_checkpoints = false;
    auto ledger = Ledger::Open(OpenStore(setup.dir.Sub("db")), options);
    REQUIRE(ledger.ok());
    auto recovered = (*ledger)->RecordLosses("000012.log is damaged");
    REQUIRE(recovered.ok());
    REQUIRE(recovered->size() == 1);
    CHECK((*recovered)[0].tenant == "t");
    CHECK((*recovered)[0].chain_end == 4);
    CHECK((*recovered)[0].kept_size == 6);
    CHECK((*recovered)[0].recorded_at == 5);
    auto again = (*ledger)->RecordLosses("again");
    REQUIRE(again.ok());
    CHECK(again->empty());
    std::string payload;
    REQUIRE((*ledger)
                ->Read("t", 5, false,
                       [&](const Entry& e) {
                         CHECK(e.kind == "ledger.recovered");
                         payload = e.payload.value_or("");
                         return false;
                       })
                .ok());
    CHECK(absl::StrContains(payload, "\"lostFrom\":5"));
    CHECK(absl::StrContains(payload, "\"lostThrough\":6"));
    CHECK(absl::StrContains(payload, "000012.log"));
  }
  auto ledger = setup.Open();
  for (const auto& r : ledger->Refusals()) INFO(r.reason);
  CHECK(ledger->Refusals().empty());
  auto appended = ledger->Append({Draft("t", "serving-again")});
  INFO(appended.status().message());
  CHECK(appended.ok());
  VerifyOptions verify;
  verify.key = &setup.key.verifying_key();
  verify.kept_checkpoints = *setup.files.ReadAll();
  ledger.reset();
  auto report = VerifyLedger(*OpenStore(setup.dir.Sub("db")), verify);
  REQUIRE(report.ok());
  CHECK(report->clean());
}

TEST_CASE("kept checkpoints are written only for synced ledgers",
          "[startup_integrity]") {
  Setup setup;
  LedgerOptions options = setup.Options(true);
  options.sync = false;
  {
    auto ledger = Ledger::Open(OpenStore(setup.dir.Sub("db")), options);
    REQUIRE(ledger.ok());
    AppendN(**ledger, "t", 3);
  }
  CHECK(setup.files.ReadAll()->empty());
  {
    auto ledger = setup.Open();
    AppendN(*ledger, "t", 3);
  }
  CHECK(setup.files.ReadAll()->count("t") == 1);
}

TEST_CASE("deleting a tenant removes its kept checkpoint",
          "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open();
    AppendN(*ledger, "t", 3);
    REQUIRE(setup.files.ReadAll()->count("t") == 1);
    REQUIRE(ledger->DeleteTenant("t").ok());
    CHECK(setup.files.ReadAll()->count("t") == 0);
  }
  CHECK(setup.Open()->Refusals().empty());
}

TEST_CASE("a tenant whose records cannot be read is refused alone, by name",
          "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open(/*keep_outside=*/false);
    AppendN(*ledger, "t", 4);
    AppendN(*ledger, "u", 4);
  }
  auto store = OpenStore(setup.dir.Sub("db"));
  auto ledger =
      Ledger::Open(std::make_unique<testing::DamagedStore>(*store, "t"),
                   setup.Options(false));
  REQUIRE(ledger.ok());
  std::string reason = setup.OnlyRefusal(**ledger, "t");
  CHECK(absl::StrContains(reason, "cannot be read"));
  CHECK(absl::StrContains(reason, "000042.sst"));
  CHECK((*ledger)->Append({Draft("u", "fine")}).ok());

  VerifyOptions verify;
  auto report = VerifyLedger(testing::DamagedStore(*store, "t"), verify);
  REQUIRE(report.ok());
  REQUIRE(report->breaks.size() == 1);
  CHECK(report->breaks[0].tenant == "t");
  CHECK(absl::StrContains(report->breaks[0].reason, "000042.sst"));
}

}  // namespace
}  // namespace portcullis::ledger

namespace portcullis::ledger {
namespace {

TEST_CASE("an entry stored past the head is refused, naming it",
          "[startup_integrity]") {
  Setup setup;
  {
    auto ledger = setup.Open();
    AppendN(*ledger, "t", 4);
    AppendN(*ledger, "u", 2);
  }
  {
    // A write torn after its entry and before its head record.
    auto store = OpenStore(setup.dir.Sub("db"));
    auto four = store->Get(EntryKey("t", 4));
    REQUIRE(four.ok());
    auto entry = DecodeStoredEntry(**four);
    REQUIRE(entry.ok());
    entry->sequence = 5;
    entry->previous_hash = entry->hash;
    WriteBatch batch;
    batch.Put(EntryKey("t", 5), EncodeStoredEntry(*entry));
    REQUIRE(store->Write(batch, true).ok());
  }
  auto ledger = setup.Open();
  std::string reason = setup.OnlyRefusal(*ledger, "t");
  CHECK(absl::StrContains(reason, "entry 5 is stored past its head at 4"));
  CHECK(absl::IsFailedPrecondition(
      ledger->Append({Draft("t", "after")}).status()));
  CHECK(ledger->Append({Draft("u", "fine")}).ok());
}

TEST_CASE("a tenant with entries and no head record is refused",
          "[startup_integrity]") {
  Setup setup;
  { auto ledger = setup.Open(); }
  {
    // The first write of a tenant, torn before its head record.
    Entry e;
    e.sequence = 1;
    e.tenant = "t";
    e.kind = "test.entry";
    e.request_id = "torn";
    auto store = OpenStore(setup.dir.Sub("db"));
    WriteBatch batch;
    batch.Put(EntryKey("t", 1), EncodeStoredEntry(e));
    REQUIRE(store->Write(batch, true).ok());
  }
  auto ledger = setup.Open();
  CHECK(absl::StrContains(setup.OnlyRefusal(*ledger, "t"),
                          "entry 1 is stored past its head at 0"));
}

}  // namespace
}  // namespace portcullis::ledger
