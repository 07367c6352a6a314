// Approvers are reloaded from the configuration file like the policy and
// the principals (issue 16): adding an approver needs no restart.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "codec/approval_codec.h"
#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "daemon/daemon.h"
#include "gate/approval.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "shop" version "1"
tenant "shop" {
  tool refund_order {
    class write
    irreversible
    arg order_id: string
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
}
)";

class ReloadFixture {
 public:
  ReloadFixture() {
    std::ofstream(dir_.Sub("shop.policy")) << kPolicy;
    WriteConfig("");
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon =
        daemon::Daemon::Start(*config, clock_, log_, dir_.Sub("gate.yaml"));
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    gate_ = v1::Gate::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials()));
  }

  // Replaces the configuration file at once (as editors that rename do),
  // with `approvers` as its approvers section.
  void WriteConfig(const std::string& approvers) {
    std::ofstream(dir_.Sub("gate.yaml.new"))
        << agent_.Yaml() << approver_ui_.YamlItem()
        << "policy: shop.policy\ndataDir: data\nlisten:\n"
           "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
        << approvers;
    REQUIRE(std::rename(dir_.Sub("gate.yaml.new").c_str(),
                        dir_.Sub("gate.yaml").c_str()) == 0);
  }

  std::string Alice(const std::string& key) {
    return "approvers:\n  - id: alice\n    publicKey: " + key +
           "\n    roles: [owner]\n    tenants: [shop]\n";
  }

  v1::Decision Pending() {
    v1::EvaluateRequest request;
    v1::Action& a = *request.mutable_action();
    a.set_tenant("shop");
    a.set_agent("bot");
    a.set_tool("refund_order");
    (*a.mutable_arguments())["order_id"].set_string_value("AN-1");
    v1::EvaluateResponse response;
    grpc::ClientContext context;
    agent_.Authorize(context);
    REQUIRE(gate_->Evaluate(&context, request, &response).ok());
    REQUIRE(response.decision().outcome() == v1::OUTCOME_PENDING_APPROVAL);
    return response.decision();
  }

  grpc::Status Approve(const v1::Decision& d) {
    gate::Approval a;
    a.tenant = d.tenant();
    a.decision_id = d.decision_id();
    a.action_digest = d.action_digest();
    a.verdict = gate::ApprovalVerdict::kApprove;
    a.expires_at = clock_.Now() + absl::Hours(1);
    a.approver_id = "alice";
    v1::ApproveRequest request;
    codec::ApprovalToProto(a, request.mutable_approval());
    request.set_signature(gate::SignApproval(a, alice_));
    v1::ApproveResponse response;
    grpc::ClientContext context;
    approver_ui_.Authorize(context);
    return gate_->Approve(&context, request, &response);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal agent_;
  testing::TestPrincipal approver_ui_{"approval-ui"};
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  crypto::SigningKey alice_ = crypto::SigningKey::Generate();
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_;
};

TEST_CASE("an approver added to the configuration counts after a reload",
          "[daemon][approvers][concurrency]") {
  ReloadFixture f;
  v1::Decision pending = f.Pending();
  CHECK(f.Approve(pending).error_code() == grpc::StatusCode::PERMISSION_DENIED);

  f.WriteConfig(f.Alice(crypto::FormatVerifyingKey(f.alice_.verifying_key())));
  REQUIRE(f.daemon_->Reload().ok());
  const std::string log = f.log_text_.str();
  CHECK(log.find("policy unchanged: version 1") != std::string::npos);
  CHECK(log.find("2 principals in force") != std::string::npos);
  CHECK(log.find("1 approvers in force (from " + f.dir_.Sub("gate.yaml")) !=
        std::string::npos);
  CHECK(f.Approve(pending).ok());
}

TEST_CASE("approvers that do not load leave the previous ones in force",
          "[daemon][approvers][concurrency]") {
  ReloadFixture f;
  f.WriteConfig(f.Alice(crypto::FormatVerifyingKey(f.alice_.verifying_key())));
  REQUIRE(f.daemon_->ReloadApprovers().ok());

  f.WriteConfig(f.Alice("not-a-key"));
  absl::Status broken = f.daemon_->Reload();
  CHECK(broken.code() == absl::StatusCode::kInvalidArgument);
  CHECK(f.log_text_.str().find("approvers not reloaded from ") !=
        std::string::npos);
  CHECK(f.Approve(f.Pending()).ok());  // alice still counts
}

}  // namespace
}  // namespace portcullis::server
