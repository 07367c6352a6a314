// Halts shared by the replicas of a gate (issue 20, gate/halt_store.h): a
// halt asked at one replica stops the others once they read the store,
// each records it on its own chains naming where it was asked, and a
// replica that cannot read the store for over a second stops on its own.
// The store here is in memory, shared by two gates (fault injection at the
// seam); shared_state/'s tests run the real store on a real redis-server.
#include <catch2/catch.hpp>

#include "gate/internal/kill_switch.h"
#include "tests/gate/approval_fixture.h"
#include "tests/testing/scripted_halt_store.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;
using testing::ScriptedHaltStore;

policy::Action ReplyAction(const std::string& tenant) {
  policy::Action a = MakeAction(tenant, "reply_customer");
  a.arguments.clear();
  a.arguments["text"] = policy::Value{std::string("hello")};
  return a;
}

// One replica: a gate sharing its halts through `store`, read once.
struct Replica {
  Replica(ScriptedHaltStore& store, const char* name) {
    f.options().shared_halts = &store;
    f.options().replica = name;
    f.RestartAndRecover();
    REQUIRE(f.gate().SyncHalts().ok());
  }

  // Evaluates a customer reply of `tenant`.
  Decision Reply(const std::string& tenant = "shop") {
    auto d = f.gate().Evaluate(ReplyAction(tenant), {"bot"});
    REQUIRE(d.ok());
    return *d;
  }

  // The halt records on `tenant`'s chain, as (kind, record).
  std::vector<std::pair<std::string, HaltRecord>> Halts(
      const std::string& tenant = "shop") {
    std::vector<std::pair<std::string, HaltRecord>> out;
    for (const ledger::Entry& e : f.Entries(tenant)) {
      if (e.kind.find("halted") == std::string::npos &&
          e.kind.find("resumed") == std::string::npos) {
        continue;
      }
      auto record = DecodeAs<HaltRecord>(f.codec(), e.kind, *e.payload);
      REQUIRE(record.ok());
      out.emplace_back(e.kind, *record);
    }
    return out;
  }

  ApprovalFixture f;
};

TEST_CASE(
    "a halt at one replica stops the other once it reads the store and "
    "each records it naming where it was asked",
    "[kill_switch][shared]") {
  ScriptedHaltStore store;
  Replica a(store, "pod-a");
  Replica b(store, "pod-b");

  REQUIRE(a.f.gate().Halt("shop", "refund fraud", {"ops"}).ok());
  CHECK(a.Reply().verdict.outcome == Outcome::kDeny);
  // B has not read the store yet.
  CHECK(b.Reply().verdict.outcome == Outcome::kAllow);

  auto applied = b.f.gate().SyncHalts();
  REQUIRE(applied.ok());
  REQUIRE(applied->size() == 1);
  CHECK((*applied)[0].tenant == "shop");
  CHECK((*applied)[0].replica == "pod-a");
  Decision denied = b.Reply();
  CHECK(denied.verdict.outcome == Outcome::kDeny);
  CHECK(denied.verdict.decided_by[0].id == "builtin:halted");
  CHECK(denied.verdict.reasons[0] == "tenant shop is halted: refund fraud");
  CHECK(b.Reply("other").verdict.outcome == Outcome::kAllow);
  auto b_halts = b.Halts();
  REQUIRE(b_halts.size() == 1);
  CHECK(b_halts[0].first == "tenant.halted");
  CHECK(b_halts[0].second.reason == "refund fraud");
  CHECK(b_halts[0].second.principal == "ops");
  CHECK(b_halts[0].second.replica == "pod-a");
  // A recorded its own, once: reading its own halt back changes nothing.
  REQUIRE(a.f.gate().SyncHalts().ok());
  REQUIRE(a.Halts().size() == 1);
  CHECK(a.Halts()[0].second.replica == "pod-a");

  // Resumed at B: A follows.
  REQUIRE(b.f.gate().Resume("shop", "fraud stopped", {"lead"}).ok());
  CHECK(b.Reply().verdict.outcome == Outcome::kAllow);
  CHECK(a.Reply().verdict.outcome == Outcome::kDeny);
  auto resumed = a.f.gate().SyncHalts();
  REQUIRE(resumed.ok());
  CHECK(resumed->size() == 1);
  CHECK(a.Reply().verdict.outcome == Outcome::kAllow);
  auto a_halts = a.Halts();
  REQUIRE(a_halts.size() == 2);
  CHECK(a_halts[1].first == "tenant.resumed");
  CHECK(a_halts[1].second.replica == "pod-b");
  CHECK(a_halts[1].second.principal == "lead");
}

