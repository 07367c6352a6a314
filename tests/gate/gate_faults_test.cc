// Fault injection at the store seam driven through the gate's calls (issue
// 15), in the manner of SQLite's I/O-error tests and RocksDB's crash tests:
// a seeded random sequence of Evaluate, Approve, Execute and ReportOutcome
// runs once for each k, with a write error, a sync error or a torn write
// injected at the k-th write beneath the ledger. The gate then goes on
// (after the ledger resumes, for write and sync errors), "crashes" and is
// reopened on the same database, and the expected state is checked:
//
//   * every call the gate acknowledged (a decision, a verdict, a receipt,
//     an outcome with its ledger sequence) is on the ledger at that
//     sequence, for that decision;
//   * a call that failed left nothing behind unless the fault struck it (a
//     write whose sync failed may be replayed at reopen, as a write-ahead
//     log record can): no decision recorded that nobody was told of, no
//     execution for an Execute that failed, no approval or outcome for a
//     call that failed on a store already refusing writes;
//   * the limit counters hold exactly the approvals the ledger holds:
//     failed calls did not advance them, acknowledged ones are not lost;
//   * a grant is executed at most once, even when Execute is retried on
//     every ALLOW after the reopen;
//   * every chain verifies, or a torn chain is refused and says so.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gate/records.h"
#include "ledger/verifier.h"
#include "tests/gate/approval_fixture.h"
#include "tests/testing/fault_injecting_store.h"

namespace portcullis::gate {
namespace {

using Fault = testing::FaultInjectingStore::Fault;
using policy::Outcome;

// What the gate acknowledged, and which failed calls the fault struck.
struct Model {
  // Evaluate, by request id.
  std::map<std::string, Decision> evaluated;
  std::set<std::string> evaluate_struck;
  // Approve, Execute and ReportOutcome, by (decision id, entry kind):
  // the sequences acknowledged, and whether a failed call was struck.
  std::map<std::pair<std::string, std::string>, std::set<uint64_t>> acked;
  std::set<std::pair<std::string, std::string>> struck;
  // Refund amounts (SAR cents) by decision id.
  std::map<std::string, int64_t> refund_cents;

  // The workload's state: what can be approved, executed, reported.
  std::vector<std::pair<Decision, policy::Action>> pending;
  std::vector<std::pair<Decision, policy::Action>> allowed;
  std::vector<std::string> executed;
  // Every ALLOW the gate answered, with its action.
  std::vector<std::pair<Decision, policy::Action>> every_allow;

  int calls = 0;
  int failed = 0;
  std::vector<std::string> odd_errors;  // failures of an unexpected code
};

std::string Cents(int64_t cents) {
  return absl::StrCat(cents / 100, ".", cents % 100 < 10 ? "0" : "",
                      cents % 100);
}

policy::Action Reply(const std::string& id) {
  policy::Action a = MakeAction("shop", "reply_customer");
  a.arguments.clear();
  a.arguments["text"] = policy::Value{std::string("thanks ") + id};
  a.context.request_id = id;
  return a;
}

class Runner {
 public:
  Runner(ApprovalFixture& f, Model& m, uint64_t seed) : f_(f), m_(m) {
    rng_.seed(seed);
  }

  // `count` calls, each picked at random among those that have work.
  void Calls(int count) {
    for (int i = 0; i < count; ++i) {
      f_.clock().Advance(absl::Seconds(5));
      switch (Pick(5)) {
        case 0:
          EvaluateReply();
          break;
        case 1:
          EvaluateRefund();
          break;
        case 2:
          if (m_.pending.empty()) {
            EvaluateRefund();
          } else {
            Approve();
          }
          break;
        case 3:
          if (m_.allowed.empty()) {
            EvaluateReply();
          } else {
            Execute();
          }
          break;
        default:
          if (m_.executed.empty()) {
            EvaluateReply();
          } else {
            Report();
          }
      }
    }
  }

 private:
  size_t Pick(size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }
  std::string NextId() { return absl::StrCat("call-", ++m_.calls); }

  // Whether the fault struck during the call that just failed; notes the
  // failure's code.
  bool Failed(const absl::Status& s, size_t faults_before) {
    ++m_.failed;
    if (!absl::IsUnavailable(s) && !absl::IsFailedPrecondition(s)) {
      m_.odd_errors.push_back(s.ToString());
    }
    const bool struck = f_.injector().injected().size() > faults_before;
    if (struck) CHECK(absl::IsUnavailable(s));
    return struck;
  }

