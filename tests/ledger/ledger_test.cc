#include "ledger/ledger.h"

#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "ledger/internal/keys.h"
#include "ledger/verifier.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/faulty_store.h"

namespace portcullis::ledger {
namespace {

std::vector<Entry> ReadAll(const Ledger& ledger, const std::string& tenant) {
  std::vector<Entry> out;
  REQUIRE(ledger
              .Read(tenant, 1, false,
                    [&](const Entry& e) {
                      out.push_back(e);
                      return true;
                    })
              .ok());
  return out;
}

TEST_CASE("appends chain each tenant's entries from sequence 1", "[ledger]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  auto first = (*ledger)->Append({Draft("t1", "p1")});
  auto second = (*ledger)->Append({Draft("t1", "p2"), Draft("t2", "q1")});
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK((*first)[0].sequence == 1);
  CHECK((*second)[0].sequence == 2);
  CHECK((*second)[1].sequence == 1);

  std::vector<Entry> t1 = ReadAll(**ledger, "t1");
  REQUIRE(t1.size() == 2);
  CHECK(t1[0].previous_hash == crypto::Digest{});
  CHECK(t1[1].previous_hash == t1[0].hash);
  CHECK(t1[1].hash == (*second)[0].hash);
  CHECK(t1[1].payload == std::optional<std::string>("p2"));
  CHECK((*ledger)->Head("t1")->sequence == 2);
  CHECK((*ledger)->Tenants() == std::vector<std::string>{"t1", "t2"});
}

TEST_CASE("a scan of one tenant never returns another's entries", "[ledger]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  AppendN(**ledger, "a", 3);
  AppendN(**ledger, "ab", 4);
  AppendN(**ledger, "b", 2);
  for (const Entry& e : ReadAll(**ledger, "a")) CHECK(e.tenant == "a");
  CHECK(ReadAll(**ledger, "a").size() == 3);
  CHECK(ReadAll(**ledger, "ab").size() == 4);
  CHECK(ReadAll(**ledger, "zz").empty());
}

TEST_CASE("a reopened ledger continues each chain where it ended", "[ledger]") {
  testing::TempDir dir;
  {
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
    REQUIRE(ledger.ok());
    AppendN(**ledger, "t", 5);
  }
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  CHECK((*ledger)->Head("t")->sequence == 5);
  auto next = (*ledger)->Append({Draft("t", "after-restart")});
  REQUIRE(next.ok());
  CHECK((*next)[0].sequence == 6);
  auto report = VerifyLedger((*ledger)->store());
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 6);
}

TEST_CASE("malformed drafts are rejected and nothing is appended", "[ledger]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  EntryDraft bad_tenant = Draft("../etc", "x");
  EntryDraft bad_kind = Draft("t", "x", "Action Evaluated");
  EntryDraft bad_digest = Draft("t", "x");
  bad_digest.action_digest = "short";
  for (const EntryDraft& d : {bad_tenant, bad_kind, bad_digest}) {
    auto appended = (*ledger)->Append({Draft("t", "ok"), d});
    CHECK(appended.status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK((*ledger)->Tenants().empty());
}

TEST_CASE("a failed write appends nothing and the chain continues intact",
          "[ledger]") {
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  RocksDbStore& real_ref = *real;
  auto faulty = std::make_unique<testing::FaultyStore>(real_ref);
  testing::FaultyStore& faults = *faulty;
  auto ledger = Ledger::Open(std::move(faulty));
  REQUIRE(ledger.ok());
  AppendN(**ledger, "t", 2);

  faults.FailWrites(true);
  auto failed = (*ledger)->Append({Draft("t", "lost")});
  CHECK(failed.status().code() == absl::StatusCode::kUnavailable);
  CHECK((*ledger)->Head("t")->sequence == 2);

  faults.FailWrites(false);
  auto next = (*ledger)->Append({Draft("t", "kept")});
  REQUIRE(next.ok());
  CHECK((*next)[0].sequence == 3);
  auto report = VerifyLedger(real_ref);
  REQUIRE(report.ok());
  CHECK(report->clean());
  std::vector<Entry> entries = ReadAll(**ledger, "t");
  REQUIRE(entries.size() == 3);
  CHECK(entries[2].payload == std::optional<std::string>("kept"));
}

TEST_CASE("concurrent appends are group-committed into gap-free chains",
          "[ledger][concurrency]") {
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  RocksDbStore& real_ref = *real;
  auto counting = std::make_unique<testing::FaultyStore>(real_ref);
  testing::FaultyStore& writes = *counting;
  auto ledger = Ledger::Open(std::move(counting));
  REQUIRE(ledger.ok());

  constexpr int kThreads = 16;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> sequences(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string tenant = t % 2 == 0 ? "even" : "odd";
      for (int i = 0; i < kPerThread; ++i) {
        auto appended = (*ledger)->Append({Draft(tenant, "x")});
        if (appended.ok()) sequences[t].push_back((*appended)[0].sequence);
      }
    });
  }
  for (std::thread& t : threads) t.join();

  std::set<uint64_t> even, odd;
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE(sequences[t].size() == kPerThread);
    for (uint64_t s : sequences[t]) (t % 2 == 0 ? even : odd).insert(s);
  }
  CHECK(even.size() == kThreads / 2 * kPerThread);
  CHECK(*even.rbegin() == kThreads / 2 * kPerThread);
  CHECK(*odd.rbegin() == kThreads / 2 * kPerThread);
  // Every entry is on disk exactly once, in no more writes than appends.
  CHECK(writes.writes() <= kThreads * kPerThread);
  auto report = VerifyLedger(real_ref);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == kThreads * kPerThread);
}

