#include "ledger/verifier.h"

#include <catch2/catch.hpp>
#include <functional>

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "ledger/internal/keys.h"
#include "tests/ledger/ledger_fixture.h"

namespace portcullis::ledger {
namespace {

using ledger_internal::EntryKey;
using ledger_internal::HeadKey;
using ledger_internal::PayloadKey;

// A ledger with tenants "a" (5 entries) and "ab" (3 entries), closed.
void BuildLedger(const std::string& dir) {
  auto ledger = Ledger::Open(OpenStore(dir));
  REQUIRE(ledger.ok());
  AppendN(**ledger, "a", 5);
  AppendN(**ledger, "ab", 3);
}

std::string Get(KeyValueStore& store, const std::string& key) {
  auto v = store.Get(key);
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  return **v;
}

void Put(KeyValueStore& store, const std::string& key, std::string value) {
  WriteBatch batch;
  batch.Put(key, std::move(value));
  REQUIRE(store.Write(batch, true).ok());
}

void Delete(KeyValueStore& store, const std::string& key) {
  WriteBatch batch;
  batch.Delete(key);
  REQUIRE(store.Write(batch, true).ok());
}

// Verifies and expects exactly one break, in tenant "a" at `sequence`, whose
// reason mentions `words`.
void ExpectBreak(KeyValueStore& store, uint64_t sequence,
                 const std::string& words) {
  auto report = VerifyLedger(store);
  REQUIRE(report.ok());
  REQUIRE(report->breaks.size() == 1);
  CHECK(report->breaks[0].tenant == "a");
  CHECK(report->breaks[0].sequence == sequence);
  INFO(report->breaks[0].reason);
  CHECK(report->breaks[0].reason.find(words) != std::string::npos);
}

// 9,000 entries of tenant "a", appended 1,000 at a time: longer than one
// read of the single reader and than one batch of ranges.
void AppendLongChain(Ledger& ledger) {
  for (int batch = 0; batch < 9; ++batch) {
    std::vector<EntryDraft> drafts;
    for (int i = 0; i < 1000; ++i) {
      drafts.push_back(Draft("a", "p" + std::to_string(batch * 1000 + i)));
    }
    REQUIRE(ledger.Append(std::move(drafts)).ok());
  }
}

TEST_CASE("an untouched ledger verifies clean", "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  auto report = VerifyLedger(*store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->tenants == 2);
  CHECK(report->entries == 8);
}

TEST_CASE("every flipped byte of an entry is detected at that entry",
          "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  std::string original = Get(*store, EntryKey("a", 3));
  for (size_t i = 0; i < original.size(); ++i) {
    INFO("byte " << i);
    std::string flipped = original;
    flipped[i] ^= 0x01;
    Put(*store, EntryKey("a", 3), flipped);
    auto report = VerifyLedger(*store);
    REQUIRE(report.ok());
    REQUIRE(report->breaks.size() == 1);
    CHECK(report->breaks[0].tenant == "a");
    CHECK(report->breaks[0].sequence == 3);
  }
}

TEST_CASE("a modified payload is detected", "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  Put(*store, PayloadKey("a", 2), "a-2 but edited");
  ExpectBreak(*store, 2, "payload modified");
}

TEST_CASE("a deleted entry is detected as a gap", "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  Delete(*store, EntryKey("a", 3));
  ExpectBreak(*store, 3, "entries deleted");
}

TEST_CASE("two swapped entries are detected", "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  std::string second = Get(*store, EntryKey("a", 2));
  std::string third = Get(*store, EntryKey("a", 3));
  Put(*store, EntryKey("a", 2), third);
  Put(*store, EntryKey("a", 3), second);
  ExpectBreak(*store, 2, "reordered");
}

TEST_CASE("an entry copied from another tenant is detected", "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  Put(*store, EntryKey("a", 2), Get(*store, EntryKey("ab", 2)));
  ExpectBreak(*store, 2, "copied from another chain");
}

TEST_CASE("entries removed from the end are detected by the head",
          "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  Delete(*store, EntryKey("a", 5));
  Delete(*store, PayloadKey("a", 5));
  ExpectBreak(*store, 5, "removed from the end");
}

TEST_CASE("verification can be limited to one tenant", "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  Delete(*store, EntryKey("a", 3));
  VerifyOptions only_ab;
  only_ab.tenant = "ab";
  auto report = VerifyLedger(*store, only_ab);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->tenants == 1);
  CHECK(report->entries == 3);
}

TEST_CASE("a removed head is reported", "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  Delete(*store, HeadKey("a"));
  ExpectBreak(*store, 5, "no head record");
}

TEST_CASE("a deleted payload is detected at its entry, last one included",
          "[verifier]") {
  for (uint64_t sequence : {1, 3, 5}) {
    INFO("payload " << sequence);
    testing::TempDir dir;
    BuildLedger(dir.Sub("db"));
    auto store = OpenStore(dir.Sub("db"));
    Delete(*store, PayloadKey("a", sequence));
    ExpectBreak(*store, sequence, "payload is missing");
  }
}

TEST_CASE("a payload stored without its entry is not counted as one",
          "[verifier]") {
  testing::TempDir dir;
  BuildLedger(dir.Sub("db"));
  auto store = OpenStore(dir.Sub("db"));
  std::string payload = Get(*store, PayloadKey("a", 3));
  Delete(*store, EntryKey("a", 3));
  Put(*store, PayloadKey("a", 9), payload);
  // Reported as the gap it is, not hidden by the payloads around it.
  ExpectBreak(*store, 3, "entries deleted");
}

TEST_CASE("a chain longer than one read is verified across the reads",
          "[verifier]") {
  // The verifier reads 4096 entries at a time: 9000 span three reads.
  testing::TempDir dir;
  {
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
    REQUIRE(ledger.ok());
    AppendLongChain(**ledger);
  }
  auto store = OpenStore(dir.Sub("db"));
  auto report = VerifyLedger(*store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 9000);

  std::string payload = Get(*store, PayloadKey("a", 4097));
  Delete(*store, PayloadKey("a", 4097));  // the first of the second read
  ExpectBreak(*store, 4097, "payload is missing");
  Put(*store, PayloadKey("a", 4097), "edited");
  ExpectBreak(*store, 4097, "payload modified");
  Put(*store, PayloadKey("a", 4097), payload);
  Delete(*store, EntryKey("a", 8193));  // the first of the third read
  ExpectBreak(*store, 8193, "entries deleted");
}

TEST_CASE("any thread count finds the same first break in a long chain",
          "[verifier]") {
  // 9,000 entries of one tenant: three chunks, each hashed in parallel
  // tasks; the break must be the first one in chain order whichever task
  // hashed it, and a clean chain must stay clean.
  testing::TempDir dir;
  {
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
    REQUIRE(ledger.ok());
    AppendLongChain(**ledger);
    AppendN(**ledger, "b", 300);
  }
  auto store = OpenStore(dir.Sub("db"));
  for (int threads : {1, 2, 3, 8}) {
    INFO(threads << " threads");
    VerifyOptions options;
    options.threads = threads;
    auto report = VerifyLedger(*store, options);
    REQUIRE(report.ok());
    CHECK(report->clean());
    CHECK(report->entries == 9300);
  }
  // Two damaged entries in the same chunk, in different tasks, and a
  // modified payload before them: the payload is the first break.
  std::string later = Get(*store, EntryKey("a", 6000));
  later[later.size() / 2] ^= 0x01;
  Put(*store, EntryKey("a", 6000), later);
  std::string earlier = Get(*store, EntryKey("a", 5000));
  earlier[earlier.size() / 2] ^= 0x01;
  Put(*store, EntryKey("a", 5000), earlier);
  Put(*store, PayloadKey("a", 4500), "edited");
  for (int threads : {1, 2, 3, 8}) {
    INFO(threads << " threads");
    VerifyOptions options;
    options.threads = threads;
    auto report = VerifyLedger(*store, options);
    REQUIRE(report.ok());
    REQUIRE(report->breaks.size() == 1);
    CHECK(report->breaks[0].tenant == "a");
    CHECK(report->breaks[0].sequence == 4500);
    CHECK(report->breaks[0].reason.find("payload modified") !=
          std::string::npos);
  }
}

TEST_CASE("a lone tenant read by range finds the breaks a single reader does",
          "[verifier]") {
  // With helper threads, one tenant's chain up to its head is read and
  // hashed in ranges of sequences side by side. 9,000 entries span several
  // batches of ranges; each kind of damage must be reported exactly as the
  // single reader (one thread) reports it.
  testing::TempDir dir;
  {
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
    REQUIRE(ledger.ok());
    AppendLongChain(**ledger);
  }
  auto store = OpenStore(dir.Sub("db"));
  auto expect = [&](uint64_t sequence, const std::string& words) {
    for (int threads : {1, 2, 3, 8}) {
      INFO(threads << " threads");
      VerifyOptions options;
      options.tenant = "a";
      options.threads = threads;
      auto report = VerifyLedger(*store, options);
      REQUIRE(report.ok());
      if (words.empty()) {
        CHECK(report->clean());
        CHECK(report->entries == 9000);
        continue;
      }
      REQUIRE(report->breaks.size() == 1);
      CHECK(report->breaks[0].sequence == sequence);
      INFO(report->breaks[0].reason);
      CHECK(report->breaks[0].reason.find(words) != std::string::npos);
    }
  };
  expect(0, "");
  // A whole range of sequences deleted (1025-2048 is one range part).
  std::vector<std::string> removed;
  for (uint64_t q = 1025; q <= 2048; ++q) {
    removed.push_back(Get(*store, EntryKey("a", q)));
    Delete(*store, EntryKey("a", q));
  }
  expect(1025, "entries deleted");
  for (uint64_t q = 1025; q <= 2048; ++q) {
    Put(*store, EntryKey("a", q), removed[q - 1025]);
  }
  expect(0, "");
  // One entry modified in the last range, one payload edited in another.
  std::string last = Get(*store, EntryKey("a", 8999));
  last[last.size() / 2] ^= 0x01;
  Put(*store, EntryKey("a", 8999), last);
  expect(8999, "entry modified");
  std::string payload = Get(*store, PayloadKey("a", 3000));
  Put(*store, PayloadKey("a", 3000), "edited");
  expect(3000, "payload modified");
  Put(*store, PayloadKey("a", 3000), payload);
  last[last.size() / 2] ^= 0x01;
  Put(*store, EntryKey("a", 8999), last);
  // An entry past the head, read after the ranges.
  Put(*store, EntryKey("a", 9001), Get(*store, EntryKey("a", 9000)));
  expect(9001, "entries reordered or moved");
}

TEST_CASE("ranges read ahead in slots that the walk frees are walked in order",
          "[verifier]") {
  // Ranges are read into 16 slots (up to eight threads; two per thread
  // beyond), each free again once the walk has passed the range read there
  // before: 20,000 entries (20 ranges) reuse slots. Every thread count
  // must walk them in order and find the first break, in a range read into
  // a reused slot too.
  testing::TempDir dir;
  {
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
    REQUIRE(ledger.ok());
    for (int batch = 0; batch < 20; ++batch) {
      std::vector<EntryDraft> drafts;
      for (int i = 0; i < 1000; ++i) {
        drafts.push_back(Draft("a", "p" + std::to_string(batch * 1000 + i)));
      }
      REQUIRE((*ledger)->Append(std::move(drafts)).ok());
    }
  }
  auto store = OpenStore(dir.Sub("db"));
  auto expect = [&](uint64_t sequence, const std::string& words) {
    for (int threads : {1, 2, 3, 8}) {
      INFO(threads << " threads");
      VerifyOptions options;
      options.threads = threads;
      auto report = VerifyLedger(*store, options);
      REQUIRE(report.ok());
      if (words.empty()) {
        CHECK(report->clean());
        CHECK(report->entries == 20000);
        continue;
      }
      REQUIRE(report->breaks.size() == 1);
      CHECK(report->breaks[0].sequence == sequence);
      INFO(report->breaks[0].reason);
      CHECK(report->breaks[0].reason.find(words) != std::string::npos);
      CHECK(report->entries == sequence - 1);
    }
  };
  expect(0, "");
  const std::string payload = Get(*store, PayloadKey("a", 18500));
  Put(*store, PayloadKey("a", 18500), "edited");  // slot 2 again
  expect(18500, "payload modified");
  const std::string entry = Get(*store, EntryKey("a", 17000));
  Put(*store, EntryKey("a", 17000), Get(*store, EntryKey("a", 17001)));
  expect(17000, "entries reordered or moved");
  Put(*store, EntryKey("a", 17000), entry);
  Put(*store, PayloadKey("a", 18500), payload);
  // A whole range missing in a reused slot: read on as one chain.
  for (uint64_t q = 17409; q <= 18432; ++q) Delete(*store, EntryKey("a", q));
  expect(17409, "entries deleted");
}

// Opens the ledger in `dir` as replica `replica` ("" for none), appends
// `n` entries to tenant "a", and closes it.
void AppendAsReplica(const std::string& dir, const std::string& replica,
                     int n) {
  LedgerOptions options;
  options.replica = replica;
  auto ledger = Ledger::Open(OpenStore(dir), options);
  REQUIRE(ledger.ok());
  AppendN(**ledger, "a", n);
}

TEST_CASE("a replica's entries name it, under their hash, and verify",
          "[verifier][replica]") {
  testing::TempDir dir;
  AppendAsReplica(dir.Sub("db"), "agent-0", 3);
  auto store = OpenStore(dir.Sub("db"));
  auto entry = DecodeStoredEntry(Get(*store, EntryKey("a", 2)));
  REQUIRE(entry.ok());
  CHECK(entry->version == kEntryVersion3);
  CHECK(entry->replica == "agent-0");
  auto report = VerifyLedger(*store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 3);

  SECTION("an entry moved to another replica's name is modified") {
    Entry renamed = *entry;
    renamed.replica = "agent-1";  // the hash kept as it was
    Put(*store, EntryKey("a", 2), EncodeStoredEntry(renamed));
    ExpectBreak(*store, 2, "entry modified");
  }
  SECTION("an entry whose replica is removed is modified") {
    Entry unnamed = *entry;
    unnamed.version = kEntryVersion2;
    unnamed.replica.clear();
    Put(*store, EntryKey("a", 2), EncodeStoredEntry(unnamed));
    ExpectBreak(*store, 2, "entry modified");
  }
  SECTION("a rehashed entry with an invalid replica is malformed") {
    Entry bad = *entry;
    bad.replica = "../x";
    bad.hash = ComputeEntryHash(bad);
    Put(*store, EntryKey("a", 2), EncodeStoredEntry(bad));
    ExpectBreak(*store, 2, "no valid replica");
  }
}

TEST_CASE("a chain of unnamed entries goes on with named ones and verifies",
          "[verifier][replica]") {
  testing::TempDir dir;
  AppendAsReplica(dir.Sub("db"), "", 2);
  AppendAsReplica(dir.Sub("db"), "agent-0", 2);
  {
    // A ledger written before it kept its replica's name (which now
    // refuses another name) could be renamed: its chain still verifies.
    auto store = OpenStore(dir.Sub("db"));
    WriteBatch forget;
    forget.Delete(ledger_internal::ReplicaKey());
    REQUIRE(store->Write(forget, true).ok());
  }
  AppendAsReplica(dir.Sub("db"), "agent-0-renamed", 1);
  auto store = OpenStore(dir.Sub("db"));
  const std::pair<uint8_t, std::string> expected[] = {
      {kEntryVersion2, ""},
      {kEntryVersion2, ""},
      {kEntryVersion3, "agent-0"},
      {kEntryVersion3, "agent-0"},
      {kEntryVersion3, "agent-0-renamed"}};
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    auto entry = DecodeStoredEntry(Get(*store, EntryKey("a", seq)));
    REQUIRE(entry.ok());
    CHECK(entry->version == expected[seq - 1].first);
    CHECK(entry->replica == expected[seq - 1].second);
  }
  auto report = VerifyLedger(*store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 5);
}