  void Evaluate(const policy::Action& action, int64_t cents) {
    const size_t before = f_.injector().injected().size();
    auto d = f_.gate().Evaluate(action, {"bot"});
    if (!d.ok()) {
      if (Failed(d.status(), before)) {
        m_.evaluate_struck.insert(action.context.request_id);
      }
      return;
    }
    m_.evaluated[action.context.request_id] = *d;
    if (cents > 0) m_.refund_cents[d->id] = cents;
    if (d->verdict.outcome == Outcome::kAllow) {
      m_.allowed.emplace_back(*d, action);
      m_.every_allow.emplace_back(*d, action);
    } else if (d->verdict.outcome == Outcome::kPendingApproval) {
      m_.pending.emplace_back(*d, action);
    }
  }

  void EvaluateReply() { Evaluate(Reply(NextId()), 0); }

  // Small refunds (one owner approves), few enough that the day's limit
  // is never reached by the workload itself.
  void EvaluateRefund() {
    const std::string id = NextId();
    const int64_t cents = 1000 + static_cast<int64_t>(Pick(9000));
    policy::Action a = f_.Refund(Cents(cents).c_str(), id.c_str());
    a.context.request_id = id;
    Evaluate(a, cents);
  }

  void Approve() {
    const size_t i = Pick(m_.pending.size());
    auto [d, action] = m_.pending[i];
    const std::pair<std::string, std::string> key{d.id, kApprovalGranted};
    const size_t before = f_.injector().injected().size();
    auto r = f_.Submit(f_.For(d, "alice"));
    if (!r.ok()) {
      if (Failed(r.status(), before)) m_.struck.insert(key);
      return;  // stays pending: retried later
    }
    m_.pending.erase(m_.pending.begin() + static_cast<ptrdiff_t>(i));
    m_.acked[key].insert(r->decision.ledger_sequence);
    if (r->decision.verdict.outcome == Outcome::kAllow) {
      m_.allowed.emplace_back(r->decision, action);
      m_.every_allow.emplace_back(r->decision, action);
    }
  }

  void Execute() {
    const size_t i = Pick(m_.allowed.size());
    auto [d, action] = m_.allowed[i];
    const std::pair<std::string, std::string> key{d.id, kActionExecuted};
    const size_t before = f_.injector().injected().size();
    auto receipt = f_.gate().Execute(d.id, action, {"bot"});
    if (!receipt.ok()) {
      if (Failed(receipt.status(), before)) m_.struck.insert(key);
      return;  // stays allowed: retried later
    }
    m_.allowed.erase(m_.allowed.begin() + static_cast<ptrdiff_t>(i));
    m_.acked[key].insert(receipt->ledger_sequence);
    m_.executed.push_back(d.id);
  }

  void Report() {
    const size_t i = Pick(m_.executed.size());
    const std::string id = m_.executed[i];
    const std::pair<std::string, std::string> key{id, kActionOutcome};
    const size_t before = f_.injector().injected().size();
    auto sequence = f_.gate().ReportOutcome(
        "shop", id, ExecutionOutcome::kSucceeded, "done", {"bot"});
    if (!sequence.ok()) {
      if (Failed(sequence.status(), before)) m_.struck.insert(key);
      return;
    }
    m_.executed.erase(m_.executed.begin() + static_cast<ptrdiff_t>(i));
    m_.acked[key].insert(*sequence);
  }

