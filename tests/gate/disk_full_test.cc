// A full disk, for real (a small tmpfs, so root is needed; elsewhere the
// case says it was skipped), filled while Evaluate, Approve and Execute run
// on several threads: each call the disk refuses fails closed with
// UNAVAILABLE, nothing acknowledged is lost, nothing refused is applied,
// and once space is freed the ledger resumes without a restart and the
// refused calls succeed.
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gate/records.h"
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

// What the callers of one kind were told.
struct Told {
  absl::Mutex mu;
  std::vector<int> acknowledged ABSL_GUARDED_BY(mu);    // item numbers
  std::vector<int> refused ABSL_GUARDED_BY(mu);         // UNAVAILABLE
  std::vector<std::string> other ABSL_GUARDED_BY(mu);   // anything else
  std::vector<uint64_t> sequences ABSL_GUARDED_BY(mu);  // Evaluate's

  void Note(int item, const absl::Status& s, uint64_t sequence = 0) {
    absl::MutexLock lock(&mu);
    if (s.ok()) {
      acknowledged.push_back(item);
      if (sequence != 0) sequences.push_back(sequence);
    } else if (absl::IsUnavailable(s)) {
      refused.push_back(item);
    } else {
      other.push_back(std::string(s.message()));
    }
  }
  bool any_refused() {
    absl::MutexLock lock(&mu);
    return !refused.empty();
  }
  // Waits until a call of this kind was acknowledged (or one failed, which
  // the checks below report).
  void AwaitAcknowledged() {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(this, &Told::AcknowledgedOrFailed));
  }
  bool AcknowledgedOrFailed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return !acknowledged.empty() || !refused.empty() || !other.empty();
  }
};

TEST_CASE(
    "a disk filled under load fails Evaluate, Approve and Execute closed, "
    "and they succeed again once space is freed, without a restart",
    "[disk_full]") {
  testing::SmallDisk disk;
  if (!disk.mounted()) {
    WARN("skipped: mounting a tmpfs needs root");
    return;
  }
  auto fixture = std::make_unique<ApprovalFixture>(disk.Sub("db"));
  ApprovalFixture& f = *fixture;
  f.options().max_pending_per_agent = 1000;
  f.RestartAndRecover();
  // Work for the approver and the executor, decided before the disk fills.
  constexpr int kItems = 400;
  std::vector<Decision> pending, allowed;
  for (int i = 0; i < kItems; ++i) {
    std::string order = "AN-" + std::to_string(i);
    pending.push_back(f.Pending(f.Refund("1.00", order.c_str())));
    auto d = f.gate().Evaluate(Reply(100000 + i), {"bot"});
    REQUIRE(d.ok());
    allowed.push_back(*d);
  }

  // Each thread works until the disk refuses it (or runs out of work).
  Told evaluated, approved, executed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 200000 && !evaluated.any_refused(); i += 2) {
        auto d = f.gate().Evaluate(Reply(i), {"bot"});
        evaluated.Note(i, d.status(), d.ok() ? d->ledger_sequence : 0);
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < kItems && !approved.any_refused(); ++i) {
      approved.Note(i, f.Submit(f.For(pending[i], "alice")).status());
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < kItems && !executed.any_refused(); ++i) {
      executed.Note(
          i,
          f.gate().Execute(allowed[i].id, Reply(100000 + i), {"bot"}).status());
    }
  });
  // Fill the disk once every kind of call has been acknowledged (a bounded
  // wait here let a loaded machine fill it before the first Approve).
  for (Told* told : {&evaluated, &approved, &executed}) {
    told->AwaitAcknowledged();
  }
  disk.Fill();
  for (std::thread& t : threads) t.join();

  for (Told* told : {&evaluated, &approved, &executed}) {
    absl::MutexLock lock(&told->mu);
    INFO((told->other.empty() ? "" : told->other[0]));
    CHECK(told->other.empty());
    CHECK_FALSE(told->acknowledged.empty());
    CHECK_FALSE(told->refused.empty());
  }
  CHECK_FALSE(f.ledger().writable());
  const uint64_t head = f.ledger().Head("shop")->sequence;
  CHECK_FALSE(f.ledger().Resume().ok());  // still full
  CHECK(absl::IsUnavailable(f.gate().Evaluate(Reply(-1), {"bot"}).status()));
  CHECK(f.ledger().Head("shop")->sequence == head);

  disk.Free();
  REQUIRE(f.ledger().Resume().ok());
  CHECK(f.ledger().writable());
  CHECK(f.ledger().Refusals().empty());

  // Refused calls were not applied: they succeed now. Acknowledged ones
  // were: the approval is not pending any more, the grant is used.
  {
    absl::MutexLock lock(&approved.mu);
    for (int i : approved.refused) {
      INFO("approval " << i);
      auto r = f.Submit(f.For(pending[i], "alice"));
      REQUIRE(r.ok());
      CHECK(r->decision.verdict.outcome == Outcome::kAllow);
    }
    for (int i : approved.acknowledged) {
      CHECK_FALSE(f.Submit(f.For(pending[i], "alice")).ok());
    }
  }
  {
    absl::MutexLock lock(&executed.mu);
    // A retry of an execution gets its receipt again and records nothing.
    for (int i : executed.refused) {
      INFO("execution " << i);
      const uint64_t before = f.ledger().Head("shop")->sequence;
      CHECK(f.gate().Execute(allowed[i].id, Reply(100000 + i), {"bot"}).ok());
      CHECK(f.ledger().Head("shop")->sequence == before + 1);
    }
    for (int i : executed.acknowledged) {
      const uint64_t before = f.ledger().Head("shop")->sequence;
      CHECK(f.gate().Execute(allowed[i].id, Reply(100000 + i), {"bot"}).ok());
      CHECK(f.ledger().Head("shop")->sequence == before);
    }
  }
  auto again = f.gate().Evaluate(Reply(-2), {"bot"});
  REQUIRE(again.ok());
  CHECK(again->ledger_sequence > head);

  // After a restart too, every acknowledged decision is on the ledger and
  // every chain verifies.
  fixture.reset();
  ApprovalFixture g(disk.Sub("db"));
  g.RestartAndRecover();
  absl::MutexLock lock(&evaluated.mu);
  for (uint64_t sequence : evaluated.sequences) {
    bool found = false;
    REQUIRE(g.ledger()
                .Read("shop", sequence, false,
                      [&](const ledger::Entry& e) {
                        found = e.sequence == sequence &&
                                e.kind == kActionEvaluated;
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
