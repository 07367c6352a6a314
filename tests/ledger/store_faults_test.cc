// Fault injection at the store seam (issue 15), in the manner of SQLite's
// I/O-error tests: the same workload runs once per operation number n, with
// a fault injected at the n-th write; after it the ledger "crashes" and is
// reopened on the same database, and the expected state is checked:
//
//   * every append answered OK (acknowledged) is present after the reopen,
//     at the sequence and with the hash it was answered with;
//   * an append answered with an error allowed nothing: it may be present
//     only if it was in flight when the fault struck (a write whose sync
//     failed may survive, as a write-ahead log record can); one that failed
//     on a store already refusing writes is never present;
//   * no entry exists that was neither acknowledged nor in flight;
//   * the chain of every tenant verifies.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "ledger/verifier.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/fault_injecting_store.h"

namespace portcullis::ledger {
namespace {

using Fault = testing::FaultInjectingStore::Fault;

struct Outcome {
  std::map<std::string, Appended> acknowledged;  // request id -> where
  std::set<std::string> in_flight;               // failed when the fault struck
  std::set<std::string> refused;            // failed on a store refusing writes
  std::set<std::string> in_flight_tenants;  // of in_flight
};

// Appends to two tenants, one and two drafts at a time, until `count`
// calls were made; classifies each answer.
void Workload(Ledger& ledger, testing::FaultInjectingStore& store, int from,
              int count, Outcome& out) {
  for (int i = from; i < from + count; ++i) {
    const size_t faults_before = store.injected().size();
    std::vector<EntryDraft> drafts = {
        Draft(i % 2 ? "alpha" : "beta", "p" + std::to_string(i))};
    if (i % 3 == 0) drafts.push_back(Draft("alpha", "q" + std::to_string(i)));
    std::vector<std::string> ids, tenants;
    for (const EntryDraft& d : drafts) {
      ids.push_back(d.request_id);
      tenants.push_back(d.tenant);
    }
    auto appended = ledger.Append(std::move(drafts));
    if (appended.ok()) {
      for (size_t k = 0; k < ids.size(); ++k) {
        out.acknowledged[ids[k]] = (*appended)[k];
      }
      continue;
    }
    CHECK(absl::IsUnavailable(appended.status()));
    bool struck = store.injected().size() > faults_before;
    for (const std::string& id : ids) {
      (struck ? out.in_flight : out.refused).insert(id);
    }
    if (struck) out.in_flight_tenants.insert(tenants.begin(), tenants.end());
  }
}

void CheckExpectedState(Ledger& ledger, const KeyValueStore& store,
                        const Outcome& out) {
  std::set<std::string> seen;
  for (const std::string tenant : {"alpha", "beta"}) {
    REQUIRE(ledger
                .Read(tenant, 1, false,
                      [&](const Entry& e) {
                        INFO(e.request_id);
                        CHECK((out.acknowledged.contains(e.request_id) ||
                               out.in_flight.contains(e.request_id)));
                        CHECK_FALSE(out.refused.contains(e.request_id));
                        auto it = out.acknowledged.find(e.request_id);
                        if (it != out.acknowledged.end()) {
                          CHECK(it->second.sequence == e.sequence);
                          CHECK(it->second.hash == e.hash);
                        }
                        seen.insert(e.request_id);
                        return true;
                      })
                .ok());
  }
  for (const auto& [id, where] : out.acknowledged) {
    INFO(id);
    CHECK(seen.contains(id));
  }
  CHECK(ledger.Refusals().empty());
  auto report = VerifyLedger(store);
  REQUIRE(report.ok());
  CHECK(report->clean());
}

// After a torn write: every acknowledged entry is still there as answered;
// a tenant the torn write touched may be refused, saying why, and only
// such a tenant; every other chain verifies and takes appends.
void CheckExpectedStateAfterTear(Ledger& ledger, const KeyValueStore& store,
                                 const Outcome& out) {
  std::set<std::string> seen;
  for (const std::string tenant : {"alpha", "beta"}) {
    REQUIRE(ledger
                .Read(tenant, 1, false,
                      [&](const Entry& e) {
                        auto it = out.acknowledged.find(e.request_id);
                        if (it != out.acknowledged.end()) {
                          CHECK(it->second.sequence == e.sequence);
                          CHECK(it->second.hash == e.hash);
                        }
                        CHECK_FALSE(out.refused.contains(e.request_id));
                        seen.insert(e.request_id);
                        return true;
                      })
                .ok());
  }
  for (const auto& [id, where] : out.acknowledged) {
    INFO(id);
    CHECK(seen.contains(id));
  }
  std::set<std::string> refused;
  for (const TenantRefusal& r : ledger.Refusals()) {
    INFO(r.reason);
    CHECK(out.in_flight_tenants.contains(r.tenant));
    refused.insert(r.tenant);
  }
  auto report = VerifyLedger(store);
  REQUIRE(report.ok());
  for (const ChainBreak& b : report->breaks) {
    INFO(b.tenant << ": " << b.reason);
    CHECK(refused.contains(b.tenant));
  }
  for (const std::string tenant : {"alpha", "beta"}) {
    auto appended = ledger.Append({Draft(tenant, "after-" + tenant)});
    if (refused.contains(tenant)) {
      CHECK(absl::IsFailedPrecondition(appended.status()));
    } else {
      CHECK(appended.ok());
    }
  }
}

TEST_CASE(
    "a write or sync error at every operation loses nothing acknowledged and "
    "records nothing else",
    "[ledger][faults]") {
  for (Fault fault : {Fault::kWriteError, Fault::kSyncError}) {
    for (int n = 1; n <= 14; ++n) {
      INFO(testing::FaultInjectingStore::Name(fault) << " at write " << n);
      testing::TempDir dir;
      auto real = OpenStore(dir.Sub("db"));
      testing::FaultInjectingStore store(*real);
      Outcome out;
      {
        auto ledger = Ledger::Open(std::make_unique<testing::ForwardingStore>(
            static_cast<KeyValueStore&>(store)));
        REQUIRE(ledger.ok());
        store.FailNth(n, fault);
        Workload(**ledger, store, 0, 12, out);
        REQUIRE(store.injected().size() == (n <= 12 ? 1u : 0u));
        CHECK(out.in_flight.empty() == (n > 12));
      }
      // The crash: the ledger goes; what reached the file before its sync
      // failed is replayed, as a restarted RocksDB replays its log.
      store.Restart();
      auto reopened = Ledger::Open(std::make_unique<testing::ForwardingStore>(
          static_cast<KeyValueStore&>(store)));
      REQUIRE(reopened.ok());
      CheckExpectedState(**reopened, (*reopened)->store(), out);
      // The ledger goes on where the store is.
      Workload(**reopened, store, 100, 4, out);
      CheckExpectedState(**reopened, (*reopened)->store(), out);
    }
  }
}

TEST_CASE(
    "seeded random write and sync errors keep the expected state across "
    "restarts",
    "[ledger][faults]") {
  for (uint64_t seed : {1u, 7u, 42u}) {
    INFO("seed " << seed);
    testing::TempDir dir;
    auto real = OpenStore(dir.Sub("db"));
    testing::FaultInjectingStore store(*real);
    store.FailRandomly(seed, 4, {Fault::kWriteError, Fault::kSyncError});
    Outcome out;
    for (int round = 0; round < 6; ++round) {
      {
        auto ledger = Ledger::Open(std::make_unique<testing::ForwardingStore>(
            static_cast<KeyValueStore&>(store)));
        REQUIRE(ledger.ok());
        CheckExpectedState(**ledger, (*ledger)->store(), out);
        Workload(**ledger, store, round * 20, 8, out);
      }
      store.Restart();  // a crash and a restart after each round
    }
    store.Disarm();
    auto last = Ledger::Open(std::make_unique<testing::ForwardingStore>(
        static_cast<KeyValueStore&>(store)));
    REQUIRE(last.ok());
    CheckExpectedState(**last, (*last)->store(), out);
    CHECK_FALSE(store.injected().empty());
  }
}

}  // namespace
}  // namespace portcullis::ledger