TEST_CASE("a tenant whose head names a missing entry is refused", "[ledger]") {
  testing::TempDir dir;
  {
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
    REQUIRE(ledger.ok());
    AppendN(**ledger, "t", 3);
  }
  {
    auto store = OpenStore(dir.Sub("db"));
    WriteBatch batch;
    batch.Delete(ledger_internal::EntryKey("t", 3));
    REQUIRE(store->Write(batch, true).ok());
  }
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  auto refusals = (*ledger)->Refusals();
  REQUIRE(refusals.size() == 1);
  CHECK(refusals[0].tenant == "t");
  CHECK(refusals[0].reason.find("names entry 3") != std::string::npos);
  CHECK((*ledger)->Append({Draft("t", "x")}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK((*ledger)->Append({Draft("u", "x")}).ok());
}

TEST_CASE("a decision's entries are found through its index, per tenant",
          "[ledger]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  const std::string d1(32, 'a'), d2(32, 'b');
  auto with_decision = [](const std::string& tenant, const std::string& id,
                          const std::string& kind) {
    EntryDraft draft = Draft(tenant, kind, kind);
    draft.decision_id = id;
    return draft;
  };
  REQUIRE((*ledger)
              ->Append({with_decision("t", d1, "action.evaluated"),
                        with_decision("t", d2, "action.evaluated"),
                        Draft("t", "unrelated"),
                        with_decision("t", d1, "action.executed"),
                        with_decision("u", d1, "action.evaluated")})
              .ok());
  std::vector<std::string> kinds;
  REQUIRE((*ledger)
              ->ReadDecision("t", d1,
                             [&](const Entry& e) {
                               kinds.push_back(e.kind);
                               CHECK(e.payload.has_value());
                               return true;
                             })
              .ok());
  CHECK(kinds ==
        std::vector<std::string>{"action.evaluated", "action.executed"});
  int in_u = 0;
  REQUIRE((*ledger)
              ->ReadDecision("u", d1,
                             [&](const Entry& e) {
                               ++in_u;
                               CHECK(e.tenant == "u");
                               return true;
                             })
              .ok());
  CHECK(in_u == 1);
  CHECK((*ledger)
            ->ReadDecision("t", "short", [](const Entry&) { return true; })
            .code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("the latest indexed entry of a kind is found without a scan",
          "[ledger]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  auto indexed = [](EntryDraft d) {
    d.index_latest = true;
    return d;
  };
  REQUIRE((*ledger)
              ->Append({indexed(Draft("t", "h1", "tenant.halted")),
                        indexed(Draft("t", "r1", "tenant.resumed")),
                        indexed(Draft("t", "h2", "tenant.halted")),
                        Draft("t", "h3", "tenant.halted"),
                        indexed(Draft("u", "x", "tenant.resumed"))})
              .ok());
  auto halted = (*ledger)->Latest("t", "tenant.halted");
  REQUIRE(halted.ok());
  REQUIRE(halted->has_value());
  CHECK((*halted)->sequence == 3);
  CHECK((*halted)->payload == std::optional<std::string>("h2"));
  auto none = (*ledger)->Latest("u", "tenant.halted");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("entries not indexed as latest write no index key", "[ledger]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  REQUIRE((*ledger)->Append({Draft("t", "a1"), Draft("t", "a2")}).ok());
  auto latest = (*ledger)->Latest("t", "action.evaluated");
  REQUIRE(latest.ok());
  CHECK_FALSE(latest->has_value());
  std::string prefix =
      ledger_internal::TenantPrefix(ledger_internal::kLatestTag, "t");
  int keys = 0;
  REQUIRE((*ledger)
              ->store()
              .Scan(prefix, ledger_internal::PrefixEnd(prefix), false,
                    [&](absl::string_view, absl::string_view) {
                      ++keys;
                      return true;
                    })
              .ok());
  CHECK(keys == 0);
}

}  // namespace
}  // namespace portcullis::ledger
