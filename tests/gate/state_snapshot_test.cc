// Restarts from a state snapshot (issue 15): the state rebuilt from a
// snapshot and the entries after it is the state a full replay rebuilds;
// a snapshot that does not verify is ignored.
#include "gate/state_snapshot.h"

#include <catch2/catch.hpp>

#include "gate/internal/recovery.h"
#include "gate/internal/state_snapshotter.h"
#include "gate/internal/tenant_book.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

RecoveryWindows WindowsOf(const GateOptions& o) { return RecoveryWindowsOf(o); }

// The tenant's state as a full replay rebuilds it, ignoring any snapshot.
void FullReplay(ApprovalFixture& f, const std::string& tenant,
                TenantBook& out) {
  auto projection = ProjectFully(f.ledger(), f.codec(), tenant, f.clock().Now(),
                                 WindowsOf(f.options()));
  REQUIRE(projection.ok());
  REQUIRE(projection
              ->Materialize(f.ledger(), f.codec(), tenant, f.clock().Now(),
                            WindowsOf(f.options()), out)
              .ok());
}

// Requires `a` and `b` to hold the same limits, pending requests and
// idempotency keys.
void RequireSame(const TenantBook::View& a, const TenantBook::View& b) {
  auto ua = a.usage().Export();
  auto ub = b.usage().Export();
  REQUIRE(ua.size() == ub.size());
  for (size_t i = 0; i < ua.size(); ++i) {
    CHECK(ua[i].counter == ub[i].counter);
    CHECK(ua[i].window == ub[i].window);
    CHECK(ua[i].events == ub[i].events);
  }
  REQUIRE(a.pending().size() == b.pending().size());
  for (const auto& [id, state] : a.pending()) {
    auto it = b.pending().find(id);
    REQUIRE(it != b.pending().end());
    CHECK(it->second.current.verdict.outcome == state.current.verdict.outcome);
    CHECK(it->second.votes.size() == state.votes.size());
  }
  REQUIRE(a.executed_count() == b.executed_count());
  for (const auto& [key, record] : a.Executed()) {
    const IdempotencyRecord* other = b.FindExecuted(key);
    REQUIRE(other != nullptr);
    CHECK(other->action_digest == record.action_digest);
    CHECK(other->receipt.ledger_sequence == record.receipt.ledger_sequence);
    CHECK(other->receipt.signature == record.receipt.signature);
  }
}

void RequireSameState(TenantBook& book_a, TenantBook& book_b) {
  book_a.WithLock([&](const TenantBook::View& a) {
    book_b.WithLock([&](const TenantBook::View& b) { RequireSame(a, b); });
  });
}

// Evaluates, approves (alice) and returns the granted decision.
Decision Granted(ApprovalFixture& f, const policy::Action& refund) {
  Decision pending = f.Pending(refund);
  auto granted = f.Submit(f.For(pending, "alice"));
  REQUIRE(granted.ok());
  REQUIRE(granted->decision.verdict.outcome == Outcome::kAllow);
  return pending;
}

// How "shop" was recovered ("other" has the policy's entries too).
const TenantRecovery& Shop(const std::vector<TenantRecovery>& all) {
  for (const TenantRecovery& r : all) {
    if (r.tenant == "shop") return r;
  }
  FAIL("shop was not recovered");
  return all.front();
}

uint64_t HeadOf(ApprovalFixture& f) {
  auto head = f.ledger().Head("shop");
  REQUIRE(head.has_value());
  return head->sequence;
}

// A history before the snapshot: a granted refund not yet executed, a
// pending one, an executed one (its idempotency key used).
struct History {
  policy::Action unused_grant, still_pending, executed;
  Decision unused_grant_d, still_pending_d, executed_d;
  Receipt receipt;
};

History MakeHistory(ApprovalFixture& f) {
  History h;
  h.unused_grant = f.Refund("100.00", "AN-1");
  h.unused_grant_d = Granted(f, h.unused_grant);
  f.clock().Advance(absl::Minutes(1));
  h.still_pending = f.Refund("200.00", "AN-2");
  h.still_pending_d = f.Pending(h.still_pending);
  f.clock().Advance(absl::Minutes(1));
  h.executed = f.Refund("50.00", "AN-3");
  h.executed_d = Granted(f, h.executed);
  auto receipt = f.gate().Execute(h.executed_d.id, h.executed, {"bot"});
  REQUIRE(receipt.ok());
  h.receipt = *receipt;
  f.clock().Advance(absl::Minutes(1));
  return h;
}

