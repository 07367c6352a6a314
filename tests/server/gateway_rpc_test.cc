// The two RPCs the MCP gateway needs (issue 17): Gate.ListTools (the tools
// a tenant's policy declares) and Admin.ResolveUpstreamSecret (an upstream
// credential, released only to a gateway principal and only for secrets
// named "upstream.*"), over gRPC against a real daemon.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "identity/token.h"
#include "ledger/evidence.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/stored_entries.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "tools" version "1"
tenant "a" {
  tool refund_order {
    class write
    arg amount: money(SAR)
    arg note: string = ""
    rule refunds "small refunds" allow
  }
  tool reply { class read  rule r "replies" allow }
}
tenant "b" {
  tool other_tool { class read  rule r "other" allow }
}
)";

constexpr char kReloadedPolicy[] = R"(
policy "tools" version "2"
tenant "a" {
  tool reply { class read  rule r "replies" allow }
}
tenant "b" {
  tool other_tool { class read  rule r "other" allow }
}
)";

using Caller = ::portcullis::testing::TestCaller;

class GatewayRpcFixture {
 public:
  GatewayRpcFixture() {
    std::ofstream(dir_.Sub("tools.policy")) << kPolicy;
    std::ofstream principals(dir_.Sub("principals.yaml"));
    principals << "principals:\n";
    for (const Caller* c : {&agent_a_, &any_agent_, &approver_a_, &ops_,
                            &gateway_a_, &gateway_agent_a_}) {
      principals << c->Yaml();
    }
    principals.close();
    std::ofstream(dir_.Sub("gate.yaml"))
        << "policy: tools.policy\ndataDir: data\nprincipalsFile: "
           "principals.yaml\nlisten:\n  tcpAddress: 127.0.0.1:0\n"
           "  disableUnixSocket: true\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials());
    gate_ = v1::Gate::NewStub(channel);
    admin_ = v1::Admin::NewStub(channel);
  }

  grpc::Status ListTools(const Caller& caller, const std::string& tenant,
                         v1::ListToolsResponse* response) {
    v1::ListToolsRequest request;
    request.set_tenant(tenant);
    return gate_->ListTools(caller.Context().get(), request, response);
  }

  void PutSecret(const std::string& tenant, const std::string& name,
                 const std::string& value) {
    v1::PutSecretRequest put;
    put.set_tenant(tenant);
    put.set_name(name);
    put.set_value(value);
    v1::SecretInfo info;
    REQUIRE(admin_->PutSecret(ops_.Context().get(), put, &info).ok());
  }

  grpc::Status Resolve(const Caller& caller, const std::string& tenant,
                       const std::string& name,
                       v1::ResolveUpstreamSecretResponse* response) {
    v1::ResolveUpstreamSecretRequest request;
    request.set_tenant(tenant);
    request.set_name(name);
    return admin_->ResolveUpstreamSecret(caller.Context().get(), request,
                                         response);
  }

