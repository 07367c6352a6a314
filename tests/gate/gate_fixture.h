// A gate core on a real RocksDB ledger in a per-test directory, with a fake
// clock, a store that fails writes on demand over one that injects planned
// faults (write and sync errors, torn writes) over one that can hold a
// write, and a hand-built policy.
#ifndef PORTCULLIS_TESTS_GATE_GATE_FIXTURE_H_
#define PORTCULLIS_TESTS_GATE_GATE_FIXTURE_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "codec/proto_record_codec.h"
#include "gate/gate.h"
#include "ledger/rocksdb_store.h"
#include "tests/testing/blocking_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_policy.h"
#include "tests/testing/fault_injecting_store.h"
#include "tests/testing/faulty_store.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::gate {

inline PolicyLoad LoadOf(std::shared_ptr<const policy::CompiledPolicy> program,
                         const std::string& hash = std::string(64, 'a')) {
  auto snapshot = std::make_shared<PolicySnapshot>();
  snapshot->version = program->version();
  snapshot->program = std::move(program);
  snapshot->content_hash = hash;
  snapshot->source = "test";
  return PolicyLoad{snapshot, hash, "test", {}};
}

class GateFixture {
 public:
  // The ledger's database is in a per-test directory, or in `db_dir`.
  explicit GateFixture(std::string db_dir = "") : db_dir_(std::move(db_dir)) {
    Open();
  }

  // Closes and reopens everything on the same directory: a restart. Like
  // a crash's end, writes whose sync failed are replayed (see
  // FaultInjectingStore::Restart).
  void Restart() {
    Close();
    Open();
  }

  // A restart with `portcullis ledger recover` in between: drops what a
  // torn write left past each chain's head (ledger::DropEntriesPastHeads)
  // and returns what was dropped.
  std::vector<ledger::DroppedEntries> RestartAfterSalvage() {
    Close();
    auto dropped = ledger::DropEntriesPastHeads(*store_);
    REQUIRE(dropped.ok());
    Open();
    return *std::move(dropped);
  }

  void Apply(std::shared_ptr<const policy::CompiledPolicy> program) {
    REQUIRE(gate_->ApplyPolicy(LoadOf(std::move(program))).ok());
  }

  std::vector<ledger::Entry> Entries(const std::string& tenant) {
    std::vector<ledger::Entry> out;
    REQUIRE(ledger_
                ->Read(tenant, 1, false,
                       [&](const ledger::Entry& e) {
                         out.push_back(e);
                         return true;
                       })
                .ok());
    return out;
  }

  Gate& gate() { return *gate_; }
  ledger::Ledger& ledger() { return *ledger_; }
  testing::FakeClock& clock() { return clock_; }
  const crypto::SigningKey& signing_key() const { return signing_key_; }
  // Approvers and options take effect at the next Restart().
  void SetApprovers(ApproverRegistry approvers) {
    approvers_ = std::move(approvers);
  }
  GateOptions& options() { return options_; }
  // Takes effect at the next Restart(); must outlive the gate.
  void SetObserver(GateObserver* observer) { observer_ = observer; }
  // Ledger options (checkpoints) take effect at the next Restart().
  ledger::LedgerOptions& ledger_options() { return ledger_options_; }
  testing::FaultyStore& faults() { return *faulty_; }
  // Faults planned at the Nth write, beneath faults(); reset by Restart().
  testing::FaultInjectingStore& injector() { return *injecting_; }
  testing::BlockingStore& blocking() { return *blocking_; }
  const codec::ProtoRecordCodec& codec() const { return codec_; }

 private:
  void Close() {
    gate_.reset();
    ledger_.reset();
    faulty_ = nullptr;
    if (injecting_ != nullptr) injecting_->Restart();
    injecting_ = nullptr;
    blocking_ = nullptr;
  }

  void Open() {
    if (store_ == nullptr) {
      auto store = ledger::RocksDbStore::Open(
          db_dir_.empty() ? dir_.Sub("db") : db_dir_, {});
      REQUIRE(store.ok());
      store_ = std::move(*store);
    }
    blocking_ = std::make_unique<testing::BlockingStore>(*store_);
    injecting_ = std::make_unique<testing::FaultInjectingStore>(*blocking_);
    auto faulty = std::make_unique<testing::FaultyStore>(*injecting_);
    faulty_ = faulty.get();  // owned by the ledger
    auto ledger = ledger::Ledger::Open(std::move(faulty), ledger_options_);
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
    gate_ = std::make_unique<Gate>(clock_, *ledger_, codec_, signing_key_,
                                   approvers_, options_, nullptr, observer_);
  }

  testing::TempDir dir_;
  std::string db_dir_;
  testing::FakeClock clock_;
  codec::ProtoRecordCodec codec_;
  crypto::SigningKey signing_key_ = crypto::SigningKey::Generate();
  ApproverRegistry approvers_;
  GateOptions options_;
  GateObserver* observer_ = nullptr;
  ledger::LedgerOptions ledger_options_;
  std::unique_ptr<ledger::RocksDbStore> store_;
  std::unique_ptr<testing::BlockingStore> blocking_;
  std::unique_ptr<testing::FaultInjectingStore> injecting_;
  testing::FaultyStore* faulty_ = nullptr;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<Gate> gate_;
};

// Compiles `text` and applies it; fails the test on compile errors.
inline void ApplyPolicyText(GateFixture& f, const std::string& text) {
  PolicyText source{{{"test.policy", text}}, "test.policy"};
  PolicyLoad load = CompilePolicy(source, f.clock().Now());
  INFO((load.errors.empty() ? "" : load.errors[0]));
  REQUIRE(load.errors.empty());
  REQUIRE(f.gate().ApplyPolicy(load).ok());
}

inline policy::Action MakeAction(const std::string& tenant,
                                 const std::string& tool) {
  policy::Action a;
  a.tenant = tenant;
  a.agent = "support-bot";
  a.tool = tool;
  a.arguments["order_id"] = policy::Value{std::string("1042")};
  a.context.request_id = "req-1";
  a.context.correlation_id = "trace-1";
  return a;
}

}  // namespace portcullis::gate

#endif  // PORTCULLIS_TESTS_GATE_GATE_FIXTURE_H_
