// `portcullis ledger export --gate`: an auditor takes the evidence of a
// live gate over Admin.ExportLedger, and it verifies offline with the
// gate's public key alone.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/ledger_export.h"
#include "cli/ledger_verify_export.h"
#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "daemon/daemon.h"
#include "identity/token.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

class LiveGate {
 public:
  // Checkpoints every `checkpoint_every` entries (and at the timer's).
  explicit LiveGate(int checkpoint_every = 1) {
    std::ofstream(dir_.Sub("shop.policy"))
        << "policy \"shop\" version \"1\"\n"
           "tenant \"shop\" {\n"
           "  tool reply_customer { class read  rule r \"replies\" allow }\n"
           "}\n";
    std::ofstream(dir_.Sub("gate.yaml"))
        << "policy: shop.policy\ndataDir: data\n"
           "listen:\n  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
           "ledger:\n  checkpointEveryEntries: "
        << checkpoint_every
        << "\n"
           "principals:\n"
           "  - name: agent\n    roles: [agent]\n    tenants: [shop]\n"
           "    agents: [bot]\n"
           "    tokenHashes: ['"
        << identity::TokenHash(agent_token_)
        << "']\n"
           "  - name: auditor\n    roles: [auditor]\n    tenants: [shop]\n"
           "    tokenHashes: ['"
        << identity::TokenHash(auditor_token_) << "']\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    address_ = "127.0.0.1:" + std::to_string(daemon_->tcp_port());
    REQUIRE(crypto::WriteVerifyingKeyFile(
                dir_.Sub("gate.pub"), daemon_->signing_key().verifying_key())
                .ok());
    for (const char* order : {"1041", "1042", "1043"}) Reply(order);
  }

  // An agent's evaluated reply, recorded.
  void Reply(const std::string& order) {
    auto stub = v1::Gate::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
    {
      v1::EvaluateRequest request;
      request.mutable_action()->set_tenant("shop");
      request.mutable_action()->set_agent("bot");
      request.mutable_action()->set_tool("reply_customer");
      request.mutable_action()->set_idempotency_key(order);
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + agent_token_);
      v1::EvaluateResponse response;
      REQUIRE(stub->Evaluate(&context, request, &response).ok());
    }
  }

  LedgerExportArgs Args(const std::string& token) const {
    LedgerExportArgs args;
    args.tenant = "shop";
    args.gate = address_;
    args.token = token;
    return args;
  }

  int Verify(const std::string& text, std::string& report) {
    std::ofstream(dir_.Sub("export.jsonl")) << text;
    Captured c;
    int code = RunLedgerVerifyExport(
        {dir_.Sub("export.jsonl"), dir_.Sub("gate.pub")}, c.io);
    report = c.out.str() + c.err.str();
    return code;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  std::string agent_token_ = identity::NewToken();
  std::string auditor_token_ = identity::NewToken();
  std::unique_ptr<daemon::Daemon> daemon_;
  std::string address_;
};

TEST_CASE("an auditor's export from a live gate verifies offline",
          "[export][gate]") {
  LiveGate gate;
  Captured c;
  REQUIRE(RunLedgerExport(gate.Args(gate.auditor_token_), c.io) == kExitOk);
  std::vector<std::string> lines =
      absl::StrSplit(c.out.str(), '\n', absl::SkipEmpty());
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0].find("\"tenant\":\"shop\"") != std::string::npos);
  std::string report;
  CHECK(gate.Verify(c.out.str(), report) == kExitOk);
  INFO(report);
  CHECK(report.find("against the checkpoint of") != std::string::npos);

  SECTION(
      "with --decrypt the gate opens each payload, and it still "
      "verifies") {
    LedgerExportArgs args = gate.Args(gate.auditor_token_);
    args.decrypt = true;
    Captured d;
    REQUIRE(RunLedgerExport(args, d.io) == kExitOk);
    CHECK(d.out.str().find("\"decrypted\":true") != std::string::npos);
    CHECK(d.out.str().find("\"plaintext\"") != std::string::npos);
    CHECK(d.out.str().find("\"entryKey\"") != std::string::npos);
    CHECK(gate.Verify(d.out.str(), report) == kExitOk);
    CHECK(report.find("plaintexts checked") != std::string::npos);
    CHECK(report.find(" 0 plaintexts checked") == std::string::npos);
  }
}

TEST_CASE(
    "an export from a live gate proves every entry recorded so far: the "
    "gate signs a checkpoint at the head first",
    "[export][gate]") {
  LiveGate gate(/*checkpoint_every=*/1000);  // none due by count
  // The maintenance timer signs the chain's first checkpoint; on the fake
  // clock, which stands still, it never signs another.
  const std::string kept = gate.dir_.Sub("data/checkpoints/shop.checkpoint");
  for (int i = 0; i < 500 && !std::filesystem::exists(kept); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(std::filesystem::exists(kept));
  gate.Reply("1044");
  gate.Reply("1045");
  Captured c;
  REQUIRE(RunLedgerExport(gate.Args(gate.auditor_token_), c.io) == kExitOk);
  INFO(c.err.str());
  CHECK(c.err.str().find("not in this export") == std::string::npos);
  std::string report;
  CHECK(gate.Verify(c.out.str(), report) == kExitOk);
  INFO(report);
  // Every entry, up to the head as the gate has it.
  const uint64_t head =
      gate.daemon_->gate().Status().tenants.at(0).ledger_sequence;
  CHECK(report.find(absl::StrCat("entries 1..", head, " (", head,
                                 " entries")) != std::string::npos);
}

TEST_CASE("an export from a gate is refused without the auditor's token",
          "[export][gate]") {
  LiveGate gate;
  Captured agent;
  CHECK(RunLedgerExport(gate.Args(gate.agent_token_), agent.io) == kExitFailed);
  CHECK(agent.out.str().empty());
  CHECK(agent.err.str().find("auditor role") != std::string::npos);

  Captured none;
  CHECK(RunLedgerExport(gate.Args(""), none.io) == kExitFailed);
  CHECK(none.out.str().empty());

  // A master key file belongs to an offline export.
  LedgerExportArgs args = gate.Args(gate.auditor_token_);
  args.master_key = gate.dir_.Sub("master.key");
  Captured usage;
  CHECK(RunLedgerExport(args, usage.io) == kExitUsage);
  CHECK(usage.out.str().empty());
}

}  // namespace
}  // namespace portcullis::cli