namespace portcullis::ledger {
namespace {

TEST_CASE(
    "a write torn at every operation loses nothing acknowledged and refuses "
    "the chain it tore",
    "[ledger][faults]") {
  int refusals = 0;
  for (int n = 1; n <= 14; ++n) {
    INFO("partial write at write " << n);
    testing::TempDir dir;
    auto real = OpenStore(dir.Sub("db"));
    testing::FaultInjectingStore store(*real);
    Outcome out;
    {
      auto ledger = Ledger::Open(std::make_unique<testing::ForwardingStore>(
          static_cast<KeyValueStore&>(store)));
      REQUIRE(ledger.ok());
      store.FailNth(n, Fault::kPartialWrite);
      Workload(**ledger, store, 0, 12, out);
      REQUIRE(store.injected().size() == (n <= 12 ? 1u : 0u));
      CHECK(store.crashed() == (n <= 12));
    }
    store.Disarm();
    store.Restart();
    auto reopened = Ledger::Open(std::make_unique<testing::ForwardingStore>(
        static_cast<KeyValueStore&>(store)));
    REQUIRE(reopened.ok());
    refusals += static_cast<int>((*reopened)->Refusals().size());
    CheckExpectedStateAfterTear(**reopened, (*reopened)->store(), out);
  }
  // The tears that left entries past a head were caught.
  CHECK(refusals > 0);
}

}  // namespace
}  // namespace portcullis::ledger