TEST_CASE(
    "halting what another replica halted and resuming what it resumed are "
    "refused",
    "[kill_switch][shared]") {
  ScriptedHaltStore store;
  Replica a(store, "pod-a");
  Replica b(store, "pod-b");
  REQUIRE(a.f.gate().Halt("shop", "incident", {"ops"}).ok());
  // B has not read it, but the store says so.
  absl::Status again = b.f.gate().Halt("shop", "incident too", {"ops"});
  CHECK(again.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(b.Halts().empty());
  CHECK(b.f.gate().Resume("other", "nothing", {"ops"}).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(store.published() == 1);
}

TEST_CASE("a whole-gate halt reaches every tenant of the other replica",
          "[kill_switch][shared]") {
  ScriptedHaltStore store;
  Replica a(store, "pod-a");
  Replica b(store, "pod-b");
  REQUIRE(a.f.gate().Halt("", "maintenance", {"ops"}).ok());
  REQUIRE(b.f.gate().SyncHalts().ok());
  CHECK(b.Reply("shop").verdict.outcome == Outcome::kDeny);
  CHECK(b.Reply("other").verdict.outcome == Outcome::kDeny);
  CHECK(b.Halts("other").size() == 1);
  CHECK(b.Halts("other")[0].first == "gate.halted");
  CHECK(b.f.gate().Status().gate_halted == "maintenance");

  REQUIRE(b.f.gate().Resume("", "done", {"ops"}).ok());
  REQUIRE(a.f.gate().SyncHalts().ok());
  CHECK(a.Reply("other").verdict.outcome == Outcome::kAllow);
}

TEST_CASE(
    "a replica that cannot read the store for over a second denies every "
    "action and executes nothing until it reads it again",
    "[kill_switch][shared]") {
  ScriptedHaltStore store;
  Replica b(store, "pod-b");
  Decision allowed = b.Reply();
  REQUIRE(allowed.verdict.outcome == Outcome::kAllow);

  store.SetUnavailable(true);
  CHECK(b.f.gate().SyncHalts().status().code() ==
        absl::StatusCode::kUnavailable);
  b.f.clock().Advance(kSharedHaltsMaxAge);
  CHECK(b.Reply().verdict.outcome == Outcome::kAllow);  // a second: still
  b.f.clock().Advance(absl::Milliseconds(1));
  Decision denied = b.Reply();
  CHECK(denied.verdict.outcome == Outcome::kDeny);
  REQUIRE(denied.verdict.decided_by.size() == 1);
  CHECK(denied.verdict.decided_by[0].id == kSharedHaltsUnknownRule);
  CHECK(denied.verdict.reasons[0].find("cannot be learnt") !=
        std::string::npos);
  CHECK(denied.ledger_sequence > 0);  // recorded, as any deny is
  CHECK(b.Reply("other").verdict.outcome == Outcome::kDeny);
  auto execute = b.f.gate().Execute(allowed.id, ReplyAction("shop"), {});
  CHECK(execute.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(b.f.gate().Status().tenants[0].halted.has_value());

  store.SetUnavailable(false);
  REQUIRE(b.f.gate().SyncHalts().ok());
  CHECK(b.Reply().verdict.outcome == Outcome::kAllow);
  CHECK(b.f.gate().Execute(allowed.id, ReplyAction("shop"), {}).ok());
  CHECK(b.Halts().empty());  // nothing was halted
}

TEST_CASE("a replica that has never read the store decides nothing",
          "[kill_switch][shared]") {
  ScriptedHaltStore store;
  ApprovalFixture f;
  f.options().shared_halts = &store;
  f.RestartAndRecover();
  auto d = f.gate().Evaluate(MakeAction("other", "reply_customer"), {});
  REQUIRE(d.ok());
  CHECK(d->verdict.outcome == Outcome::kDeny);
  CHECK(d->verdict.decided_by[0].id == kSharedHaltsUnknownRule);
  CHECK(d->verdict.reasons[0].find("not known yet") != std::string::npos);
}

TEST_CASE(
    "a halt asked while the store is down stops this replica and reaches "
    "the others once it answers and a resume then is refused",
    "[kill_switch][shared]") {
  ScriptedHaltStore store;
  Replica a(store, "pod-a");
  Replica b(store, "pod-b");
  store.SetUnavailable(true);
  REQUIRE(a.f.gate().Halt("shop", "agent loops", {"ops"}).ok());
  CHECK(a.Reply().verdict.outcome == Outcome::kDeny);
  REQUIRE(a.Halts().size() == 1);
  // Resuming here alone could undo a halt made elsewhere: refused, and
  // nothing changes.
  absl::Status resume = a.f.gate().Resume("shop", "fixed", {"ops"});
  CHECK(resume.code() == absl::StatusCode::kUnavailable);
  CHECK(resume.message().find("nothing changed") != std::string::npos);
  CHECK(a.Reply().verdict.outcome == Outcome::kDeny);
  CHECK(a.Halts().size() == 1);

  store.SetUnavailable(false);
  REQUIRE(a.f.gate().SyncHalts().ok());  // publishes what it owes
  REQUIRE(store.Held("shop").has_value());
  CHECK(store.Held("shop")->halted);
  CHECK(store.Held("shop")->replica == "pod-a");
  REQUIRE(b.f.gate().SyncHalts().ok());
  CHECK(b.Reply().verdict.outcome == Outcome::kDeny);
  CHECK(a.Halts().size() == 1);  // not recorded twice
}

TEST_CASE(
    "a halt held before the replicas shared their halts is published to "
    "the others",
    "[kill_switch][shared]") {
  ScriptedHaltStore store;
  ApprovalFixture f;
  REQUIRE(f.gate().Halt("shop", "from before", {"ops"}).ok());
  f.options().shared_halts = &store;
  f.options().replica = "pod-a";
  f.RestartAndRecover();
  REQUIRE(f.gate().SyncHalts().ok());
  REQUIRE(store.Held("shop").has_value());
  CHECK(store.Held("shop")->halted);
  CHECK(store.Held("shop")->reason == "from before");
  Replica b(store, "pod-b");
  CHECK(b.Reply().verdict.outcome == Outcome::kDeny);
}

TEST_CASE(
    "a shared halt this replica cannot record is applied at a later sync "
    "and until then the replica stops on its own",
    "[kill_switch][shared]") {
  ScriptedHaltStore store;
  Replica a(store, "pod-a");
  Replica b(store, "pod-b");
  REQUIRE(a.f.gate().Halt("shop", "incident", {"ops"}).ok());
  b.f.faults().FailWrites(true);
  CHECK(b.f.gate().SyncHalts().status().code() ==
        absl::StatusCode::kUnavailable);
  b.f.clock().Advance(kSharedHaltsMaxAge + absl::Milliseconds(1));
  b.f.faults().FailWrites(false);
  CHECK(b.Reply().verdict.decided_by[0].id == kSharedHaltsUnknownRule);
  REQUIRE(b.f.gate().SyncHalts().ok());
  CHECK(b.Reply().verdict.outcome == Outcome::kDeny);
  CHECK(b.Reply().verdict.decided_by[0].id == "builtin:halted");
  CHECK(b.Halts().size() == 1);
}

}  // namespace
}  // namespace portcullis::gate
