// Shadow mode through the daemon: configured, reloaded, visible in
// Admin.Status.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

std::string Policy(const std::string& version, const std::string& effect) {
  return "policy \"shop\" version \"" + version +
         "\"\n"
         "tenant \"shop\" {\n"
         "  tool reply_customer {\n"
         "    class read\n"
         "    arg order_id: string\n"
         "    rule replies \"replies\" " +
         effect + "\n  }\n}\n";
}

class ShadowFixture {
 public:
  ShadowFixture() {
    std::ofstream(dir_.Sub("shop.policy")) << Policy("1", "allow");
    std::ofstream(dir_.Sub("candidate.policy")) << Policy("2", "deny");
    std::ofstream(dir_.Sub("gate.yaml")) << "policy: shop.policy\n"
                                            "shadowPolicy: candidate.policy\n"
                                            "dataDir: data\n"
                                            "listen:\n"
                                            "  tcpAddress: 127.0.0.1:0\n"
                                            "  disableUnixSocket: true\n"
                                         << principal_.Yaml();
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    CHECK(config->shadow_policy() == dir_.Sub("candidate.policy"));
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials());
    gate_ = v1::Gate::NewStub(channel);
    admin_ = v1::Admin::NewStub(channel);
  }

  v1::Outcome Reply() {
    v1::EvaluateRequest request;
    request.mutable_action()->set_tenant("shop");
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool("reply_customer");
    (*request.mutable_action()->mutable_arguments())["order_id"]
        .set_string_value("1042");
    grpc::ClientContext context;
    principal_.Authorize(context);
    v1::EvaluateResponse response;
    REQUIRE(gate_->Evaluate(&context, request, &response).ok());
    return response.decision().outcome();
  }

  v1::StatusResponse Status() {
    grpc::ClientContext context;
    principal_.Authorize(context);
    v1::StatusResponse response;
    REQUIRE(admin_->Status(&context, {}, &response).ok());
    return response;
  }

  testing::TempDir dir_;
  testing::TestPrincipal principal_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

TEST_CASE(
    "a configured shadow policy decides beside the policy in force and its "
    "differences are counted in Admin.Status",
    "[shadow]") {
  ShadowFixture f;
  CHECK(f.log_text_.str().find("shadow policy version 2") != std::string::npos);
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);  // enforced: the active policy
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);
  v1::StatusResponse status = f.Status();
  CHECK(status.policy().version() == "1");
  CHECK(status.shadow().candidate().version() == "2");
  CHECK(status.shadow().candidate().content_hash().size() == 64);
  CHECK(status.shadow().decided() == 2);
  CHECK(status.shadow().differed() == 2);
}

TEST_CASE("the shadow policy is reloaded with the policy", "[shadow]") {
  ShadowFixture f;
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);
  std::ofstream(f.dir_.Sub("candidate.policy")) << Policy("3", "allow");
  REQUIRE(f.daemon_->Reload().ok());
  v1::StatusResponse status = f.Status();
  CHECK(status.shadow().candidate().version() == "3");
  CHECK(status.shadow().decided() == 0);  // counts start afresh
  CHECK(f.Reply() == v1::OUTCOME_ALLOW);
  status = f.Status();
  CHECK(status.shadow().decided() == 1);
  CHECK(status.shadow().differed() == 0);

  // A candidate that does not compile is logged; the gate and the last
  // candidate carry on.
  std::ofstream(f.dir_.Sub("candidate.policy")) << "tenant {";
  CHECK(f.daemon_->Reload().ok());
  CHECK(f.log_text_.str().find("shadow policy not reloaded") !=
        std::string::npos);
  CHECK(f.Status().shadow().candidate().version() == "3");
}

TEST_CASE("without a shadow policy Admin.Status has no candidate", "[shadow]") {
  testing::TempDir dir;
  testing::TestPrincipal principal;
  std::ofstream(dir.Sub("shop.policy")) << Policy("1", "allow");
  std::ofstream(dir.Sub("gate.yaml")) << "policy: shop.policy\n"
                                         "dataDir: data\n"
                                         "listen:\n"
                                         "  tcpAddress: 127.0.0.1:0\n"
                                         "  disableUnixSocket: true\n"
                                      << principal.Yaml();
  auto config = config::LoadConfigFile(dir.Sub("gate.yaml"));
  REQUIRE(config.ok());
  CHECK(config->shadow_policy().empty());
  testing::FakeClock clock;
  std::ostringstream log_text;
  daemon::Logger log{clock, log_text};
  auto daemon = daemon::Daemon::Start(*config, clock, log);
  REQUIRE(daemon.ok());
  auto admin = v1::Admin::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*daemon)->tcp_port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  principal.Authorize(context);
  v1::StatusResponse response;
  REQUIRE(admin->Status(&context, {}, &response).ok());
  CHECK_FALSE(response.has_shadow());
}

}  // namespace
}  // namespace portcullis::server
