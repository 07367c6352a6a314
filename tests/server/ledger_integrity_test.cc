// The daemon's ledger evidence wiring: it signs checkpoints with the gate
// key and seals payloads with a master key it creates, and at start it
// refuses a tenant whose chain was rolled back behind its checkpoint,
// reporting NOT_SERVING while the other tenants keep working.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "crypto/master_key_file.h"
#include "daemon/daemon.h"
#include "ledger/evidence.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"
#include "tests/testing/damage.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "shop" version "1"
tenant "shop" {
  tool reply_customer {
    class read
    rule replies "answering customers is fine"
      allow
  }
}
)";

struct Fixture {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::ostringstream log_text;
  daemon::Logger log{clock, log_text};
  config::v1::GateConfig config;

  Fixture() {
    std::ofstream(dir.Sub("shop.policy")) << kPolicy;
    std::ofstream(dir.Sub("gate.yaml")) << "policy: shop.policy\n"
                                           "dataDir: data\n"
                                           "listen:\n"
                                           "  tcpAddress: 127.0.0.1:0\n"
                                           "  disableUnixSocket: true\n";
    auto loaded = config::LoadConfigFile(dir.Sub("gate.yaml"));
    REQUIRE(loaded.ok());
    config = *loaded;
  }

  std::unique_ptr<daemon::Daemon> Start() {
    auto daemon = daemon::Daemon::Start(config, clock, log);
    INFO(log_text.str());
    REQUIRE(daemon.ok());
    return std::move(*daemon);
  }

  // Opens the stopped gate's ledger as the gate would.
  std::unique_ptr<ledger::Ledger> OpenLedger(const crypto::SigningKey& key) {
    auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    ledger::LedgerOptions options;
    options.checkpoints.key = &key;
    options.clock = &clock;
    options.master_keys = std::make_shared<std::vector<crypto::MasterKey>>(
        *crypto::ReadMasterKeyFile(dir.Sub("data/master.key")));
    auto ledger = ledger::Ledger::Open(std::move(*store), options);
    REQUIRE(ledger.ok());
    return std::move(*ledger);
  }
};

