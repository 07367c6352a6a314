// The ledger keeps the name of the replica whose ledger it is
// (LedgerOptions::replica): it refuses to be opened as another replica,
// and opened with no name (the offline commands) it goes on naming the
// kept one, so that nothing it records is from nobody.
#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>

#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/verifier.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fault_injecting_store.h"
#include "tests/testing/forwarding_store.h"

namespace portcullis::ledger {
namespace {

absl::StatusOr<std::unique_ptr<Ledger>> OpenAs(const std::string& dir,
                                               const std::string& replica,
                                               const Clock* clock = nullptr) {
  LedgerOptions options;
  options.replica = replica;
  options.clock = clock;
  return Ledger::Open(OpenStore(dir), options);
}

Entry StoredEntry(const std::string& dir, uint64_t sequence) {
  auto store = OpenStore(dir);
  auto stored = store->Get(ledger_internal::EntryKey("t", sequence));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  auto entry = DecodeStoredEntry(**stored);
  REQUIRE(entry.ok());
  return *entry;
}

bool KeepsAName(const std::string& dir) {
  auto store = OpenStore(dir);
  auto stored = store->Get(ledger_internal::ReplicaKey());
  REQUIRE(stored.ok());
  return stored->has_value();
}

TEST_CASE("a replica's ledger keeps its name and refuses another",
          "[ledger][replica]") {
  testing::TempDir dir;
  {
    auto ledger = OpenAs(dir.Sub("db"), "agent-0");
    REQUIRE(ledger.ok());
    AppendN(**ledger, "t", 1);
  }
  CHECK(KeepsAName(dir.Sub("db")));
  {
    auto other = OpenAs(dir.Sub("db"), "agent-1");
    CHECK(absl::IsFailedPrecondition(other.status()));
    CHECK(other.status().message().find("agent-0") != std::string::npos);
    CHECK(other.status().message().find("agent-1") != std::string::npos);
  }
  {
    auto same = OpenAs(dir.Sub("db"), "agent-0");
    REQUIRE(same.ok());
    CHECK((*same)->replica() == "agent-0");
  }
  {
    // Opened with no name, as the offline commands open it.
    testing::FakeClock clock;
    clock.Advance(absl::Hours(24 * 30));
    auto unnamed = OpenAs(dir.Sub("db"), "", &clock);
    REQUIRE(unnamed.ok());
    CHECK((*unnamed)->replica() == "agent-0");
    AppendN(**unnamed, "t", 1);
    auto pruned = (*unnamed)->Prune("t", clock.Now());
    REQUIRE(pruned.ok());
    CHECK(pruned->newly_pruned == 2);
  }
  for (uint64_t sequence : {1, 2, 3}) {
    INFO(sequence);
    Entry e = StoredEntry(dir.Sub("db"), sequence);
    CHECK(e.version == kEntryVersion3);
    CHECK(e.replica == "agent-0");
  }
  CHECK(StoredEntry(dir.Sub("db"), 3).kind == "ledger.pruned");
  auto store = OpenStore(dir.Sub("db"));
  auto report = VerifyLedger(*store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->replicas == std::set<std::string>{"agent-0"});
}

TEST_CASE("a lone gate's ledger names no replica until one opens it",
          "[ledger][replica]") {
  testing::TempDir dir;
  {
    auto ledger = OpenAs(dir.Sub("db"), "");
    REQUIRE(ledger.ok());
    CHECK((*ledger)->replica().empty());
    AppendN(**ledger, "t", 1);
  }
  CHECK_FALSE(KeepsAName(dir.Sub("db")));
  CHECK(StoredEntry(dir.Sub("db"), 1).version == kEntryVersion2);
  CHECK(StoredEntry(dir.Sub("db"), 1).replica.empty());
  {
    // A lone gate that becomes a replica: named from then on.
    auto ledger = OpenAs(dir.Sub("db"), "agent-0");
    REQUIRE(ledger.ok());
    AppendN(**ledger, "t", 1);
  }
  CHECK(KeepsAName(dir.Sub("db")));
  CHECK(StoredEntry(dir.Sub("db"), 2).replica == "agent-0");
  CHECK(absl::IsFailedPrecondition(OpenAs(dir.Sub("db"), "agent-1").status()));
}

TEST_CASE("a ledger that cannot keep its replica's name does not open",
          "[ledger][replica][faults]") {
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  testing::FaultInjectingStore store(*real);
  store.FailNth(1, testing::FaultInjectingStore::Fault::kWriteError);
  LedgerOptions options;
  options.replica = "agent-0";
  auto ledger = Ledger::Open(std::make_unique<testing::ForwardingStore>(
                                 static_cast<KeyValueStore&>(store)),
                             options);
  CHECK(absl::IsUnavailable(ledger.status()));
  auto kept = real->Get(ledger_internal::ReplicaKey());
  REQUIRE(kept.ok());
  CHECK_FALSE(kept->has_value());
}

TEST_CASE("a malformed kept replica name is damage", "[ledger][replica]") {
  testing::TempDir dir;
  {
    auto store = OpenStore(dir.Sub("db"));
    WriteBatch batch;
    batch.Put(ledger_internal::ReplicaKey(), "../x");
    REQUIRE(store->Write(batch, true).ok());
  }
  CHECK(absl::IsDataLoss(OpenAs(dir.Sub("db"), "").status()));
}

TEST_CASE("a default replica name is taken only by a ledger that keeps none",
          "[ledger][replica]") {
  testing::TempDir dir;
  {
    LedgerOptions options;
    options.default_replica = "pod-a";
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")), options);
    REQUIRE(ledger.ok());
    CHECK((*ledger)->replica() == "pod-a");
  }
  {
    // Renamed (a Deployment's new pod): the kept name wins.
    LedgerOptions options;
    options.default_replica = "pod-b";
    auto ledger = Ledger::Open(OpenStore(dir.Sub("db")), options);
    REQUIRE(ledger.ok());
    CHECK((*ledger)->replica() == "pod-a");
  }
  LedgerOptions bad;
  bad.default_replica = "pod/a";
  testing::TempDir other;
  CHECK(Ledger::Open(OpenStore(other.Sub("db")), bad).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::ledger
