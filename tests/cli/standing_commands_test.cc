// approvals grant-standing, list-standing and revoke-standing against an
// in-process gate (issue 21): over gRPC, as portcullisd serves them, with
// the fatigue cap configured.
#include "cli/standing_commands.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "cli/gate_client.h"
#include "cli/keys_commands.h"
#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "daemon/daemon.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::cli {
namespace {

class StandingFixture {
 public:
  StandingFixture() {
    Captured keys;
    REQUIRE(RunKeysGenerate({dir_.Sub("alice")}, keys.io) == kExitOk);
    auto alice = crypto::ReadVerifyingKeyFile(dir_.Sub("alice.pub"));
    REQUIRE(alice.ok());
    std::ofstream(dir_.Sub("shop.policy")) << R"(
policy "shop" version "1"
tenant "shop" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
})";
    std::ofstream(dir_.Sub("gate.yaml"))
        << agent_.Yaml() << approver_.YamlItem()
        << "policy: shop.policy\ndataDir: data\nlisten:\n"
           "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
           "approvals:\n  fatigueCap:\n    maxPerWindow: 1\n"
           "    window: 3600s\n"
           "approvers:\n  - id: alice\n    publicKey: "
        << crypto::FormatVerifyingKey(*alice)
        << "\n    roles: [owner]\n    tenants: [shop]\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    address_ = "127.0.0.1:" + std::to_string(daemon_->tcp_port());
  }

  v1::Outcome Evaluate(const char* amount) {
    GateClient client(address_, agent_.token);
    v1::EvaluateRequest request;
    v1::Action& a = *request.mutable_action();
    a.set_tenant("shop");
    a.set_agent("bot");
    a.set_tool("refund_order");
    (*a.mutable_arguments())["order_id"].set_string_value("AN-1");
    auto* m = (*a.mutable_arguments())["amount"].mutable_money_value();
    m->set_amount(amount);
    m->set_currency("SAR");
    v1::EvaluateResponse response;
    REQUIRE(client.gate()
                .Evaluate(client.Context().get(), request, &response)
                .ok());
    return response.decision().outcome();
  }

  GrantStandingArgs Grant(const std::string& id) {
    GrantStandingArgs args;
    args.gate = address_;
    args.token = approver_.token;
    args.tenant = "shop";
    args.id = id;
    args.tool = "refund_order";
    args.constraints = {"amount <= 150SAR"};
    args.max_uses = 2;
    args.key_file = dir_.Sub("alice.key");
    args.approver = "alice";
    args.yes = true;
    return args;
  }

  std::istringstream no_input_;
  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal agent_{"agent"};
  testing::TestPrincipal approver_{"approver-cli"};
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::string address_;
};

TEST_CASE("constraints are read as NAME OP VALUE", "[cli][standing]") {
  auto le = ParseConstraint("amount<=100SAR");
  REQUIRE(le.ok());
  CHECK(le->argument() == "amount");
  CHECK(le->op() == v1::CONSTRAINT_OP_LE);
  CHECK(le->value().has_money_value());
  CHECK(le->value().money_value().currency() == "SAR");
  auto eq = ParseConstraint("customer_id == c-77");
  REQUIRE(eq.ok());
  CHECK(eq->op() == v1::CONSTRAINT_OP_EQ);
  CHECK(eq->value().string_value() == "c-77");
  auto lt = ParseConstraint("count<3");
  REQUIRE(lt.ok());
  CHECK(lt->op() == v1::CONSTRAINT_OP_LT);
  CHECK(lt->value().int_value() == 3);
  CHECK(!ParseConstraint("amount").ok());
  CHECK(!ParseConstraint("<= 3").ok());
  CHECK(!ParseConstraint("amount <=").ok());
}

TEST_CASE("a standing approval granted from the CLI allows and is capped",
          "[cli][standing]") {
  StandingFixture f;
  REQUIRE(f.Evaluate("120.00") == v1::OUTCOME_PENDING_APPROVAL);

  Captured granted;
  REQUIRE(RunGrantStanding(f.Grant("small"), f.clock_, f.no_input_, false,
                           granted.io) == kExitOk);
  CHECK(granted.out.str().find("when amount <= 150 SAR") != std::string::npos);
  CHECK(f.Evaluate("120.00") == v1::OUTCOME_ALLOW);
  CHECK(f.Evaluate("150.01") == v1::OUTCOME_PENDING_APPROVAL);

  Captured listed;
  REQUIRE(RunListStanding({f.address_, f.approver_.token, "shop"}, listed.io) ==
          kExitOk);
  CHECK(listed.out.str().find("small  refund_order for shop, by alice") !=
        std::string::npos);
  CHECK(listed.out.str().find("used 1 of 2") != std::string::npos);

  // The fatigue cap (1 an hour) refuses alice's second signature, saying
  // when she may sign again.
  Captured capped;
  CHECK(RunGrantStanding(f.Grant("more"), f.clock_, f.no_input_, false,
                         capped.io) == kExitFailed);
  CHECK(capped.err.str().find("fatigue cap") != std::string::npos);
  CHECK(capped.err.str().find("next is possible at") != std::string::npos);

  Captured revoked;
  REQUIRE(RunRevokeStanding({f.address_, f.approver_.token, "shop", "small",
                             f.dir_.Sub("alice.key"), "alice", "done"},
                            revoked.io) == kExitOk);
  CHECK(f.Evaluate("120.00") == v1::OUTCOME_PENDING_APPROVAL);

  Captured without_terminal;
  GrantStandingArgs ask = f.Grant("asked");
  ask.yes = false;
  CHECK(RunGrantStanding(ask, f.clock_, f.no_input_, false,
                         without_terminal.io) == kExitUsage);
}

TEST_CASE("the fatigue cap's configuration is checked", "[cli][standing]") {
  auto parse = [](const std::string& cap) {
    return config::ParseConfig(
        "policy: p.policy\napprovals:\n  fatigueCap: " + cap + "\n", "yaml",
        "/tmp");
  };
  auto defaults = parse("{maxPerWindow: 30}");
  REQUIRE(defaults.ok());
  CHECK(defaults->approvals().fatigue_cap().window().seconds() == 3600);
  auto short_window = parse("{maxPerWindow: 30, window: 10s}");
  REQUIRE(!short_window.ok());
  CHECK(short_window.status().message().find("approvals.fatigueCap.window") !=
        std::string::npos);
  CHECK(!parse("{maxPerWindow: 100001}").ok());
}

}  // namespace
}  // namespace portcullis::cli