TEST_CASE(
    "the daemon seals payloads, creates a 0600 master key and signs a "
    "final checkpoint",
    "[daemon][ledger]") {
  Fixture f;
  { auto daemon = f.Start(); }
  struct stat st;
  REQUIRE(::stat(f.dir.Sub("data/master.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto store = ledger::RocksDbStore::Open(f.dir.Sub("data"), {});
  REQUIRE(store.ok());
  auto notes = ledger::CheckpointNotes(**store, "shop");
  REQUIRE(notes.ok());
  CHECK(notes->size() == 1);  // the policy.loaded entry, signed at stop
  auto payload = (*store)->Get(ledger::ledger_internal::PayloadKey("shop", 1));
  REQUIRE(payload.ok());
  REQUIRE(payload->has_value());
  CHECK((**payload)[0] == '\x01');  // sealed
  auto key = crypto::ReadVerifyingKeyFile(f.dir.Sub("data/gate.pub"));
  REQUIRE(key.ok());
  ledger::VerifyOptions options;
  options.key = &*key;
  auto report = ledger::VerifyLedger(**store, options);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->checkpoints == 1);
}

TEST_CASE("a tenant rolled back behind its checkpoint fails readiness",
          "[daemon][ledger]") {
  Fixture f;
  { auto daemon = f.Start(); }
  auto key = crypto::ReadSigningKeyFile(f.dir.Sub("data/gate.key"));
  REQUIRE(key.ok());
  {
    auto ledger = f.OpenLedger(*key);
    for (int i = 0; i < 4; ++i) {
      ledger::EntryDraft d;
      d.tenant = "former";
      d.time = f.clock.Now();
      d.kind = "test.entry";
      d.payload = "x";
      REQUIRE(ledger->Append({d}).ok());
    }
    REQUIRE(ledger->SignCheckpoints(true).ok());
  }
  {
    // Restore an older copy of tenant "former": entries 3 and 4 are gone.
    auto store = ledger::RocksDbStore::Open(f.dir.Sub("data"), {});
    REQUIRE(store.ok());
    auto two = (*store)->Get(ledger::ledger_internal::EntryKey("former", 2));
    auto entry = ledger::DecodeStoredEntry(**two);
    REQUIRE(entry.ok());
    ledger::WriteBatch batch;
    for (uint64_t s : {3, 4}) {
      batch.Delete(ledger::ledger_internal::EntryKey("former", s));
    }
    std::string head(8, '\0');
    head[7] = 2;
    head += std::string(crypto::AsBytes(entry->hash));
    batch.Put(ledger::ledger_internal::HeadKey("former"), head);
    REQUIRE((*store)->Write(batch, true).ok());
  }
  auto daemon = f.Start();
  CHECK_FALSE(daemon->serving());
  CHECK(f.log_text.str().find("tenant former is refused: its chain ends at "
                              "2 but the gate signed a checkpoint of 4") !=
        std::string::npos);
  CHECK(f.log_text.str().find("NOT_SERVING") != std::string::npos);
  // The other tenant is still decided.
  policy::Action action;
  action.tenant = "shop";
  action.agent = "bot";
  action.tool = "reply_customer";
  auto decision = daemon->gate().Evaluate(action, {"test"});
  CHECK(decision.ok());
}

TEST_CASE("a rolled-back tenant of the policy is refused, the others serve",
          "[daemon][ledger]") {
  Fixture f;
  policy::Action action;
  action.tenant = "shop";
  action.agent = "bot";
  action.tool = "reply_customer";
  {
    auto daemon = f.Start();
    for (int i = 0; i < 3; ++i) {
      REQUIRE(daemon->gate().Evaluate(action, {"test"}).ok());
    }
  }  // a clean stop signs a checkpoint of shop's 4 entries
  {
    // Restore an older copy of "shop": its last entry is gone.
    auto store = ledger::RocksDbStore::Open(f.dir.Sub("data"), {});
    REQUIRE(store.ok());
    auto three = (*store)->Get(ledger::ledger_internal::EntryKey("shop", 3));
    auto entry = ledger::DecodeStoredEntry(**three);
    REQUIRE(entry.ok());
    ledger::WriteBatch batch;
    batch.Delete(ledger::ledger_internal::EntryKey("shop", 4));
    std::string head(8, '\0');
    head[7] = 3;
    head += std::string(crypto::AsBytes(entry->hash));
    batch.Put(ledger::ledger_internal::HeadKey("shop"), head);
    REQUIRE((*store)->Write(batch, true).ok());
  }
  auto daemon = f.Start();
  CHECK_FALSE(daemon->serving());
  CHECK(f.log_text.str().find("tenant shop is refused") != std::string::npos);
  // Nothing is decided for it, since nothing can be recorded.
  auto refused = daemon->gate().Evaluate(action, {"test"});
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("a gate on a damaged write-ahead log does not start, naming it",
          "[daemon][ledger]") {
  Fixture f;
  {
    auto daemon = f.Start();
    policy::Action action;
    action.tenant = "shop";
    action.agent = "bot";
    action.tool = "reply_customer";
    for (int i = 0; i < 20; ++i) {
      REQUIRE(daemon->gate().Evaluate(action, {"test"}).ok());
    }
  }
  std::filesystem::path wal = testing::DamageWalMiddle(f.dir.Sub("data"));
  auto daemon = daemon::Daemon::Start(f.config, f.clock, f.log);
  REQUIRE(absl::IsDataLoss(daemon.status()));
  CHECK(daemon.status().message().find(wal.filename().string()) !=
        std::string::npos);
  CHECK(daemon.status().message().find("portcullis ledger recover") !=
        std::string::npos);
}

}  // namespace
}  // namespace portcullis::server
