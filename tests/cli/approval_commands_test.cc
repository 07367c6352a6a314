// The approver and operator commands against an in-process gate.
#include "cli/approval_commands.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "cli/evaluate_command.h"
#include "cli/gate_client.h"
#include "cli/keys_commands.h"
#include "cli/ledger_commands.h"
#include "cli/maintenance_commands.h"
#include "cli/receipt_commands.h"
#include "cli/secret_commands.h"
#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "daemon/daemon.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/stored_entries.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::cli {
namespace {

class CliFixture {
 public:
  CliFixture() {
    Captured keys;
    REQUIRE(RunKeysGenerate({dir_.Sub("alice")}, keys.io) == kExitOk);
    REQUIRE(RunKeysGenerate({dir_.Sub("mallory")}, keys.io) == kExitOk);
    auto alice = crypto::ReadVerifyingKeyFile(dir_.Sub("alice.pub"));
    REQUIRE(alice.ok());
    std::ofstream(dir_.Sub("shop.policy")) << R"(
policy "shop" version "1"
tenant "shop" {
  tool refund_order {
    class write
    irreversible
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
})";
    std::ofstream(dir_.Sub("gate.yaml"))
        << agent_.Yaml() << approver_.YamlItem() << limited_.Yaml()
        << "policy: shop.policy\ndataDir: data\nlisten:\n"
           "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
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

  v1::Action Refund() {
    v1::Action a;
    a.set_tenant("shop");
    a.set_agent("bot");
    a.set_tool("refund_order");
    (*a.mutable_arguments())["order_id"].set_string_value("AN-1");
    auto* m = (*a.mutable_arguments())["amount"].mutable_money_value();
    m->set_amount("120.00");
    m->set_currency("SAR");
    return a;
  }

  std::string EvaluatePending(const std::string& agent = "bot") {
    GateClient client(address_, agent_.token);
    v1::EvaluateRequest request;
    *request.mutable_action() = Refund();
    request.mutable_action()->set_agent(agent);
    v1::EvaluateResponse response;
    REQUIRE(client.gate()
                .Evaluate(client.Context().get(), request, &response)
                .ok());
    REQUIRE(response.decision().outcome() == v1::OUTCOME_PENDING_APPROVAL);
    return response.decision().decision_id();
  }

  VerdictArgs Verdict(const std::string& id, bool approve,
                      const std::string& key = "alice") {
    VerdictArgs args;
    args.gate = address_;
    args.token = approver_.token;
    args.tenant = "shop";
    args.decision_id = id;
    args.key_file = dir_.Sub(key + ".key");
    args.approver = "alice";
    args.comment = approve ? "" : "not this one";
    args.approve = approve;
    args.yes = true;
    return args;
  }

  std::istringstream no_input_;
  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal agent_{"agent"};
  // The agent role for tenant shop, nothing more.
  testing::TestCaller limited_{"limited", "agent", "shop"};
  testing::TestPrincipal approver_{"approver-cli"};
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::string address_;
};

TEST_CASE("approvals list and approve follow the gate's pages",
          "[cli][approvals]") {
  CliFixture f;
  // More than one page (100), from two agents (each capped at 100).
  std::vector<std::string> ids;
  for (int i = 0; i < 120; ++i) {
    ids.push_back(f.EvaluatePending(i % 2 == 0 ? "bot" : "bot-2"));
  }
  Captured list;
  REQUIRE(RunApprovalsList({f.address_, f.approver_.token, "shop"}, list.io) ==
          kExitOk);
  for (const std::string& id : ids) {
    CHECK(list.out.str().find(id + "  refund_order by") != std::string::npos);
  }
  Captured approve;
  REQUIRE(RunVerdict(f.Verdict(ids.back(), true), f.clock_, f.no_input_, false,
                     approve.io) == kExitOk);
  CHECK(approve.out.str().find("the decision is now ALLOW") !=
        std::string::npos);
}

TEST_CASE("approvals list shows what waits, and approve decides it",
          "[cli][approvals]") {
  CliFixture f;
  Captured empty;
  REQUIRE(RunApprovalsList({f.address_, f.approver_.token, "shop"}, empty.io) ==
          kExitOk);
  CHECK(empty.out.str() == "no pending approvals for shop\n");

  std::string id = f.EvaluatePending();
  Captured list;
  REQUIRE(RunApprovalsList({f.address_, f.approver_.token, "shop"}, list.io) ==
          kExitOk);
  CHECK(list.out.str().find(id + "  refund_order by bot") == 0);
  CHECK(list.out.str().find("args.amount = 120 SAR") != std::string::npos);
  CHECK(list.out.str().find("needs refunds: owner (quorum 1)") !=
        std::string::npos);

  Captured approve;
  REQUIRE(RunVerdict(f.Verdict(id, true), f.clock_, f.no_input_, false,
                     approve.io) == kExitOk);
  CHECK(approve.out.str().find("approving:") == 0);
  CHECK(approve.out.str().find("the decision is now ALLOW") !=
        std::string::npos);

  Captured again;
  CHECK(RunVerdict(f.Verdict(id, true), f.clock_, f.no_input_, false,
                   again.io) == kExitFailed);
  CHECK(again.err.str().find("no pending request") != std::string::npos);
}

TEST_CASE("approve with --propose signs a rule proposal and prints its id",
          "[cli][approvals][amendments]") {
  CliFixture f;
  std::string id = f.EvaluatePending();
  VerdictArgs args = f.Verdict(id, true);
  args.propose = "rule r \"d\" deny when args.amount > 5 USD";
  Captured usage;
  CHECK(RunVerdict(args, f.clock_, f.no_input_, false, usage.io) == kExitUsage);
  CHECK(usage.err.str().find("--rationale is required") != std::string::npos);

  args.rationale = "never this much";
  Captured refused;
  CHECK(RunVerdict(args, f.clock_, f.no_input_, false, refused.io) ==
        kExitFailed);
  CHECK(refused.err.str().find("proposal:1:36: ") != std::string::npos);

  args.propose =
      "rule no-big \"no refund over 2000 SAR\" deny when args.amount > 2000 "
      "SAR";
  Captured approved;
  REQUIRE(RunVerdict(args, f.clock_, f.no_input_, false, approved.io) ==
          kExitOk);
  const std::string out = approved.out.str();
  INFO(out);
  CHECK(out.find("  proposing for tool refund_order: rule no-big") !=
        std::string::npos);
  CHECK(out.find("  because: never this much\n") != std::string::npos);
  const size_t at = out.find("proposal recorded: ");
  REQUIRE(at != std::string::npos);
  const std::string proposal = out.substr(at + 19, 16);
  CHECK(out.find("(portcullis policy amend --proposal " + proposal + ")") !=
        std::string::npos);
}

TEST_CASE("evaluate proposes an action typed on the command line",
          "[cli][evaluate]") {
  CliFixture f;
  EvaluateArgs args;
  args.gate = f.address_;
  args.token = f.agent_.token;
  args.tenant = "shop";
  args.agent = "bot";
  args.tool = "refund_order";
  args.arguments = {"order_id=AN-1", "amount=120.00SAR"};
  args.context = {"request_id=req-1"};
  Captured text;
  REQUIRE(RunEvaluate(args, text.io) == kExitOk);
  const std::string out = text.out.str();
  CHECK(out.find("outcome: PENDING_APPROVAL\n") == 0);
  CHECK(out.find("rule: refunds (refunds need the owner)\n") !=
        std::string::npos);
  CHECK(out.find("needs: refunds: owner (quorum 1)") != std::string::npos);
  CHECK(out.find("\ndecision: ") != std::string::npos);
  CHECK(out.find("\nledger sequence: ") != std::string::npos);

  args.json = true;
  Captured json;
  REQUIRE(RunEvaluate(args, json.io) == kExitOk);
  v1::EvaluateResponse response;
  REQUIRE(google::protobuf::util::JsonStringToMessage(json.out.str(), &response)
              .ok());
  CHECK(response.decision().outcome() == v1::OUTCOME_PENDING_APPROVAL);
  CHECK(response.decision().ledger_sequence() > 0);

  // The gate judges the arguments: a refund without an amount is refused.
  args.arguments = {"order_id=AN-1"};
  Captured refused;
  CHECK(RunEvaluate(args, refused.io) == kExitFailed);
  CHECK(refused.err.str().find("portcullis evaluate: ") == 0);

  args.tool = "";
  Captured usage;
  CHECK(RunEvaluate(args, usage.io) == kExitUsage);
  // Without credentials the gate refuses the call.
  args.tool = "refund_order";
  args.arguments = {"order_id=AN-1", "amount=1.00SAR"};
  args.token = "";
  Captured refused_anonymous;
  CHECK(RunEvaluate(args, refused_anonymous.io) == kExitFailed);
  CHECK(refused_anonymous.err.str().find("no credentials") !=
        std::string::npos);
}

TEST_CASE("reload asks the gate to re-read what it loaded", "[cli][reload]") {
  CliFixture f;
  Captured reloaded;
  REQUIRE(RunReload({f.address_, f.approver_.token}, reloaded.io) == kExitOk);
  CHECK(reloaded.out.str() ==
        "reloaded the policy, principals and approvers; policy version 1 is "
        "in force\n");
  Captured anonymous;
  CHECK(RunReload({f.address_, ""}, anonymous.io) == kExitFailed);
}

TEST_CASE("approve asks before it signs, and only a person can answer",
          "[cli][approvals]") {
  CliFixture f;
  std::string id = f.EvaluatePending();
  VerdictArgs ask = f.Verdict(id, true);
  ask.yes = false;

  Captured piped;
  CHECK(RunVerdict(ask, f.clock_, f.no_input_, false, piped.io) == kExitUsage);
  CHECK(piped.err.str().find("pass --yes") != std::string::npos);

  std::istringstream no("n\n");
  Captured declined;
  CHECK(RunVerdict(ask, f.clock_, no, true, declined.io) == kExitFailed);
  const std::string shown = declined.out.str();
  CHECK(shown.find(id + "  refund_order by bot for shop") != std::string::npos);
  CHECK(shown.find("args.amount = 120 SAR") != std::string::npos);
  CHECK(shown.find("action digest ") != std::string::npos);
  CHECK(shown.find("sign this approval? [y/N] nothing signed") !=
        std::string::npos);
  std::istringstream nothing("");
  Captured closed;
  CHECK(RunVerdict(ask, f.clock_, nothing, true, closed.io) == kExitFailed);

  Captured still;  // nothing was recorded: the request still waits
  REQUIRE(RunApprovalsList({f.address_, f.approver_.token, "shop"}, still.io) ==
          kExitOk);
  CHECK(still.out.str().find(id) == 0);

  std::istringstream yes(" Y \n");
  Captured approved;
  REQUIRE(RunVerdict(ask, f.clock_, yes, true, approved.io) == kExitOk);
  CHECK(approved.out.str().find("the decision is now ALLOW") !=
        std::string::npos);
}

TEST_CASE("deny needs a reason and records it", "[cli][approvals]") {
  CliFixture f;
  std::string id = f.EvaluatePending();
  VerdictArgs no_reason = f.Verdict(id, false);
  no_reason.comment = "";
  Captured usage;
  CHECK(RunVerdict(no_reason, f.clock_, f.no_input_, false, usage.io) ==
        kExitUsage);
  Captured deny;
  REQUIRE(RunVerdict(f.Verdict(id, false), f.clock_, f.no_input_, false,
                     deny.io) == kExitOk);
  CHECK(deny.out.str().find("the decision is now DENY") != std::string::npos);
  CHECK(deny.out.str().find("denied by alice: not this one") !=
        std::string::npos);
}

TEST_CASE("an approval signed with someone else's key is refused",
          "[cli][approvals]") {
  CliFixture f;
  std::string id = f.EvaluatePending();
  Captured c;
  CHECK(RunVerdict(f.Verdict(id, true, "mallory"), f.clock_, f.no_input_, false,
                   c.io) == kExitFailed);
  CHECK(c.err.str().find("does not verify") != std::string::npos);
}

TEST_CASE("a receipt verifies offline, and only for its own action",
          "[cli][receipts]") {
  CliFixture f;
  std::string id = f.EvaluatePending();
  Captured approve;
  REQUIRE(RunVerdict(f.Verdict(id, true), f.clock_, f.no_input_, false,
                     approve.io) == kExitOk);
  GateClient client(f.address_, f.agent_.token);
  v1::ExecuteRequest execute;
  execute.set_decision_id(id);
  *execute.mutable_action() = f.Refund();
  v1::ExecuteResponse executed;
  REQUIRE(
      client.gate().Execute(client.Context().get(), execute, &executed).ok());

  auto write_json = [&](const google::protobuf::Message& m,
                        const std::string& name) {
    std::string json;
    REQUIRE(google::protobuf::util::MessageToJsonString(m, &json).ok());
    std::ofstream(f.dir_.Sub(name)) << json;
    return f.dir_.Sub(name);
  };
  std::string receipt = write_json(executed.receipt(), "receipt.json");
  std::string action = write_json(f.Refund(), "action.json");
  std::string gate_pub = f.dir_.Sub("data/gate.pub");

  Captured valid;
  CHECK(RunReceiptVerify({receipt, gate_pub, action}, valid.io) == kExitOk);
  CHECK(valid.out.str().find("valid: tenant shop, decision " + id) == 0);

  // Execute's whole response, {"receipt": ...}, as docs/receipts.md says.
  Captured response;
  CHECK(RunReceiptVerify(
            {write_json(executed, "response.json"), gate_pub, action},
            response.io) == kExitOk);
  CHECK(response.out.str() == valid.out.str());
  std::ofstream(f.dir_.Sub("neither.json")) << R"({"decision": {}})";
  Captured neither;
  CHECK(RunReceiptVerify({f.dir_.Sub("neither.json"), gate_pub, action},
                         neither.io) == kExitUsage);
  CHECK(neither.err.str().find("nor an ExecuteResponse") != std::string::npos);

  v1::Action other_action = f.Refund();
  (*other_action.mutable_arguments())["amount"]
      .mutable_money_value()
      ->set_amount("920.00");
  Captured other;
  CHECK(RunReceiptVerify(
            {receipt, gate_pub, write_json(other_action, "other.json")},
            other.io) == kExitFailed);
  CHECK(other.out.str().find("different action") != std::string::npos);

  v1::ExecutionReceipt edited = executed.receipt();
  edited.set_tool("wire_money");
  Captured tampered;
  CHECK(RunReceiptVerify({write_json(edited, "edited.json"), gate_pub, ""},
                         tampered.io) == kExitFailed);
  CHECK(tampered.out.str().find("INVALID") == 0);

  Captured wrong_key;
  CHECK(RunReceiptVerify({receipt, f.dir_.Sub("alice.pub"), ""},
                         wrong_key.io) == kExitFailed);
  Captured usage;
  CHECK(RunReceiptVerify({receipt, "", ""}, usage.io) == kExitUsage);
  Captured unreadable;
  CHECK(RunReceiptVerify({f.dir_.Sub("absent.json"), gate_pub, ""},
                         unreadable.io) == kExitUsage);
}

TEST_CASE("halt and resume through the CLI", "[cli][halt]") {
  CliFixture f;
  Captured no_reason;
  CHECK(RunHalt({f.address_, f.agent_.token, "shop", "", true}, no_reason.io) ==
        kExitUsage);
  Captured halt;
  REQUIRE(RunHalt({f.address_, f.agent_.token, "shop", "incident", true},
                  halt.io) == kExitOk);
  CHECK(halt.out.str() == "tenant shop is halted\n");
  Captured twice;
  CHECK(RunHalt({f.address_, f.agent_.token, "shop", "incident", true},
                twice.io) == kExitFailed);
  Captured resume;
  REQUIRE(RunHalt({f.address_, f.agent_.token, "shop", "", false}, resume.io) ==
          kExitOk);
  Captured unknown;
  CHECK(RunHalt({f.address_, f.agent_.token, "nowhere", "x", true},
                unknown.io) == kExitFailed);
}

TEST_CASE(
    "secrets are put from stdin, listed without values, rotated and "
    "deleted",
    "[cli][secrets]") {
  CliFixture f;
  SecretArgs args{f.address_, f.agent_.token, "shop", "payments"};
  std::istringstream value("sk_test_value\n");
  Captured put;
  REQUIRE(RunSecretsPut(args, false, value, false, put.io) == kExitOk);
  CHECK(put.out.str().find("version 1") != std::string::npos);
  CHECK(put.out.str().find("vault://shop/payments") != std::string::npos);
  CHECK(put.out.str().find("sk_test_value") == std::string::npos);

  std::istringstream again("other\n");
  Captured exists;
  CHECK(RunSecretsPut(args, false, again, false, exists.io) == kExitFailed);
  std::istringstream next("sk_test_value_2");
  Captured rotated;
  REQUIRE(RunSecretsPut(args, true, next, false, rotated.io) == kExitOk);
  CHECK(rotated.out.str().find("version 2") != std::string::npos);

  Captured listed;
  REQUIRE(RunSecretsList(args, listed.io) == kExitOk);
  CHECK(listed.out.str().find("payments  version 2") == 0);
  CHECK(listed.out.str().find("sk_test") == std::string::npos);

  std::istringstream empty("");
  Captured no_value;
  CHECK(RunSecretsPut(args, false, empty, false, no_value.io) == kExitUsage);
  Captured deleted;
  REQUIRE(RunSecretsDelete(args, deleted.io) == kExitOk);
  Captured gone;
  CHECK(RunSecretsDelete(args, gone.io) == kExitFailed);
}

// Parses what a --json command printed; fails the test if it is not JSON.
google::protobuf::Struct ParseJson(const std::string& text) {
  google::protobuf::Struct parsed;
  INFO(text);
  REQUIRE(google::protobuf::util::JsonStringToMessage(text, &parsed).ok());
  return parsed;
}

TEST_CASE("each gate answer is one JSON object with --json", "[cli][json]") {
  CliFixture f;
  std::string id = f.EvaluatePending();
  Captured list;
  REQUIRE(RunApprovalsList({f.address_, f.approver_.token, "shop", true},
                           list.io) == kExitOk);
  v1::ListPendingResponse pending;
  REQUIRE(google::protobuf::util::JsonStringToMessage(list.out.str(), &pending)
              .ok());
  REQUIRE(pending.pending_size() == 1);
  CHECK(pending.pending(0).decision().decision_id() == id);

  Captured reloaded;
  REQUIRE(RunReload({f.address_, f.approver_.token, true}, reloaded.io) ==
          kExitOk);
  CHECK(ParseJson(reloaded.out.str())
            .fields()
            .at("policy")
            .struct_value()
            .fields()
            .at("version")
            .string_value() == "1");

  Captured halted;
  REQUIRE(RunHalt({f.address_, f.agent_.token, "shop", "incident", true, true},
                  halted.io) == kExitOk);
  google::protobuf::Struct halt = ParseJson(halted.out.str());
  CHECK(halt.fields().at("tenant").string_value() == "shop");
  CHECK(halt.fields().at("halted").bool_value());

  SecretArgs args{f.address_, f.agent_.token, "shop", "payments", true};
  std::istringstream value("sk_test_value\n");
  Captured put;
  REQUIRE(RunSecretsPut(args, false, value, false, put.io) == kExitOk);
  Captured listed;
  REQUIRE(RunSecretsList(args, listed.io) == kExitOk);
  CHECK(listed.out.str().find("sk_test") == std::string::npos);
  v1::ListSecretsResponse secrets;
  REQUIRE(
      google::protobuf::util::JsonStringToMessage(listed.out.str(), &secrets)
          .ok());
  REQUIRE(secrets.secrets_size() == 1);
  CHECK(secrets.secrets(0).name() == "payments");
}

// The kinds on `tenant`'s chain, read after the gate stopped.
std::vector<std::string> KindsOn(const std::string& data,
                                 const std::string& tenant) {
  return testing::StoredKinds(data, tenant);
}

TEST_CASE("a payload key is rotated at the running gate and recorded",
          "[cli][maintenance]") {
  CliFixture f;
  f.EvaluatePending();
  MaintenanceArgs args{f.address_, f.approver_.token, "shop", false, true};
  Captured rotated;
  REQUIRE(RunMaintenanceRotateKey(args, rotated.io) == kExitOk);
  google::protobuf::Struct answer = ParseJson(rotated.out.str());
  const double version = answer.fields().at("keyVersion").number_value();
  CHECK(version >= 1);
  Captured again;
  args.json = false;
  REQUIRE(RunMaintenanceRotateKey(args, again.io) == kExitOk);
  CHECK(again.out.str().find(absl::StrCat("payload key version ",
                                          static_cast<int>(version) + 1)) !=
        std::string::npos);
  // The gate keeps deciding, sealing with the new key.
  f.EvaluatePending("bot-2");
  Captured unknown;
  args.tenant = "nowhere";
  CHECK(RunMaintenanceRotateKey(args, unknown.io) == kExitFailed);
  Captured missing;
  args.tenant = "";
  CHECK(RunMaintenanceRotateKey(args, missing.io) == kExitUsage);

  f.daemon_.reset();
  std::vector<std::string> kinds = KindsOn(f.dir_.Sub("data"), "shop");
  CHECK(std::count(kinds.begin(), kinds.end(), "ledger.key_rotated") == 2);
  Captured verified;
  CHECK(RunLedgerVerify({f.dir_.Sub("data"), "", f.dir_.Sub("data/gate.pub")},
                        verified.io) == kExitOk);
  CHECK(verified.out.str().find("every chain is intact") != std::string::npos);
}

TEST_CASE("a halted tenant is deleted at the running gate and recorded",
          "[cli][maintenance]") {
  CliFixture f;
  f.EvaluatePending();
  MaintenanceArgs args{f.address_, f.approver_.token, "shop", false, false};
  Captured unconfirmed;
  CHECK(RunMaintenanceDeleteTenant(args, unconfirmed.io) == kExitUsage);
  args.confirm = true;
  Captured serving;
  CHECK(RunMaintenanceDeleteTenant(args, serving.io) == kExitFailed);
  CHECK(serving.err.str().find("halt tenant shop first") != std::string::npos);

  Captured halt;
  REQUIRE(RunHalt({f.address_, f.approver_.token, "shop", "offboarding", true},
                  halt.io) == kExitOk);
  Captured deleted;
  REQUIRE(RunMaintenanceDeleteTenant(args, deleted.io) == kExitOk);
  CHECK(deleted.out.str().find("tenant shop deleted") != std::string::npos);

  f.daemon_.reset();
  CHECK(KindsOn(f.dir_.Sub("data"), "shop").empty());
  std::vector<std::string> ledger_chain =
      KindsOn(f.dir_.Sub("data"), "_ledger");
  CHECK(std::count(ledger_chain.begin(), ledger_chain.end(),
                   "tenant.deleted") == 1);
  Captured verified;
  CHECK(RunLedgerVerify({f.dir_.Sub("data"), "", f.dir_.Sub("data/gate.pub")},
                        verified.io) == kExitOk);
}

TEST_CASE("maintenance needs the operator role, and deletion every tenant",
          "[cli][maintenance]") {
  CliFixture f;
  MaintenanceArgs args{f.address_, f.limited_.token, "shop", true, false};
  Captured rotate;
  CHECK(RunMaintenanceRotateKey(args, rotate.io) == kExitFailed);
  CHECK(rotate.err.str().find("operator") != std::string::npos);
  Captured remove;
  CHECK(RunMaintenanceDeleteTenant(args, remove.io) == kExitFailed);
  f.daemon_.reset();
  std::vector<std::string> kinds = KindsOn(f.dir_.Sub("data"), "shop");
  CHECK(std::count(kinds.begin(), kinds.end(), "access.denied") == 2);
}

TEST_CASE("an unreachable gate is a usage error naming the address",
          "[cli][approvals]") {
  Captured c;
  CHECK(RunApprovalsList({"127.0.0.1:1", "", "shop"}, c.io) == kExitUsage);
  CHECK(c.err.str().find("cannot reach the gate at 127.0.0.1:1") !=
        std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