// What must hold after a restart, however the state was rebuilt: 100 + 50
// + 300 SAR of the 3000 SAR daily refund limit spent, AN-1 executable
// once, AN-2 still approvable, AN-3's key remembered.
void CheckRestored(ApprovalFixture& f, const History& h) {
  // 2600 more would exceed the limit (450 + 2600 > 3000); 2550 would not.
  auto over = f.gate().Evaluate(f.Refund("2600.00", "AN-9"), {"bot"});
  REQUIRE(over.ok());
  CHECK(over->verdict.outcome == Outcome::kDeny);

  auto first = f.gate().Execute(h.unused_grant_d.id, h.unused_grant, {"bot"});
  CHECK(first.ok());
  auto again = f.gate().Execute(h.unused_grant_d.id, h.unused_grant, {"bot"});
  REQUIRE(again.ok());  // the same receipt: executed once
  CHECK(again->ledger_sequence == first->ledger_sequence);

  auto approved = f.Submit(f.For(h.still_pending_d, "alice"));
  REQUIRE(approved.ok());
  CHECK(approved->decision.verdict.outcome == Outcome::kAllow);

  auto retry = f.gate().Execute(h.executed_d.id, h.executed, {"bot"});
  REQUIRE(retry.ok());
  CHECK(retry->signature == h.receipt.signature);
  CHECK(retry->ledger_sequence == h.receipt.ledger_sequence);
}

TEST_CASE("a restart from a snapshot restores what a full replay restores",
          "[snapshot]") {
  ApprovalFixture f;
  f.RestartAndRecover();
  REQUIRE(f.gate().snapshotter() != nullptr);
  History h = MakeHistory(f);
  const uint64_t covered = HeadOf(f);
  REQUIRE(f.gate().snapshotter()->WriteSnapshot("shop", covered).ok());

  // After the snapshot: 300 SAR more charged, and a new pending request.
  Granted(f, f.Refund("300.00", "AN-4"));
  Decision late = f.Pending(f.Refund("10.00", "AN-5"));
  const uint64_t head = HeadOf(f);
  REQUIRE(head > covered);

  // The state rebuilt through the snapshot equals a full replay's.
  {
    TenantRegistry through_snapshot;
    RecoveryReport report;
    REQUIRE(RecoverState(f.ledger(), f.codec(), f.clock().Now(),
                         WindowsOf(f.options()), through_snapshot, &report)
                .ok());
    CHECK(Shop(report.tenants).snapshot_sequence == covered);
    CHECK(Shop(report.tenants).entries_read == head - covered);
    CHECK(Shop(report.tenants).snapshot_problem.empty());
    TenantRegistry full;
    FullReplay(f, "shop", full.Get("shop"));
    RequireSameState(through_snapshot.Get("shop"), full.Get("shop"));
    through_snapshot.Get("shop").WithLock([](const TenantBook::View& shop) {
      CHECK(shop.pending().size() == 2);  // AN-2, AN-5
      CHECK(shop.executed_count() == 1);
    });
  }

  f.RestartAndRecover();
  CHECK(Shop(f.gate().recovery()).snapshot_sequence == covered);
  CheckRestored(f, h);
  // The request made after the snapshot is pending too.
  auto late_ok = f.Submit(f.For(late, "alice"));
  REQUIRE(late_ok.ok());
  CHECK(late_ok->decision.verdict.outcome == Outcome::kAllow);
}

TEST_CASE("without a snapshot a restart replays in full, as before",
          "[snapshot]") {
  ApprovalFixture f;
  f.RestartAndRecover();
  History h = MakeHistory(f);
  Granted(f, f.Refund("300.00", "AN-4"));
  f.RestartAndRecover();
  CHECK(Shop(f.gate().recovery()).snapshot_sequence == 0);
  CHECK(Shop(f.gate().recovery()).snapshot_problem.empty());
  CheckRestored(f, h);
}

// A valid snapshot of the current history, to damage.
StateSnapshot TakeSnapshot(ApprovalFixture& f) {
  auto projection = ProjectFully(f.ledger(), f.codec(), "shop", f.clock().Now(),
                                 WindowsOf(f.options()));
  REQUIRE(projection.ok());
  return projection->ToSnapshot("shop", f.clock().Now(),
                                WindowsOf(f.options()));
}

void Store(ApprovalFixture& f, uint64_t sequence, const std::string& bytes) {
  REQUIRE(f.ledger().PutStateSnapshot("shop", sequence, bytes).ok());
}