  // Every ledger entry's kind and payload of `tenant`, stopping the gate
  // first (the ledger has one writer): call it last.
  std::vector<ledger::StoredEntry> Entries(const std::string& tenant) {
    daemon_.reset();
    return testing::StoredEntries(dir_.Sub("data"), tenant);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  Caller agent_a_{"agent-a", "agent", "a"};
  Caller any_agent_{"any-agent", "agent", "'*'"};
  Caller approver_a_{"approver-a", "approver", "a"};
  Caller ops_{"ops", "operator", "'*'"};
  Caller gateway_a_{"gateway-a", "gateway", "a"};
  Caller gateway_agent_a_{"gateway-agent-a", "gateway, agent", "a"};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

void Expect(const grpc::Status& s, grpc::StatusCode code,
            const std::string& words) {
  INFO(s.error_message());
  CHECK(s.error_code() == code);
  CHECK(s.error_message().find(words) != std::string::npos);
}

TEST_CASE("ListTools answers the tools the tenant's policy declares",
          "[gateway_rpc]") {
  GatewayRpcFixture f;
  v1::ListToolsResponse listed;
  REQUIRE(f.ListTools(f.agent_a_, "a", &listed).ok());
  REQUIRE(listed.tools_size() == 2);
  CHECK(listed.tools(0).name() == "refund_order");
  CHECK(listed.tools(1).name() == "reply");
  const v1::DeclaredTool& refund = listed.tools(0);
  REQUIRE(refund.arguments_size() == 2);
  CHECK(refund.arguments(0).name() == "amount");
  CHECK(refund.arguments(0).type() == "money(SAR)");
  CHECK_FALSE(refund.arguments(0).optional());
  CHECK(refund.arguments(1).name() == "note");
  CHECK(refund.arguments(1).optional());
  CHECK(listed.policy_version() == "1");
  CHECK(listed.policy_hash().size() == 64);
}

TEST_CASE("ListTools follows a policy reload", "[gateway_rpc]") {
  GatewayRpcFixture f;
  std::ofstream(f.dir_.Sub("tools.policy")) << kReloadedPolicy;
  v1::ReloadResponse reloaded;
  REQUIRE(
      f.admin_->Reload(f.ops_.Context().get(), v1::ReloadRequest(), &reloaded)
          .ok());
  v1::ListToolsResponse listed;
  REQUIRE(f.ListTools(f.agent_a_, "a", &listed).ok());
  REQUIRE(listed.tools_size() == 1);
  CHECK(listed.tools(0).name() == "reply");
  CHECK(listed.policy_version() == "2");
}

TEST_CASE("ListTools needs the agent role for the tenant", "[gateway_rpc]") {
  GatewayRpcFixture f;
  v1::ListToolsResponse listed;
  Expect(f.ListTools(f.approver_a_, "a", &listed),
         grpc::StatusCode::PERMISSION_DENIED, "needs the agent role");
  Expect(f.ListTools(f.agent_a_, "b", &listed),
         grpc::StatusCode::PERMISSION_DENIED, "may not act for tenant \"b\"");
  Caller stranger{"stranger", "agent", "a"};
  Expect(f.ListTools(stranger, "a", &listed), grpc::StatusCode::UNAUTHENTICATED,
         "");
  CHECK(listed.tools_size() == 0);
}

TEST_CASE("ListTools refuses a malformed or unknown tenant", "[gateway_rpc]") {
  GatewayRpcFixture f;
  // A malformed id is refused before it is used as a key.
  v1::ListToolsResponse listed;
  Expect(f.ListTools(f.agent_a_, "", &listed),
         grpc::StatusCode::INVALID_ARGUMENT, "tenant");
  Expect(f.ListTools(f.any_agent_, "A/../b", &listed),
         grpc::StatusCode::INVALID_ARGUMENT, "tenant");
  Expect(f.ListTools(f.any_agent_, "zz", &listed), grpc::StatusCode::NOT_FOUND,
         "not in policy");
  CHECK(listed.tools_size() == 0);
}

TEST_CASE("an upstream secret is released only to a gateway principal",
          "[gateway_rpc]") {
  GatewayRpcFixture f;
  f.PutSecret("a", "upstream.shop-key", "sk-upstream-123456");
  f.PutSecret("a", "payments", "sk-connector-999999");
  v1::ResolveUpstreamSecretResponse resolved;
  REQUIRE(f.Resolve(f.gateway_a_, "a", "upstream.shop-key", &resolved).ok());
  CHECK(resolved.value() == "sk-upstream-123456");
  CHECK(resolved.version() == 1);

  v1::ResolveUpstreamSecretResponse refused;
  Expect(f.Resolve(f.gateway_a_, "a", "payments", &refused),
         grpc::StatusCode::PERMISSION_DENIED, "only secrets named");
  Expect(f.Resolve(f.agent_a_, "a", "upstream.shop-key", &refused),
         grpc::StatusCode::PERMISSION_DENIED, "needs the gateway role");
  Expect(f.Resolve(f.ops_, "a", "upstream.shop-key", &refused),
         grpc::StatusCode::PERMISSION_DENIED, "needs the gateway role");
  Expect(f.Resolve(f.gateway_agent_a_, "a", "upstream.shop-key", &refused),
         grpc::StatusCode::PERMISSION_DENIED, "it has the agent role");
  Expect(f.Resolve(f.gateway_a_, "b", "upstream.shop-key", &refused),
         grpc::StatusCode::PERMISSION_DENIED, "may not act for tenant \"b\"");
  Expect(f.Resolve(f.gateway_a_, "a", "upstream.missing", &refused),
         grpc::StatusCode::NOT_FOUND, "");
  Expect(f.Resolve(f.gateway_a_, "a", "upstream/../x", &refused),
         grpc::StatusCode::INVALID_ARGUMENT, "");
  CHECK(refused.value().empty());

  // Recorded by name, never by value.
  std::vector<ledger::StoredEntry> entries = f.Entries("a");
  int released = 0;
  for (const ledger::StoredEntry& e : entries) {
    if (e.entry.kind == "secret.released") ++released;
    CHECK(e.stored_payload.value_or("").find("sk-upstream-123456") ==
          std::string::npos);
  }
  CHECK(released == 1);
}

}  // namespace
}  // namespace portcullis::server