// Everything a report says, to compare reports whole.
std::string Describe(const VerifyReport& report) {
  std::string out = absl::StrCat(
      "tenants ", report.tenants, ", entries ", report.entries, ", pruned ",
      report.pruned, ", checkpoints ", report.checkpoints, ", replicas:");
  for (const std::string& replica : report.replicas) {
    absl::StrAppend(&out, " ", replica);
  }
  for (const ChainBreak& b : report.breaks) {
    absl::StrAppend(&out, "; break in ", b.tenant, " at ", b.sequence, ": ",
                    b.reason);
  }
  return out;
}

// Entry `sequence` of tenant "a", decoded, changed by `edit` and stored
// again; its hash recomputed when `rehash`.
void EditEntry(KeyValueStore& store, uint64_t sequence, bool rehash,
               const std::function<void(Entry&)>& edit) {
  auto entry = DecodeStoredEntry(Get(store, EntryKey("a", sequence)));
  REQUIRE(entry.ok());
  edit(*entry);
  if (rehash) entry->hash = ComputeEntryHash(*entry);
  Put(store, EntryKey("a", sequence), EncodeStoredEntry(*entry));
}

TEST_CASE("every thread count reports each kind of damage the same",
          "[verifier]") {
  // With helper threads, a whole range of 1,024 sequences is checked on
  // the thread that reads it, each entry against the one before it in the
  // range, and the walk only stitches ranges together. Every kind of
  // damage, at a range's first entry, inside it, at its last entry, across
  // two ranges and in the partial range before the head, must give the
  // same report, counts and all, as one thread walking entry by entry.
  // 3,100 entries: 1,500 as replica r1, then 1,600 as r2.
  testing::TempDir dir;
  auto append = [&](const std::string& replica, int first, int n) {
    {
      auto store = OpenStore(dir.Sub("db"));
      Delete(*store, ledger_internal::ReplicaKey());
    }
    LedgerOptions options;
    options.replica = replica;
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")), options);
    REQUIRE(ledger.ok());
    for (int done = 0; done < n; done += 500) {
      std::vector<EntryDraft> drafts;
      for (int i = done; i < std::min(done + 500, n); ++i) {
        drafts.push_back(Draft("a", "p" + std::to_string(first + i)));
      }
      REQUIRE((*ledger)->Append(std::move(drafts)).ok());
    }
  };
  append("r1", 1, 1500);
  append("r2", 1501, 1600);
  auto store = OpenStore(dir.Sub("db"));
  auto verify = [&](int threads) {
    VerifyOptions options;
    options.threads = threads;
    auto report = VerifyLedger(*store, options);
    REQUIRE(report.ok());
    return *report;
  };
  // One thread's report, which every other thread count must match.
  auto expect_same = [&] {
    VerifyReport one = verify(1);
    for (int threads : {2, 3, 8}) {
      INFO(threads << " threads");
      CHECK(Describe(verify(threads)) == Describe(one));
    }
    return one;
  };
  auto expect_break = [&](uint64_t sequence, const std::string& words) {
    VerifyReport report = expect_same();
    INFO(Describe(report));
    REQUIRE(report.breaks.size() == 1);
    CHECK(report.breaks[0].sequence == sequence);
    CHECK(report.breaks[0].reason.find(words) != std::string::npos);
  };
  VerifyReport clean = expect_same();
  CHECK(Describe(clean) ==
        "tenants 1, entries 3100, pruned 0, checkpoints 0, replicas: r1 r2");

  for (uint64_t q : {1, 1025, 1500, 1501, 2048, 2049, 3100}) {
    INFO("damage at " << q);
    const std::string entry = Get(*store, EntryKey("a", q));
    const std::string payload = Get(*store, PayloadKey("a", q));
    auto restore = [&] {
      Put(*store, EntryKey("a", q), entry);
      Put(*store, PayloadKey("a", q), payload);
    };
    Put(*store, EntryKey("a", q), entry.substr(0, entry.size() / 2));
    expect_break(q, "does not decode");
    restore();
    EditEntry(*store, q, false, [](Entry& e) { e.request_id += "x"; });
    expect_break(q, "entry modified");
    restore();
    EditEntry(*store, q, false, [](Entry& e) { e.tenant = "b"; });
    expect_break(q, "copied from another chain");
    restore();
    EditEntry(*store, q, true, [](Entry& e) { e.replica = "../x"; });
    expect_break(q, "no valid replica");
    restore();
    EditEntry(*store, q, false, [](Entry& e) { ++e.sequence; });
    expect_break(q, "entries reordered or moved");
    restore();
    EditEntry(*store, q, true, [](Entry& e) { e.previous_hash[3] ^= 1; });
    expect_break(q, "chain broken");
    restore();
    Put(*store, PayloadKey("a", q), "edited");
    expect_break(q, "payload modified");
    restore();
    EditEntry(*store, q, true,
              [](Entry& e) { e.payload_digest = PayloadDigest(""); });
    Put(*store, PayloadKey("a", q), "");
    expect_break(q, "payload frame is malformed");
    restore();
    Delete(*store, PayloadKey("a", q));
    expect_break(q, "payload is missing");
    restore();
    if (q < 3100) {
      Delete(*store, EntryKey("a", q));
      expect_break(q, "entries deleted");
      restore();
      // Swapped with the next one (2048 and 2049: across two ranges).
      Put(*store, EntryKey("a", q), Get(*store, EntryKey("a", q + 1)));
      Put(*store, EntryKey("a", q + 1), entry);
      expect_break(q, "entries reordered or moved");
      Put(*store, EntryKey("a", q + 1), Get(*store, EntryKey("a", q)));
      restore();
    } else {
      Delete(*store, EntryKey("a", q));
      expect_break(q, "entries removed from the end");
      restore();
    }
    CHECK(Describe(expect_same()) == Describe(clean));
  }

  // Two damaged entries: the first in chain order is the break, whichever
  // range and thread found it, even one a range found after a clean
  // first entry.
  const std::string later = Get(*store, EntryKey("a", 2500));
  const std::string earlier = Get(*store, EntryKey("a", 1500));
  EditEntry(*store, 2500, false, [](Entry& e) { e.request_id += "x"; });
  EditEntry(*store, 1500, false, [](Entry& e) { ++e.sequence; });
  expect_break(1500, "entries reordered or moved");
  Put(*store, EntryKey("a", 1500), earlier);
  expect_break(2500, "entry modified");
  Put(*store, EntryKey("a", 2500), later);

  // Payloads missing over three ranges where retention records none: one
  // run, reported from its first entry to its last.
  CanonicalWriter through;
  through.U64(3100);
  Put(*store, ledger_internal::PrunedKey("a"), through.Release());
  for (uint64_t q = 1000; q <= 2100; ++q) Delete(*store, PayloadKey("a", q));
  VerifyReport pruned = expect_same();
  CHECK(Describe(pruned) ==
        "tenants 1, entries 3100, pruned 1101, checkpoints 0, replicas: r1 "
        "r2; break in a at 1000: payloads are missing up to 2100 but "
        "retention recorded pruning only up to 0: payloads deleted");
}

TEST_CASE("a ledger refuses a replica name that is not one",
          "[verifier][replica]") {
  testing::TempDir dir;
  for (const char* bad : {"a/b", "-x", "pod 1"}) {
    LedgerOptions options;
    options.replica = bad;
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")), options);
    CHECK(ledger.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace portcullis::ledger
