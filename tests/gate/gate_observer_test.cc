// The gate's observer seam: told of every Evaluate answer (with the time
// it took by the gate's clock), every Execute and every refused caller.
#include "gate/gate_observer.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "codec/proto_record_codec.h"
#include "gate/gate.h"
#include "ledger/rocksdb_store.h"
#include "tests/gate/gate_fixture.h"
#include "tests/testing/blocking_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_policy.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::gate {
namespace {

struct Seen {
  std::string tool;
  absl::StatusCode code;
  policy::Outcome outcome;
  absl::Duration elapsed;
};

class RecordingObserver : public GateObserver {
 public:
  void OnEvaluated(absl::string_view tool,
                   const absl::StatusOr<Decision>& answer,
                   absl::Duration elapsed) override {
    absl::MutexLock lock(&mu);
    evaluated.push_back(
        {std::string(tool), answer.status().code(),
         answer.ok() ? answer->verdict.outcome : policy::Outcome::kDeny,
         elapsed});
  }
  void OnApproved(const Approval&, const absl::Status&) override {}
  void OnExecuted(const absl::Status& result, const ToolCall*) override {
    absl::MutexLock lock(&mu);
    executed.push_back(result.code());
  }
  void OnAccessDenied(absl::string_view method) override {
    absl::MutexLock lock(&mu);
    denied.push_back(std::string(method));
  }
  absl::Mutex mu;
  std::vector<Seen> evaluated;
  std::vector<absl::StatusCode> executed;
  std::vector<std::string> denied;
};

struct ObservedGate {
  testing::TempDir dir;
  testing::FakeClock clock;
  codec::ProtoRecordCodec codec;
  crypto::SigningKey key = crypto::SigningKey::Generate();
  std::unique_ptr<ledger::RocksDbStore> store;
  testing::BlockingStore* blocking = nullptr;
  std::unique_ptr<ledger::Ledger> ledger;
  RecordingObserver observer;
  std::unique_ptr<Gate> gate;

  ObservedGate() {
    auto opened = ledger::RocksDbStore::Open(dir.Sub("db"), {});
    REQUIRE(opened.ok());
    store = std::move(*opened);
    auto blocking_store = std::make_unique<testing::BlockingStore>(*store);
    blocking = blocking_store.get();
    auto l = ledger::Ledger::Open(std::move(blocking_store));
    REQUIRE(l.ok());
    ledger = std::move(*l);
    gate =
        std::make_unique<Gate>(clock, *ledger, codec, key, ApproverRegistry(),
                               GateOptions(), nullptr, &observer);
    auto policy = std::make_shared<testing::FakePolicy>();
    policy->Add("shop", "reply")
        .Add("shop", "wire", {.outcome = policy::Outcome::kDeny});
    REQUIRE(gate->ApplyPolicy(LoadOf(policy)).ok());
  }
};

TEST_CASE("the observer hears each Evaluate answer with its tool",
          "[observer]") {
  ObservedGate g;
  REQUIRE(g.gate->Evaluate(MakeAction("shop", "reply"), {"bot"}).ok());
  REQUIRE(g.gate->Evaluate(MakeAction("shop", "wire"), {"bot"}).ok());
  CHECK(!g.gate->Evaluate(MakeAction("nowhere", "reply"), {"bot"}).ok());
  absl::MutexLock lock(&g.observer.mu);
  REQUIRE(g.observer.evaluated.size() == 3);
  CHECK(g.observer.evaluated[0].tool == "reply");
  CHECK(g.observer.evaluated[0].outcome == policy::Outcome::kAllow);
  CHECK(g.observer.evaluated[1].outcome == policy::Outcome::kDeny);
  CHECK(g.observer.evaluated[2].code == absl::StatusCode::kNotFound);
}

TEST_CASE("the time observed runs until the decision is durable",
          "[observer]") {
  ObservedGate g;
  g.blocking->Arm();
  std::thread call([&] {
    CHECK(g.gate->Evaluate(MakeAction("shop", "reply"), {"bot"}).ok());
  });
  g.blocking->AwaitBlockedWrite();
  g.clock.Advance(absl::Milliseconds(40));  // the sync is slow
  g.blocking->Release();
  call.join();
  absl::MutexLock lock(&g.observer.mu);
  REQUIRE(g.observer.evaluated.size() == 1);
  CHECK(g.observer.evaluated[0].elapsed == absl::Milliseconds(40));
}

TEST_CASE("the observer hears Execute answers and refused callers",
          "[observer]") {
  ObservedGate g;
  policy::Action action = MakeAction("shop", "reply");
  auto decision = g.gate->Evaluate(action, {"bot"});
  REQUIRE(decision.ok());
  CHECK(g.gate->Execute(decision->id, action, {"bot"}).ok());
  CHECK(!g.gate->Execute(std::string(32, '0'), action, {"bot"}).ok());
  absl::Notification recorded;
  const std::vector<std::string> chains = {"shop"};
  g.gate->RecordAccessDeniedAsync(chains, "intruder", "Halt",
                                  absl::PermissionDeniedError("no"),
                                  [&] { recorded.Notify(); });
  recorded.WaitForNotification();
  absl::MutexLock lock(&g.observer.mu);
  REQUIRE(g.observer.executed.size() == 2);
  CHECK(g.observer.executed[0] == absl::StatusCode::kOk);
  CHECK(g.observer.executed[1] != absl::StatusCode::kOk);
  CHECK(g.observer.denied == std::vector<std::string>{"Halt"});
}

}  // namespace
}  // namespace portcullis::gate
