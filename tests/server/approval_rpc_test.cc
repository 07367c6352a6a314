// The approval flow over gRPC on a daemon built as portcullisd builds it:
// Evaluate, ListPending, WatchPending, Approve, AwaitDecision, Execute,
// ReportOutcome, and the Admin service.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "codec/approval_codec.h"
#include "codec/time_codec.h"
#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "daemon/daemon.h"
#include "gate/approval.h"
#include "gate/receipt.h"
#include "policy/amendment.h"
#include "portcullis/v1/admin.grpc.pb.h"
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
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
}
)";

class RpcFixture {
 public:
  RpcFixture() {
    std::ofstream(dir_.Sub("shop.policy")) << kPolicy;
    std::ofstream(dir_.Sub("gate.yaml"))
        << principal_.Yaml() << approver_principal_.YamlItem()
        << "policy: shop.policy\n"
           "dataDir: data\n"
           "listen:\n"
           "  tcpAddress: 127.0.0.1:0\n"
           "  disableUnixSocket: true\n"
           "approvers:\n"
           "  - id: alice\n"
           "    publicKey: "
        << crypto::FormatVerifyingKey(alice_.verifying_key())
        << "\n"
           "    roles: [owner]\n"
           "    tenants: [shop]\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials());
    gate_ = v1::Gate::NewStub(channel_);
    admin_ = v1::Admin::NewStub(channel_);
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
    a.set_idempotency_key("refund-AN-1");
    return a;
  }

  v1::Decision Evaluate(const v1::Action& action) {
    v1::EvaluateRequest request;
    *request.mutable_action() = action;
    v1::EvaluateResponse response;
    grpc::ClientContext context;
    principal_.Authorize(context);
    REQUIRE(gate_->Evaluate(&context, request, &response).ok());
    return response.decision();
  }