  ApprovalFixture& f_;
  Model& m_;
  std::mt19937_64 rng_;
};

// Checks the ledger against the model; returns whether "shop" is refused
// (a torn chain), in which case it may break verification and nothing
// more is checked of it than what survived.
bool CheckExpectedState(ApprovalFixture& f, const Model& m) {
  bool refused = false;
  for (const ledger::TenantRefusal& r : f.ledger().Refusals()) {
    INFO(r.tenant << ": " << r.reason);
    CHECK(r.tenant == "shop");
    refused = true;
  }
  std::map<uint64_t, ledger::Entry> by_sequence;
  std::map<std::pair<std::string, std::string>, int> count;
  std::set<std::string> evaluated_requests;
  for (const ledger::Entry& e : f.Entries("shop")) {
    by_sequence[e.sequence] = e;
    count[{e.decision_id, e.kind}]++;
    if (e.kind == kActionEvaluated) {
      INFO("decision recorded for request " << e.request_id);
      // No decision is recorded that was not answered, unless the fault
      // struck its call.
      CHECK((m.evaluated.contains(e.request_id) ||
             m.evaluate_struck.contains(e.request_id)));
      CHECK(evaluated_requests.insert(e.request_id).second);
    }
  }
  // Every acknowledged decision is where it was answered to be.
  for (const auto& [request, d] : m.evaluated) {
    INFO("acknowledged decision of " << request << " at " << d.ledger_sequence);
    auto it = by_sequence.find(d.ledger_sequence);
    REQUIRE(it != by_sequence.end());
    CHECK(it->second.kind == kActionEvaluated);
    CHECK(it->second.decision_id == d.id);
    CHECK(it->second.request_id == request);
  }
  // Every acknowledged approval, execution and outcome too.
  for (const auto& [key, sequences] : m.acked) {
    for (uint64_t sequence : sequences) {
      INFO(key.second << " of " << key.first << " at " << sequence);
      auto it = by_sequence.find(sequence);
      REQUIRE(it != by_sequence.end());
      CHECK(it->second.kind == key.second);
      CHECK(it->second.decision_id == key.first);
    }
  }
  // Approvals, executions and outcomes: only for calls acknowledged, and
  // one more only when the fault struck one; a grant executed and an
  // outcome reported at most once.
  for (const auto& [key, n] : count) {
    if (key.second != kApprovalGranted && key.second != kActionExecuted &&
        key.second != kActionOutcome) {
      continue;
    }
    INFO(key.second << " of " << key.first);
    auto it = m.acked.find(key);
    const size_t acked = it == m.acked.end() ? 0 : it->second.size();
    CHECK(static_cast<size_t>(n) <= acked + (m.struck.contains(key) ? 1 : 0));
    if (key.second != kApprovalGranted) CHECK(n == 1);
  }
  auto report = ledger::VerifyLedger(f.ledger().store());
  REQUIRE(report.ok());
  for (const ledger::ChainBreak& b : report->breaks) {
    INFO(b.tenant << ": " << b.reason);
    CHECK(refused);
    CHECK(b.tenant == "shop");
  }
  return refused;
}

// The refund limit's room is what the approvals on the ledger left: a
// refund of a cent more is denied, one of exactly that much may go on to
// approval. Its calls join the model.
void CheckLimit(ApprovalFixture& f, Model& m) {
  std::set<std::string> granted;  // one approval grants a small refund
  for (const ledger::Entry& e : f.Entries("shop")) {
    if (e.kind == kApprovalGranted) granted.insert(e.decision_id);
  }
  int64_t charged = 0;
  for (const std::string& id : granted) {
    auto it = m.refund_cents.find(id);
    REQUIRE(it != m.refund_cents.end());
    charged += it->second;
  }
  const int64_t room = 300000 - charged;
  INFO("charged " << Cents(charged) << " SAR");
  REQUIRE(room > 0);
  const std::string over_id = absl::StrCat("over-", ++m.calls);
  policy::Action over = f.Refund(Cents(room + 1).c_str(), over_id.c_str());
  over.context.request_id = over_id;
  auto denied = f.gate().Evaluate(over, {"bot"});
  REQUIRE(denied.ok());
  m.evaluated[over_id] = *denied;
  CHECK(denied->verdict.outcome == Outcome::kDeny);

  const std::string exact_id = absl::StrCat("exact-", ++m.calls);
  policy::Action exact = f.Refund(Cents(room).c_str(), exact_id.c_str());
  exact.context.request_id = exact_id;
  m.evaluated[exact_id] = f.Pending(exact);  // waits: nothing is charged
}

// Retries Execute on every ALLOW the gate ever answered: each grant is
// executed at most once, and a grant already executed records nothing.
void CheckNoSecondExecution(ApprovalFixture& f, Model& m) {
  for (const auto& [d, action] : m.every_allow) {
    INFO("executing " << d.id << " again");
    int before = 0;
    for (const ledger::Entry& e : f.Entries("shop")) {
      before += e.kind == kActionExecuted && e.decision_id == d.id;
    }
    const uint64_t head = f.ledger().Head("shop")->sequence;
    auto receipt = f.gate().Execute(d.id, action, {"bot"});
    int after = 0;
    for (const ledger::Entry& e : f.Entries("shop")) {
      after += e.kind == kActionExecuted && e.decision_id == d.id;
    }
    CHECK(after == 1);
    if (receipt.ok()) {
      m.acked[{d.id, kActionExecuted}].insert(receipt->ledger_sequence);
    }
    if (before == 1) {
      CHECK(f.ledger().Head("shop")->sequence == head);
      if (receipt.ok()) {
        CHECK(f.Entries("shop")[receipt->ledger_sequence - 1].decision_id ==
              d.id);
      }
    } else {
      CHECK(receipt.ok());
    }
  }
}

// The crash and the reopen, as portcullisd starts (after `portcullis
// ledger recover` with `salvage`); the policy is applied only to a ledger
// that takes appends.
bool Reopen(ApprovalFixture& f, bool salvage = false) {
  f.injector().Disarm();
  if (salvage) {
    std::vector<ledger::DroppedEntries> dropped = f.RestartAfterSalvage();
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].tenant == "shop");
  } else {
    f.Restart();
  }
  const bool refused = !f.ledger().Refusals().empty();
  absl::Status recovered = f.gate().Recover();
  INFO(recovered.ToString());
  CHECK((recovered.ok() || refused));
  if (!refused) ApplyPolicyText(f, kRefundPolicy);
  return refused;
}

