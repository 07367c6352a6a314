// Connectors end to end: a daemon calls a local HTTP server on Execute with
// a sealed secret, and the secret never shows up in the ledger, the logs,
// any response or any error.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "crypto/master_key_file.h"
#include "daemon/daemon.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kMarker[] = "sk_live_MARKER_5e1f0b9d";

constexpr char kPolicy[] = R"(
policy "tools" version "1"
tenant "shop" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds are fine here" allow
  }
  tool failing { class write  rule failing-ok "allowed" allow }
  tool slow { class write  rule slow-ok "allowed" allow }
  tool moved { class write  rule moved-ok "allowed" allow }
  tool forbidden { class write  rule never "never" deny }
  tool quiet { class write  rule quiet-ok "allowed" allow }
}
)";

class ConnectorFixture {
 public:
  ConnectorFixture()
      : http_({"/usr/bin/python3",
               PORTCULLIS_SOURCE_DIR "/tests/testing/http_fixture.py",
               dir_.Sub("received.jsonl")}) {
    REQUIRE(http_.started());
    std::string line = http_.AwaitLine("listening on");
    REQUIRE_FALSE(line.empty());
    host_ = "127.0.0.1:" + std::to_string(std::stoi(line.substr(13)));
    std::string base = "http://" + host_;
    std::ofstream(dir_.Sub("tools.policy")) << kPolicy;
    std::ofstream(dir_.Sub("gate.yaml"))
        << "principals:\n"
        << agent_.YamlItem() << ops_.YamlItem()
        << "policy: tools.policy\ndataDir: data\nlisten:\n"
           "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
           "connectorHosts: ['"
        << host_
        << "']\n"
           "connectors:\n"
           "  - tenant: shop\n    tool: refund_order\n"
           "    url: "
        << base
        << "/echo/{{args.order_id}}\n"
           "    headers:\n      Authorization: 'Bearer vault://shop/payments'\n"
           "    body: '{\"amount\": {{args.amount}}}'\n"
           "  - tenant: '*'\n    tool: failing\n    url: "
        << base
        << "/fail\n"
           "  - tenant: shop\n    tool: slow\n    url: "
        << base
        << "/slow\n"
           "    timeout: 0.3s\n"
           "  - tenant: shop\n    tool: moved\n    url: "
        << base
        << "/redirect\n"
           "    headers:\n      X-Key: vault://{{tenant}}/payments\n"
           "  - tenant: shop\n    tool: quiet\n    url: "
        << base
        << "/echo/quiet\n"
           "    withholdResponse: true\n"
           "    headers:\n      Authorization: 'Bearer "
           "vault://shop/payments'\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    INFO((config.ok() ? "" : std::string(config.status().message())));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    INFO((daemon.ok() ? "" : std::string(daemon.status().message())));
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials());
    gate_ = v1::Gate::NewStub(channel);
    admin_ = v1::Admin::NewStub(channel);
  }

  v1::Action Action(const std::string& tool) {
    v1::Action a;
    a.set_tenant("shop");
    a.set_agent("bot");
    a.set_tool(tool);
    if (tool == "refund_order") {
      (*a.mutable_arguments())["order_id"].set_string_value("AN-7");
      auto* m = (*a.mutable_arguments())["amount"].mutable_money_value();
      m->set_amount("12.50");
      m->set_currency("SAR");
    }
    return a;
  }

  // Evaluates and executes `tool`; keeps every response and error text.
  v1::ExecuteResponse Run(const std::string& tool) {
    v1::EvaluateRequest evaluate;
    *evaluate.mutable_action() = Action(tool);
    v1::EvaluateResponse decided;
    grpc::Status s =
        gate_->Evaluate(agent_.Context().get(), evaluate, &decided);
    Keep(s, decided);
    v1::ExecuteRequest execute;
    execute.set_decision_id(decided.decision().decision_id());
    *execute.mutable_action() = Action(tool);
    v1::ExecuteResponse executed;
    Keep(gate_->Execute(agent_.Context().get(), execute, &executed), executed);
    return executed;
  }

  void Keep(const grpc::Status& s, const google::protobuf::Message& m) {
    seen_ += s.error_message() + "\n" + m.DebugString() + "\n";
  }

  testing::TempDir dir_;
  testing::ChildProcess http_;
  std::string host_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  testing::TestPrincipal agent_{"agent"};
  testing::TestPrincipal ops_{"ops"};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::string seen_;  // every response and error message
};