TEST_CASE("a snapshot that does not verify is ignored: a full replay",
          "[snapshot]") {
  ApprovalFixture f;
  f.RestartAndRecover();
  History h = MakeHistory(f);
  StateSnapshot s = TakeSnapshot(f);
  // Had the damaged snapshot been trusted, it would have said no limit
  // was spent: the limit check in CheckRestored tells.
  s.usage.clear();
  std::string problem_part;

  SECTION("damaged bytes") {
    Store(f, s.sequence, "\xff\xff not a snapshot");
    problem_part = "does not decode";
  }
  SECTION("an unknown version") {
    s.version = 99;
    Store(f, s.sequence, *f.codec().EncodeSnapshot(s));
    problem_part = "version 99";
  }
  SECTION("a hash that is not the chain's") {
    s.entry_hash[0] ^= 1;
    Store(f, s.sequence, *f.codec().EncodeSnapshot(s));
    problem_part = "does not match the chain";
  }
  SECTION("another tenant's snapshot") {
    s.tenant = "other";
    Store(f, s.sequence, *f.codec().EncodeSnapshot(s));
    problem_part = "another tenant";
  }
  SECTION("an earlier entry than it claims") {
    Store(f, s.sequence - 1, *f.codec().EncodeSnapshot(s));
    problem_part = "another tenant or entry";
  }
  SECTION("shorter windows than the gate's") {
    s.windows.approvals -= absl::Hours(1);
    Store(f, s.sequence, *f.codec().EncodeSnapshot(s));
    problem_part = "shorter recovery windows";
  }

  f.RestartAndRecover();
  CHECK(Shop(f.gate().recovery()).snapshot_sequence == 0);
  INFO(Shop(f.gate().recovery()).snapshot_problem);
  CHECK(Shop(f.gate().recovery()).snapshot_problem.find(problem_part) !=
        std::string::npos);
  Granted(f, f.Refund("300.00", "AN-4"));
  CheckRestored(f, h);
}

TEST_CASE("snapshots are written with the ledger's checkpoints", "[snapshot]") {
  ApprovalFixture f;
  crypto::SigningKey key = crypto::SigningKey::Generate();
  f.ledger_options().checkpoints.key = &key;
  f.ledger_options().checkpoints.every_entries = 4;
  f.ledger_options().clock = &f.clock();
  // One snapshot per checkpoint: how many checkpoints a run signs depends on
  // how the appends happen to group (one group may cross several
  // every_entries boundaries and sign once), so every second one may be none.
  f.options().snapshot_every_checkpoints = 1;
  f.RestartAndRecover();
  History h = MakeHistory(f);
  Granted(f, f.Refund("300.00", "AN-4"));
  const uint64_t head = HeadOf(f);
  REQUIRE(head >= 8);
  // Stopping writes what is queued.
  f.gate().snapshotter()->Stop();
  CHECK(f.gate().snapshotter()->written() >= 1);
  auto stored = f.ledger().GetStateSnapshot("shop");
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->sequence >= 4);  // a checkpoint's entry
  CHECK((*stored)->sequence <= head);

  f.RestartAndRecover();
  CHECK(Shop(f.gate().recovery()).snapshot_sequence == (*stored)->sequence);
  CHECK(Shop(f.gate().recovery()).entries_read == head - (*stored)->sequence);
  CheckRestored(f, h);
}

TEST_CASE("a snapshot that cannot be written is reported and counted",
          "[snapshot]") {
  ApprovalFixture f;
  f.options().snapshot_every_checkpoints = 0;  // the snapshotter below only
  f.RestartAndRecover();
  MakeHistory(f);
  const uint64_t head = HeadOf(f);
  std::vector<std::pair<std::string, std::string>> reported;
  StateSnapshotter snapshotter(
      f.clock(), f.ledger(), f.codec(), WindowsOf(f.options()), 1,
      [&reported](const std::string& tenant, const absl::Status& status) {
        reported.emplace_back(tenant, std::string(status.message()));
      });
  snapshotter.Start({});
  f.faults().FailWrites(true);  // the disk refuses the snapshot
  snapshotter.OnCheckpointed("shop", head);
  snapshotter.Stop();  // writes what is queued: here, fails to
  f.faults().FailWrites(false);

  CHECK(snapshotter.written() == 0);
  CHECK(snapshotter.failed() == 1);
  REQUIRE(reported.size() == 1);
  CHECK(reported[0].first == "shop");
  CHECK(reported[0].second.find("state snapshot could not be written") !=
        std::string::npos);
  auto stored = f.ledger().GetStateSnapshot("shop");
  REQUIRE(stored.ok());
  CHECK_FALSE(stored->has_value());
}

TEST_CASE("snapshots are off with snapshot_every_checkpoints 0", "[snapshot]") {
  ApprovalFixture f;
  f.options().snapshot_every_checkpoints = 0;
  f.RestartAndRecover();
  CHECK(f.gate().snapshotter() == nullptr);
}

}  // namespace
}  // namespace portcullis::gate
