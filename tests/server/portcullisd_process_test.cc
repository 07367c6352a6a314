// Drives the real portcullisd binary as a child process: start, serve,
// reload on SIGHUP, drain and exit cleanly on SIGTERM.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>

#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kDaemon[] = PORTCULLIS_BINARY_DIR "/daemon/portcullisd";

std::string Policy(const std::string& version, const std::string& effect) {
  return "policy \"shop\" version \"" + version +
         "\"\n"
         "tenant \"shop\" {\n"
         "  tool reply_customer {\n"
         "    class read\n"
         "    rule replies \"replies\"\n"
         "      " +
         effect + "\n  }\n}\n";
}

v1::Outcome Reply(v1::Gate::Stub& stub, const testing::TestPrincipal& caller) {
  v1::EvaluateRequest request;
  request.mutable_action()->set_tenant("shop");
  request.mutable_action()->set_agent("bot");
  request.mutable_action()->set_tool("reply_customer");
  v1::EvaluateResponse response;
  grpc::Status s = stub.Evaluate(caller.Context().get(), request, &response);
  REQUIRE(s.ok());
  return response.decision().outcome();
}

// "... serving on 127.0.0.1:41234 and unix:..." -> 41234
int PortFrom(const std::string& line) {
  size_t colon = line.find("127.0.0.1:");
  REQUIRE(colon != std::string::npos);
  return std::stoi(line.substr(colon + 10));
}

TEST_CASE(
    "portcullisd serves, reloads on SIGHUP and stops cleanly on "
    "SIGTERM",
    "[process]") {
  testing::TempDir dir;
  std::ofstream(dir.Sub("shop.policy")) << Policy("1", "allow");
  testing::TestPrincipal caller;
  std::ofstream(dir.Sub("gate.yaml"))
      << caller.Yaml() << "policy: shop.policy\n";
  testing::ChildProcess daemon(
      {kDaemon, "--config", dir.Sub("gate.yaml"), "--data_dir", dir.Sub("data"),
       "--listen", "127.0.0.1:0", "--shutdown_grace_seconds", "60"});
  REQUIRE(daemon.started());
  std::string serving = daemon.AwaitLine("serving on");
  INFO(daemon.log());
  REQUIRE_FALSE(serving.empty());
  CHECK(serving.find("unix:" + dir.Sub("data") + "/portcullis.sock") !=
        std::string::npos);
  auto stub = v1::Gate::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(PortFrom(serving)),
                          grpc::InsecureChannelCredentials()));
  CHECK(Reply(*stub, caller) == v1::OUTCOME_ALLOW);

  std::ofstream(dir.Sub("shop.policy")) << Policy("2", "deny");
  daemon.Signal(SIGHUP);
  REQUIRE_FALSE(daemon.AwaitLine("policy version 2").empty());
  CHECK(Reply(*stub, caller) == v1::OUTCOME_DENY);

  // The stub's connection stays open and idle: the daemon does not wait out
  // its shutdown grace (60 s here) for it (issue 15, item 13).
  const auto signalled = std::chrono::steady_clock::now();
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait() == 0);
  CHECK(std::chrono::steady_clock::now() - signalled <
        std::chrono::seconds(30));
  CHECK(daemon.log().find("SIGTERM: draining") != std::string::npos);
  CHECK(daemon.log().find("stopped") != std::string::npos);
  struct stat st;
  CHECK(::stat((dir.Sub("data") + "/portcullis.sock").c_str(), &st) != 0);

  // The ledger was closed cleanly: a writer can open it and it verifies.
  auto store = ledger::RocksDbStore::Open(dir.Sub("data"), {});
  REQUIRE(store.ok());
  auto report = ledger::VerifyLedger(**store);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == 4);  // loaded, evaluated, loaded, evaluated
}

TEST_CASE(
    "portcullisd exits 2 on a bad configuration and 1 when it cannot "
    "start",
    "[process]") {
  testing::TempDir dir;
  testing::ChildProcess no_config({kDaemon});
  REQUIRE(no_config.started());
  CHECK(no_config.Wait() == 2);
  CHECK(no_config.log().find("--config is required") != std::string::npos);

  std::ofstream(dir.Sub("gate.yaml")) << "policy: missing.policy\n";
  testing::ChildProcess no_policy({kDaemon, "--config", dir.Sub("gate.yaml"),
                                   "--data_dir", dir.Sub("data"), "--listen",
                                   "127.0.0.1:0"});
  REQUIRE(no_policy.started());
  CHECK(no_policy.Wait() == 1);
  CHECK(no_policy.log().find("missing.policy does not exist") !=
        std::string::npos);
}

}  // namespace
}  // namespace portcullis::server
