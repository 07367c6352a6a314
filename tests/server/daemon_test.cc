#include "daemon/daemon.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "gate/internal/recovery.h"
#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kPolicyV1[] = R"(
policy "shop" version "1"
tenant "shop" {
  tool reply_customer {
    class read
    arg order_id: string
    rule replies "answering customers is fine"
      allow
  }
}
)";

constexpr char kPolicyV2[] = R"(
policy "shop" version "2"
tenant "shop" {
  tool reply_customer {
    class read
    arg order_id: string
    rule no-replies "replies are paused"
      deny
  }
}
)";

// An in-process daemon built exactly as portcullisd builds it, from a
// configuration file in a per-test directory.
class DaemonFixture {
 public:
  DaemonFixture() {
    WritePolicy(kPolicyV1);
    std::ofstream(dir_.Sub("gate.yaml")) << principal_.Yaml()
                                         << "policy: shop.policy\n"
                                            "dataDir: data\n"
                                            "listen:\n"
                                            "  tcpAddress: 127.0.0.1:0\n"
                                            "  unixSocket: gate.sock\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    config_ = *config;
  }

  void WritePolicy(const std::string& text) {
    std::ofstream(dir_.Sub("shop.policy")) << text;
  }

  void Start() {
    auto daemon = daemon::Daemon::Start(config_, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials());
    stub_ = v1::Gate::NewStub(channel);
  }

  v1::Outcome Reply() {
    v1::EvaluateRequest request;
    request.mutable_action()->set_tenant("shop");
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool("reply_customer");
    (*request.mutable_action()->mutable_arguments())["order_id"]
        .set_string_value("1042");
    v1::EvaluateResponse response;
    grpc::Status s =
        stub_->Evaluate(principal_.Context().get(), request, &response);
    REQUIRE(s.ok());
    return response.decision().outcome();
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal principal_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  config::v1::GateConfig config_;
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> stub_;
};

TEST_CASE(
    "the daemon serves decisions from its policy file and records "
    "them",
    "[daemon]") {
  DaemonFixture f;
  f.Start();
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);
  CHECK(f.daemon_->serving());
  f.daemon_.reset();  // stops and closes the ledger

  auto store = ledger::RocksDbStore::Open(f.dir_.Sub("data"), {});
  REQUIRE(store.ok());
  auto report = ledger::VerifyLedger(**store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 2);      // policy.loaded, action.evaluated
  CHECK(report->replicas.empty());  // a lone gate names no replica
  CHECK(f.log_text_.str().find("policy version 1") != std::string::npos);
}

TEST_CASE("a named replica's ledger entries name it", "[daemon][replica]") {
  DaemonFixture f;
  f.config_.set_replica("agent-0");
  f.Start();
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);
  f.daemon_.reset();
  CHECK(f.log_text_.str().find("; replica agent-0") != std::string::npos);
  auto store = ledger::RocksDbStore::Open(f.dir_.Sub("data"), {});
  REQUIRE(store.ok());
  auto report = ledger::VerifyLedger(**store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 2);
  CHECK(report->replicas == std::set<std::string>{"agent-0"});
}

TEST_CASE(
    "a gate started on another replica's ledger refuses to start and one "
    "with no name goes on as the kept one",
    "[daemon][replica]") {
  DaemonFixture f;
  f.config_.set_replica("agent-0");
  f.Start();
  f.daemon_.reset();
  f.config_.set_replica("agent-1");
  {
    auto other = daemon::Daemon::Start(f.config_, f.clock_, f.log_);
    REQUIRE_FALSE(other.ok());
    CHECK(other.status().message().find("replica agent-0's, not agent-1's") !=
          std::string::npos);
  }
  f.config_.clear_replica();
  f.log_text_.str("");
  f.Start();
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);
  f.daemon_.reset();
  CHECK(f.log_text_.str().find("; replica agent-0") != std::string::npos);
  auto store = ledger::RocksDbStore::Open(f.dir_.Sub("data"), {});
  REQUIRE(store.ok());
  auto report = ledger::VerifyLedger(**store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->replicas == std::set<std::string>{"agent-0"});
}

TEST_CASE("a replica name the ledger refuses stops the start",
          "[daemon][replica]") {
  DaemonFixture f;
  f.config_.set_replica("agent/0");  // as if set past the file's checks
  auto daemon = daemon::Daemon::Start(f.config_, f.clock_, f.log_);
  REQUIRE(!daemon.ok());
  CHECK(daemon.status().message().find("replica name") != std::string::npos);
}

