// A full disk, for real (a small tmpfs): Evaluate, Approve and Execute fail
// closed with UNAVAILABLE, nothing acknowledged is lost, the ledger reports
// itself unwritable, and once space returns a restart serves everything
// again. (RocksDB 7.8 does not resume by itself after a failed write-ahead
// log write: DB::Resume stays busy; see docs/operations.md.)
#include <catch2/catch.hpp>
#include <memory>

#include "ledger/verifier.h"
#include "tests/gate/approval_fixture.h"
#include "tests/testing/small_disk.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

policy::Action Reply(int i) {
  policy::Action a = MakeAction("shop", "reply_customer");
  a.arguments.clear();
  a.arguments["text"] = policy::Value{std::string(512, 'r')};
  a.context.request_id = "req-" + std::to_string(i);
  return a;
}

TEST_CASE("on a full disk the gate fails closed, and serves again after it",
          "[disk_full]") {
  testing::SmallDisk disk;
  if (!disk.mounted()) {
    WARN("skipped: mounting a tmpfs needs root");
    return;
  }
  auto fixture = std::make_unique<ApprovalFixture>(disk.Sub("db"));
  ApprovalFixture& f = *fixture;
  Decision pending = f.Pending(f.Refund("100.00"));
  auto allowed = f.gate().Evaluate(Reply(0), {"bot"});
  REQUIRE(allowed.ok());
  REQUIRE(allowed->verdict.outcome == Outcome::kAllow);

  disk.Fill();
  // The write-ahead log may still have room of its own: decide until the
  // disk refuses. Every decision answered is on the ledger.
  std::vector<uint64_t> acknowledged;
  absl::Status refused;
  for (int i = 1; i <= 20000 && refused.ok(); ++i) {
    auto d = f.gate().Evaluate(Reply(i), {"bot"});
    if (d.ok()) {
      acknowledged.push_back(d->ledger_sequence);
    } else {
      refused = d.status();
    }
  }
  INFO(refused.message());
  REQUIRE(absl::IsUnavailable(refused));
  CHECK_FALSE(f.ledger().writable());
  const uint64_t head = f.ledger().Head("shop")->sequence;

  // Approve and Execute fail closed too, and record nothing.
  auto approved = f.Submit(f.For(pending, "alice"));
  CHECK(absl::IsUnavailable(approved.status()));
  auto executed = f.gate().Execute(allowed->id, Reply(0), {"bot"});
  CHECK(absl::IsUnavailable(executed.status()));
  CHECK(f.ledger().Head("shop")->sequence == head);
  CHECK_FALSE(f.ledger().Resume().ok());  // still full

  disk.Free();
  fixture.reset();
  ApprovalFixture g(disk.Sub("db"));
  g.RestartAndRecover();
  CHECK(g.ledger().writable());
  approved = g.Submit(g.For(pending, "alice"));
  REQUIRE(approved.ok());
  CHECK(approved->decision.verdict.outcome == Outcome::kAllow);
  executed = g.gate().Execute(allowed->id, Reply(0), {"bot"});
  REQUIRE(executed.ok());

  // Nothing acknowledged was lost.
  for (uint64_t sequence : acknowledged) {
    bool found = false;
    REQUIRE(g.ledger()
                .Read("shop", sequence, false,
                      [&](const ledger::Entry& e) {
                        found = e.sequence == sequence;
                        return false;
                      })
                .ok());
    CHECK(found);
  }
  auto report = ledger::VerifyLedger(g.ledger().store());
  REQUIRE(report.ok());
  CHECK(report->clean());
}

}  // namespace
}  // namespace portcullis::gate