TEST_CASE("connectors call tools with sealed secrets that never leak",
          "[connectors]") {
  ConnectorFixture f;
  v1::PutSecretRequest put;
  put.set_tenant("shop");
  put.set_name("payments");
  put.set_value(kMarker);
  v1::SecretInfo info;
  grpc::Status stored = f.admin_->PutSecret(f.ops_.Context().get(), put, &info);
  f.Keep(stored, info);
  REQUIRE(stored.ok());
  v1::ListSecretsRequest list;
  list.set_tenant("shop");
  v1::ListSecretsResponse listed;
  f.Keep(f.admin_->ListSecrets(f.ops_.Context().get(), list, &listed), listed);
  REQUIRE(listed.secrets_size() == 1);

  // Allowed, with the secret in a header: the tool gets it, the agent sees
  // the echo with the secret scrubbed.
  v1::ExecuteResponse refund = f.Run("refund_order");
  REQUIRE(refund.tool_response().called());
  CHECK(refund.tool_response().http_status() == 200);
  CHECK(refund.tool_response().body().find("[redacted]") != std::string::npos);
  CHECK(refund.tool_response().body().find("/echo/AN-7") != std::string::npos);
  // The body's argument went as a JSON literal, echoed back escaped.
  const std::string sent_body =
      R"({\"amount\": {\"amount\":\"12.5\",\"currency\":\"SAR\"}})";
  CHECK(refund.tool_response().body().find(sent_body) != std::string::npos);

  // A 5xx, a timeout and a refused redirect are reported, not leaked.
  v1::ExecuteResponse failing = f.Run("failing");
  CHECK(failing.tool_response().http_status() == 502);
  v1::ExecuteResponse slow = f.Run("slow");
  CHECK(slow.tool_response().error().find("did not answer within") !=
        std::string::npos);
  v1::ExecuteResponse moved = f.Run("moved");
  CHECK(moved.tool_response().error().find("redirect") != std::string::npos);
  // A connector that withholds answers: the status only.
  v1::ExecuteResponse quiet = f.Run("quiet");
  REQUIRE(quiet.tool_response().called());
  CHECK(quiet.tool_response().http_status() == 200);
  CHECK(quiet.tool_response().withheld());
  CHECK(quiet.tool_response().body().empty());
  CHECK(quiet.tool_response().content_type().empty());
  CHECK_FALSE(refund.tool_response().withheld());
  // A denied action never reaches the tool.
  v1::ExecuteResponse forbidden = f.Run("forbidden");
  CHECK_FALSE(forbidden.tool_response().called());

  // The tool really received the secret (and only the tool).
  std::ifstream received(f.dir_.Sub("received.jsonl"));
  std::stringstream tool_side;
  tool_side << received.rdbuf();
  CHECK(tool_side.str().find(std::string("Bearer ") + kMarker) !=
        std::string::npos);
  CHECK(tool_side.str().find(sent_body) != std::string::npos);

  f.daemon_.reset();
  // Nowhere else: responses, errors, logs...
  CHECK(f.seen_.find(kMarker) == std::string::npos);
  CHECK(f.log_text_.str().find(kMarker) == std::string::npos);
  // ...the ledger, decrypted entry by entry...
  auto keys = crypto::ReadMasterKeyFile(f.dir_.Sub("data/master.key"));
  REQUIRE(keys.ok());
  ledger::LedgerOptions options;
  options.master_keys =
      std::make_shared<std::vector<crypto::MasterKey>>(*std::move(keys));
  {
    auto store = ledger::RocksDbStore::Open(f.dir_.Sub("data"), {});
    REQUIRE(store.ok());
    auto ledger = ledger::Ledger::Open(std::move(*store), options);
    REQUIRE(ledger.ok());
    int entries = 0, outcomes = 0;
    REQUIRE((*ledger)
                ->Read("shop", 1, false,
                       [&](const ledger::Entry& e) {
                         ++entries;
                         outcomes += e.kind == "action.outcome";
                         CHECK(e.payload.value_or("").find(kMarker) ==
                               std::string::npos);
                         return true;
                       })
                .ok());
    CHECK(entries > 10);
    CHECK(outcomes == 5);  // refund, failing, slow, moved, quiet
  }
  // ...and every byte on disk, sealed or not, ledger and secrets alike.
  for (const char* db : {"data", "data/secrets"}) {
    ledger::RocksDbOptions read_only;
    read_only.read_only = true;
    auto store = ledger::RocksDbStore::Open(f.dir_.Sub(db), read_only);
    REQUIRE(store.ok());
    bool leaked = false;
    REQUIRE((*store)
                ->Scan("", std::string(8, '\xff'), false,
                       [&](absl::string_view k, absl::string_view v) {
                         leaked = leaked ||
                                  v.find(kMarker) != absl::string_view::npos;
                         return true;
                       })
                .ok());
    CHECK_FALSE(leaked);
  }
}

TEST_CASE("a connector is named by its name or else its tool", "[connectors]") {
  config::v1::ConnectorConfig c;
  c.set_tool("refund_order");
  CHECK(*connectors::ConnectorSet::NameOf(c) == "refund_order");
  c.set_name("payments-api.v2");
  CHECK(*connectors::ConnectorSet::NameOf(c) == "payments-api.v2");
  for (const char* bad : {"none", "other", "has space", "a/b", "x{y}"}) {
    c.set_name(bad);
    CHECK(
        absl::IsInvalidArgument(connectors::ConnectorSet::NameOf(c).status()));
  }
  c.set_name(std::string(65, 'n'));
  CHECK(absl::IsInvalidArgument(connectors::ConnectorSet::NameOf(c).status()));
}

TEST_CASE("secrets are for operators of the tenant", "[connectors]") {
  ConnectorFixture f;
  v1::PutSecretRequest put;
  put.set_tenant("shop");
  put.set_name("payments");
  put.set_value("x");
  v1::SecretInfo info;
  grpc::Status s = f.admin_->PutSecret(f.agent_.Context().get(), put, &info);
  // The test principals hold every role, so use an unknown tenant instead.
  CHECK(s.ok());
  put.set_tenant("elsewhere");
  s = f.admin_->PutSecret(f.ops_.Context().get(), put, &info);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  put.set_tenant("shop");
  s = f.admin_->PutSecret(f.ops_.Context().get(), put, &info);
  CHECK(s.error_code() == grpc::StatusCode::ALREADY_EXISTS);
  put.set_rotate(true);
  REQUIRE(f.admin_->PutSecret(f.ops_.Context().get(), put, &info).ok());
  CHECK(info.version() == 2);
  v1::DeleteSecretRequest del;
  del.set_tenant("shop");
  del.set_name("payments");
  v1::DeleteSecretResponse deleted;
  CHECK(f.admin_->DeleteSecret(f.ops_.Context().get(), del, &deleted).ok());
  // Without its secret, a connector call fails and says which.
  v1::ExecuteResponse refund = f.Run("refund_order");
  CHECK(refund.tool_response().error().find("payments") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::server