TEST_CASE(
    "a reload swaps in a policy that compiles and keeps the old one "
    "otherwise",
    "[daemon]") {
  DaemonFixture f;
  f.Start();
  f.WritePolicy(kPolicyV2);
  REQUIRE(f.daemon_->Reload().ok());
  CHECK(f.daemon_->gate().policy()->version == "2");
  CHECK(f.Reply() == v1::OUTCOME_DENY);

  f.WritePolicy("policy \"shop\" version \"3\"\ntenant \"shop\" { tool }");
  absl::Status broken = f.daemon_->Reload();
  CHECK(broken.code() == absl::StatusCode::kInvalidArgument);
  CHECK(broken.message().find("shop.policy:2:") != std::string::npos);
  CHECK(f.daemon_->gate().policy()->version == "2");
  CHECK(f.Reply() == v1::OUTCOME_DENY);
  CHECK(f.log_text_.str().find("policy not reloaded") != std::string::npos);
}

TEST_CASE("a restart keeps every chain and continues it", "[daemon]") {
  DaemonFixture f;
  f.Start();
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);
  f.daemon_.reset();
  f.Start();
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);
  f.daemon_.reset();
  auto store = ledger::RocksDbStore::Open(f.dir_.Sub("data"), {});
  REQUIRE(store.ok());
  auto report = ledger::VerifyLedger(**store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 4);
}

// How the daemon's gate rebuilt "shop" at its latest start.
const gate::TenantRecovery& ShopRecovery(DaemonFixture& f) {
  for (const gate::TenantRecovery& r : f.daemon_->gate().recovery()) {
    if (r.tenant == "shop") return r;
  }
  FAIL("shop was not recovered");
  static const gate::TenantRecovery kNone;
  return kNone;
}

TEST_CASE("ledger.snapshotEveryCheckpoints reaches the gate",
          "[daemon][snapshot]") {
  for (uint32_t every : {1u, 0u}) {
    INFO("snapshotEveryCheckpoints " << every);
    DaemonFixture f;
    f.config_.mutable_ledger()->set_checkpoint_every_entries(1);
    f.config_.mutable_ledger()->set_snapshot_every_checkpoints(every);
    f.Start();
    CHECK(f.Reply() == v1::OUTCOME_ALLOW);
    f.daemon_.reset();  // the snapshotter writes what is queued
    f.Start();
    const gate::TenantRecovery& shop = ShopRecovery(f);
    INFO("snapshot problem: " << shop.snapshot_problem);
    INFO("log:\n" << f.log_text_.str());
    CHECK(shop.snapshot_problem.empty());
    if (every == 0) {
      CHECK(shop.snapshot_sequence == 0);  // none written: a full replay
    } else {
      CHECK(shop.snapshot_sequence > 0);
      CHECK(f.log_text_.str().find("state restored from the snapshot") !=
            std::string::npos);
    }
  }
}

TEST_CASE("the gate's signing key is created once and kept", "[daemon]") {
  DaemonFixture f;
  f.Start();
  std::string first(f.daemon_->signing_key().verifying_key().bytes());
  struct stat st;
  REQUIRE(::stat(f.dir_.Sub("data/gate.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto pub = crypto::ReadVerifyingKeyFile(f.dir_.Sub("data/gate.pub"));
  REQUIRE(pub.ok());
  CHECK(pub->bytes() == first);
  f.daemon_.reset();
  f.Start();
  CHECK(f.daemon_->signing_key().verifying_key().bytes() == first);
}

TEST_CASE("a configured signing key that is missing stops the start",
          "[daemon]") {
  DaemonFixture f;
  f.config_.set_signing_key_file(f.dir_.Sub("absent.key"));
  auto daemon = daemon::Daemon::Start(f.config_, f.clock_, f.log_);
  CHECK(daemon.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("the daemon refuses to start on a policy that does not compile",
          "[daemon]") {
  DaemonFixture f;
  f.WritePolicy("tenant {");
  auto daemon = daemon::Daemon::Start(f.config_, f.clock_, f.log_);
  CHECK(daemon.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(daemon.status().message().find("shop.policy:1:") != std::string::npos);
}

TEST_CASE("a second daemon cannot open the same ledger", "[daemon]") {
  DaemonFixture f;
  f.Start();
  auto second = daemon::Daemon::Start(f.config_, f.clock_, f.log_);
  CHECK(second.status().code() == absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace portcullis::server