constexpr int kCalls = 18;

// One run: the fault at the `k`th write of the workload.
struct RunResult {
  bool struck = false;
  bool refused = false;
};

RunResult Run(Fault fault, int k, uint64_t seed) {
  ApprovalFixture f;
  Model m;
  Runner runner(f, m, seed);
  f.injector().FailNth(k, fault);
  runner.Calls(kCalls);
  RunResult result;
  result.struck = !f.injector().injected().empty();
  {
    INFO((m.odd_errors.empty() ? "" : m.odd_errors[0]));
    CHECK(m.odd_errors.empty());
  }
  if (result.struck && fault != Fault::kPartialWrite) {
    // The gate goes on without a restart once the store takes writes
    // again: a tenant whose chain moved under a failed sync is refused.
    CHECK(f.ledger().Resume().ok());
    runner.Calls(6);
    // A failed write landed nowhere: the counters must not count it.
    if (fault == Fault::kWriteError) CheckLimit(f, m);
  }
  result.refused = Reopen(f);
  CHECK((!result.refused || fault == Fault::kPartialWrite));
  if (CheckExpectedState(f, m)) {
    // A torn chain is refused until the operator salvages it, which drops
    // only what the torn call left: nothing acknowledged.
    CHECK(Reopen(f, /*salvage=*/true) == false);
    CHECK(CheckExpectedState(f, m) == false);
  }
  // The gate goes on from what the ledger holds.
  runner.Calls(6);
  CHECK(CheckExpectedState(f, m) == false);
  CheckNoSecondExecution(f, m);
  CheckLimit(f, m);
  // And once more after a clean restart.
  CHECK(Reopen(f) == false);
  CHECK(CheckExpectedState(f, m) == false);
  CheckNoSecondExecution(f, m);
  return result;
}

TEST_CASE(
    "a write or sync error at every write of the gate's calls loses nothing "
    "acknowledged and records nothing refused",
    "[gate][faults]") {
  for (Fault fault : {Fault::kWriteError, Fault::kSyncError}) {
    int struck = 0;
    for (int k = 1; k <= kCalls + 2; ++k) {
      INFO(testing::FaultInjectingStore::Name(fault) << " at write " << k);
      struck += Run(fault, k, 2026).struck;
    }
    // Nearly every call writes once, so almost every k strikes.
    CHECK(struck >= kCalls - 4);
  }
}

TEST_CASE(
    "a torn write at every write of the gate's calls loses nothing "
    "acknowledged and refuses only the chain it tore",
    "[gate][faults]") {
  int struck = 0;
  int refused = 0;
  for (int k = 1; k <= kCalls + 2; ++k) {
    INFO("partial write at write " << k);
    RunResult r = Run(Fault::kPartialWrite, k, 2026);
    struck += r.struck;
    refused += r.refused;
  }
  CHECK(struck >= kCalls - 4);
  // Each torn append left an entry past its head, and was caught.
  CHECK(refused == struck);
}

}  // namespace
}  // namespace portcullis::gate