  v1::ApproveRequest SignedApproval(const v1::Decision& d) {
    gate::Approval a;
    a.tenant = d.tenant();
    a.decision_id = d.decision_id();
    a.action_digest = d.action_digest();
    a.verdict = gate::ApprovalVerdict::kApprove;
    a.expires_at = clock_.Now() + absl::Hours(1);
    a.approver_id = "alice";
    a.comment = "looks right";
    v1::ApproveRequest request;
    codec::ApprovalToProto(a, request.mutable_approval());
    request.set_signature(gate::SignApproval(a, alice_));
    return request;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal principal_;
  // Whoever requests an action may not approve it: the approval UI is
  // another principal.
  testing::TestPrincipal approver_principal_{"approval-ui"};
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  crypto::SigningKey alice_ = crypto::SigningKey::Generate();
  std::unique_ptr<daemon::Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

TEST_CASE("a refund goes from pending to approved to executed over gRPC",
          "[approval_rpc]") {
  RpcFixture f;
  v1::Decision pending = f.Evaluate(f.Refund());
  REQUIRE(pending.outcome() == v1::OUTCOME_PENDING_APPROVAL);
  REQUIRE(pending.approvals_size() == 1);
  CHECK(pending.approvals(0).roles(0) == "owner");

  // An approval UI watching the queue sees the request.
  grpc::ClientContext watch_context;
  f.principal_.Authorize(watch_context);
  v1::WatchPendingRequest watch_request;
  watch_request.set_tenant("shop");
  auto watch = f.gate_->WatchPending(&watch_context, watch_request);
  v1::PendingEvent added;
  REQUIRE(watch->Read(&added));
  CHECK(added.kind() == v1::PendingEvent::KIND_ADDED);
  CHECK(added.pending().decision().decision_id() == pending.decision_id());
  CHECK(added.pending().action().tool() == "refund_order");

  v1::ListPendingRequest list_request;
  list_request.set_tenant("shop");
  v1::ListPendingResponse list;
  {
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    REQUIRE(f.gate_->ListPending(&context, list_request, &list).ok());
  }
  REQUIRE(list.pending_size() == 1);

  // The agent waits while the owner approves.
  v1::AwaitDecisionResponse awaited;
  grpc::Status await_status;
  std::thread agent([&] {
    v1::AwaitDecisionRequest request;
    request.set_tenant("shop");
    request.set_decision_id(pending.decision_id());
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    await_status = f.gate_->AwaitDecision(&context, request, &awaited);
  });
  v1::ApproveResponse approved;
  {
    grpc::ClientContext context;
    f.approver_principal_.Authorize(context);
    REQUIRE(
        f.gate_->Approve(&context, f.SignedApproval(pending), &approved).ok());
  }
  CHECK(approved.decision().outcome() == v1::OUTCOME_ALLOW);
  agent.join();
  REQUIRE(await_status.ok());
  CHECK(awaited.decision().outcome() == v1::OUTCOME_ALLOW);

  v1::PendingEvent resolved;
  REQUIRE(watch->Read(&resolved));
  CHECK(resolved.kind() == v1::PendingEvent::KIND_RESOLVED);
  CHECK(resolved.decision().outcome() == v1::OUTCOME_ALLOW);
  watch_context.TryCancel();

  v1::ExecuteRequest execute;
  execute.set_decision_id(pending.decision_id());
  *execute.mutable_action() = f.Refund();
  v1::ExecuteResponse executed;
  {
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    REQUIRE(f.gate_->Execute(&context, execute, &executed).ok());
  }
  gate::Receipt receipt = codec::ReceiptFromProto(executed.receipt());
  auto gate_key = crypto::ReadVerifyingKeyFile(f.dir_.Sub("data/gate.pub"));
  REQUIRE(gate_key.ok());
  CHECK(gate::VerifyReceipt(receipt, *gate_key).ok());
  CHECK(executed.receipt().ledger_sequence() > 0);

  v1::ReportOutcomeRequest report;
  report.set_tenant("shop");
  report.set_decision_id(pending.decision_id());
  report.set_outcome(v1::EXECUTION_OUTCOME_SUCCEEDED);
  v1::ReportOutcomeResponse reported;
  grpc::ClientContext context;
  f.principal_.Authorize(context);
  REQUIRE(f.gate_->ReportOutcome(&context, report, &reported).ok());
  CHECK(reported.ledger_sequence() > executed.receipt().ledger_sequence());
}

TEST_CASE("malformed approval and execution requests are clear errors",
          "[approval_rpc]") {
  RpcFixture f;
  v1::Decision pending = f.Evaluate(f.Refund());
  struct Case {
    const char* name;
    std::function<grpc::Status()> call;
    grpc::StatusCode code;
    const char* words;
  };
  auto approve = [&](v1::ApproveRequest request) {
    return [&f, request] {
      grpc::ClientContext context;
      f.approver_principal_.Authorize(context);
      v1::ApproveResponse response;
      return f.gate_->Approve(&context, request, &response);
    };
  };
  v1::ApproveRequest no_verdict = f.SignedApproval(pending);
  no_verdict.mutable_approval()->clear_verdict();
  v1::ApproveRequest no_expiry = f.SignedApproval(pending);
  no_expiry.mutable_approval()->clear_expires_at();
  v1::ApproveRequest tampered = f.SignedApproval(pending);
  tampered.mutable_approval()->set_comment("edited");
  std::vector<Case> cases = {
      {"no approval", approve(v1::ApproveRequest()),
       grpc::StatusCode::INVALID_ARGUMENT, "approval: required"},
      {"no verdict", approve(no_verdict), grpc::StatusCode::INVALID_ARGUMENT,
       "approval.verdict"},
      {"no expiry", approve(no_expiry), grpc::StatusCode::INVALID_ARGUMENT,
       "approval.expires_at"},
      {"tampered", approve(tampered), grpc::StatusCode::PERMISSION_DENIED,
       "does not verify"},
      {"execute without action",
       [&] {
         grpc::ClientContext context;
         f.principal_.Authorize(context);
         v1::ExecuteRequest request;
         request.set_decision_id(pending.decision_id());
         v1::ExecuteResponse response;
         return f.gate_->Execute(&context, request, &response);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "action: required"},
      {"outcome unspecified",
       [&] {
         grpc::ClientContext context;
         f.principal_.Authorize(context);
         v1::ReportOutcomeRequest request;
         request.set_tenant("shop");
         request.set_decision_id(pending.decision_id());
         v1::ReportOutcomeResponse response;
         return f.gate_->ReportOutcome(&context, request, &response);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "outcome"},
      {"await an unknown tenant",
       [&] {
         grpc::ClientContext context;
         f.principal_.Authorize(context);
         v1::AwaitDecisionRequest request;
         request.set_tenant("nowhere");
         request.set_decision_id(pending.decision_id());
         v1::AwaitDecisionResponse response;
         return f.gate_->AwaitDecision(&context, request, &response);
       },
       grpc::StatusCode::NOT_FOUND, "nowhere"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    grpc::Status s = c.call();
    CHECK(s.error_code() == c.code);
    CHECK(s.error_message().find(c.words) != std::string::npos);
  }
}

TEST_CASE("await returns the pending decision when max_wait passes",
          "[approval_rpc]") {
  RpcFixture f;
  v1::Decision pending = f.Evaluate(f.Refund());
  v1::AwaitDecisionRequest request;
  request.set_tenant("shop");
  request.set_decision_id(pending.decision_id());
  request.mutable_max_wait()->set_nanos(1000000);
  v1::AwaitDecisionResponse response;
  grpc::ClientContext context;
  f.principal_.Authorize(context);
  REQUIRE(f.gate_->AwaitDecision(&context, request, &response).ok());
  CHECK(response.decision().outcome() == v1::OUTCOME_PENDING_APPROVAL);
}

TEST_CASE("operators halt, resume, reload and read status over gRPC",
          "[approval_rpc]") {
  RpcFixture f;
  {
    v1::HaltRequest halt;
    halt.set_tenant("shop");
    halt.set_reason("incident 7");
    v1::HaltResponse response;
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    REQUIRE(f.admin_->Halt(&context, halt, &response).ok());
  }
  CHECK(f.Evaluate(f.Refund()).outcome() == v1::OUTCOME_DENY);
  v1::StatusResponse status;
  {
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    REQUIRE(f.admin_->Status(&context, v1::StatusRequest(), &status).ok());
  }
  CHECK(status.policy().version() == "1");
  REQUIRE(status.tenants_size() == 1);
  CHECK(status.tenants(0).halted());
  CHECK(status.tenants(0).halt_reason() == "incident 7");
  {
    v1::HaltRequest again;
    again.set_tenant("shop");
    again.set_reason("twice");
    v1::HaltResponse response;
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    CHECK(f.admin_->Halt(&context, again, &response).error_code() ==
          grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    v1::ResumeRequest resume;
    resume.set_tenant("shop");
    v1::ResumeResponse response;
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    REQUIRE(f.admin_->Resume(&context, resume, &response).ok());
  }
  CHECK(f.Evaluate(f.Refund()).outcome() == v1::OUTCOME_PENDING_APPROVAL);
  {
    v1::ReloadResponse response;
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    grpc::Status s = f.admin_->Reload(&context, v1::ReloadRequest(), &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
    CHECK(response.policy().version() == "1");
  }
}

}  // namespace
}  // namespace portcullis::server

namespace portcullis::server {
namespace {

// Issue 21: an approval that proposes a rule, the operator's reload, and
// decisions that cite the rule and the proposal.
TEST_CASE("an amendment proposed over gRPC is cited once applied",
          "[approval_rpc][amendments]") {
  RpcFixture f;
  v1::Decision pending = f.Evaluate(f.Refund());
  REQUIRE(pending.outcome() == v1::OUTCOME_PENDING_APPROVAL);
  auto with = [&](const std::string& rule) {
    gate::Approval a;
    a.tenant = "shop";
    a.decision_id = pending.decision_id();
    a.action_digest = pending.action_digest();
    a.expires_at = f.clock_.Now() + absl::Hours(1);
    a.approver_id = "alice";
    a.amendment = gate::AmendmentProposal{"refund_order", rule,
                                          "never this much in one go"};
    v1::ApproveRequest request;
    codec::ApprovalToProto(a, request.mutable_approval());
    request.set_signature(gate::SignApproval(a, f.alice_));
    return request;
  };
  v1::ApproveResponse approved;
  {
    grpc::ClientContext context;
    f.approver_principal_.Authorize(context);
    grpc::Status s = f.gate_->Approve(
        &context, with("rule r \"d\" deny when args.amount > 5 USD"),
        &approved);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(s.error_message().find("proposal:1:36: ") != std::string::npos);
  }
  const std::string rule =
      "rule no-big \"no refund over 2000 SAR\" deny when args.amount > 2000 "
      "SAR";
  {
    grpc::ClientContext context;
    f.approver_principal_.Authorize(context);
    grpc::Status s = f.gate_->Approve(&context, with(rule), &approved);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }
  CHECK(approved.decision().outcome() == v1::OUTCOME_ALLOW);
  const std::string id = approved.proposal_id();
  REQUIRE(id.size() == 16);

  // The operator writes the amended policy and reloads.
  std::vector<policy::SourceFile> files = {{"shop.policy", kPolicy}};
  policy::AmendResult amended =
      policy::AmendPolicy(files, {"shop", "refund_order", rule, id});
  REQUIRE(amended.errors.empty());
  std::ofstream(f.dir_.Sub("shop.policy")) << amended.files[0].content;
  {
    v1::ReloadResponse response;
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    REQUIRE(f.admin_->Reload(&context, v1::ReloadRequest(), &response).ok());
  }
  v1::Action big = f.Refund();
  big.mutable_arguments()->at("amount").mutable_money_value()->set_amount(
      "2500.00");
  big.set_idempotency_key("refund-AN-2");
  v1::Decision denied = f.Evaluate(big);
  CHECK(denied.outcome() == v1::OUTCOME_DENY);
  REQUIRE(denied.decided_by_size() == 1);
  CHECK(denied.decided_by(0).id() == "no-big");
  CHECK(denied.decided_by(0).proposal_id() == id);
}

}  // namespace
}  // namespace portcullis::server
