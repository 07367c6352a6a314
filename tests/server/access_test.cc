// Who may call what, over gRPC: every refusal path, tenant isolation, and
// token rotation and revocation.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "codec/approval_codec.h"
#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "daemon/daemon.h"
#include "gate/approval.h"
#include "identity/token.h"
#include "ledger/evidence.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/stored_entries.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "two" version "1"
tenant "a" {
  tool refund_order {
    class write
    irreversible
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
  tool reply { class read  rule r "replies" allow }
}
tenant "b" {
  tool refund_order {
    class write
    irreversible
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
  tool reply { class read  rule r "replies" allow }
}
)";

// A caller: a name, roles, tenants and a fresh token.
using Caller = ::portcullis::testing::TestCaller;

class AccessFixture {
 public:
  AccessFixture() {
    std::ofstream(dir_.Sub("two.policy")) << kPolicy;
    WritePrincipals(
        {agent_a_, agent_b_, approver_a_, ops_, both_a_, auditor_a_});
    std::ofstream(dir_.Sub("gate.yaml"))
        << "policy: two.policy\ndataDir: data\nprincipalsFile: "
           "principals.yaml\nlisten:\n  tcpAddress: 127.0.0.1:0\n"
           "  disableUnixSocket: true\nledger:\n  checkpointEveryEntries: 1\n"
           "approvers:\n  - id: alice\n"
           "    publicKey: "
        << crypto::FormatVerifyingKey(alice_.verifying_key())
        << "\n    roles: [owner]\n    tenants: ['*']\n";
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

  void WritePrincipals(const std::vector<Caller>& callers) {
    std::ofstream out(dir_.Sub("principals.yaml"));
    out << "principals:\n";
    for (const Caller& c : callers) out << c.Yaml();
  }

  static v1::EvaluateRequest Request(const std::string& tenant,
                                     const std::string& tool,
                                     const std::string& agent = "bot") {
    v1::EvaluateRequest r;
    r.mutable_action()->set_tenant(tenant);
    r.mutable_action()->set_agent(agent);
    r.mutable_action()->set_tool(tool);
    if (tool == "refund_order") {
      auto* m = (*r.mutable_action()->mutable_arguments())["amount"]
                    .mutable_money_value();
      m->set_amount("10");
      m->set_currency("SAR");
    }
    return r;
  }

  grpc::Status Evaluate(const Caller& caller, const std::string& tenant,
                        const std::string& tool = "reply",
                        v1::Decision* decision = nullptr) {
    v1::EvaluateResponse response;
    grpc::Status s = gate_->Evaluate(caller.Context().get(),
                                     Request(tenant, tool), &response);
    if (decision != nullptr) *decision = response.decision();
    return s;
  }

  // The kinds of `tenant`'s ledger entries, in order. Stops the gate first
  // (the ledger has one writer) — call it last.
  std::vector<std::string> Kinds(const std::string& tenant) {
    daemon_.reset();
    return testing::StoredKinds(dir_.Sub("data"), tenant);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  crypto::SigningKey alice_ = crypto::SigningKey::Generate();
  Caller agent_a_{"agent-a", "agent", "a"};
  Caller agent_b_{"agent-b", "agent", "b"};
  Caller approver_a_{"approver-a", "approver", "a"};
  Caller ops_{"ops", "operator", "'*'"};
  Caller both_a_{"agent-and-approver-a", "agent, approver", "a"};
  Caller auditor_a_{"auditor-a", "auditor", "a"};
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

int Count(const std::vector<std::string>& kinds, const std::string& kind) {
  return static_cast<int>(std::count(kinds.begin(), kinds.end(), kind));
}

TEST_CASE("an agent of tenant A cannot act for tenant B", "[access]") {
  AccessFixture f;
  CHECK(f.Evaluate(f.agent_a_, "a").ok());
  Expect(f.Evaluate(f.agent_a_, "b"), grpc::StatusCode::PERMISSION_DENIED,
         "may not act for tenant \"b\"");

  v1::Decision b_decision;
  REQUIRE(f.Evaluate(f.agent_b_, "b", "reply", &b_decision).ok());
  // Awaiting or executing B's decision: refused by tenant, or not found
  // when named under A.
  v1::AwaitDecisionRequest await;
  await.set_tenant("b");
  await.set_decision_id(b_decision.decision_id());
  v1::AwaitDecisionResponse awaited;
  Expect(f.gate_->AwaitDecision(f.agent_a_.Context().get(), await, &awaited),
         grpc::StatusCode::PERMISSION_DENIED, "tenant \"b\"");
  await.set_tenant("a");
  Expect(f.gate_->AwaitDecision(f.agent_a_.Context().get(), await, &awaited),
         grpc::StatusCode::NOT_FOUND, "no decision");

  v1::ExecuteRequest execute;
  execute.set_decision_id(b_decision.decision_id());
  *execute.mutable_action() = AccessFixture::Request("b", "reply").action();
  v1::ExecuteResponse executed;
  Expect(f.gate_->Execute(f.agent_a_.Context().get(), execute, &executed),
         grpc::StatusCode::PERMISSION_DENIED, "tenant \"b\"");
  *execute.mutable_action() = AccessFixture::Request("a", "reply").action();
  Expect(f.gate_->Execute(f.agent_a_.Context().get(), execute, &executed),
         grpc::StatusCode::NOT_FOUND, "no decision");

  // The refusals are on A's own chain: A wrote nothing to B's (issue 15,
  // item 8), and nothing was decided there for A.
  std::vector<std::string> b_kinds = f.Kinds("b");
  CHECK(Count(b_kinds, "access.denied") == 0);
  CHECK(Count(b_kinds, "action.evaluated") == 1);
  CHECK(Count(b_kinds, "action.executed") == 0);
  CHECK(Count(f.Kinds("a"), "access.denied") == 3);
}

TEST_CASE("a flood of cross-tenant calls leaves the other tenant's chain alone",
          "[access]") {
  AccessFixture f;
  for (int i = 0; i < 50; ++i) {
    Expect(f.Evaluate(f.agent_a_, "b"), grpc::StatusCode::PERMISSION_DENIED,
           "may not act for tenant \"b\"");
  }
  // A tenant id that is not even valid is quoted, bounded, and goes to the
  // caller's chain as well.
  grpc::Status s = f.Evaluate(f.agent_a_, std::string(10000, 'b') + "\n");
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(s.error_message().size() < 300);
  CHECK(s.error_message().find('\n') == std::string::npos);
  CHECK(Count(f.Kinds("b"), "access.denied") == 0);
  CHECK(Count(f.Kinds("a"), "access.denied") == 51);
}

TEST_CASE("an agent speaks only as the agent ids its principal lists",
          "[access]") {
  AccessFixture f;
  Caller named{"support-bot", "agent", "a", ""};  // no agents: its own name
  Caller many{"many", "agent", "a", "sales-bot, ops-bot"};
  Caller any{"any", "agent", "a", "'*'"};
  f.WritePrincipals({f.agent_a_, named, many, any});
  REQUIRE(f.daemon_->ReloadPrincipals().ok());
  v1::EvaluateResponse response;
  auto evaluate = [&](const Caller& c, const std::string& agent) {
    return f.gate_->Evaluate(c.Context().get(),
                             AccessFixture::Request("a", "reply", agent),
                             &response);
  };
  CHECK(evaluate(f.agent_a_, "bot").ok());
  CHECK(evaluate(named, "support-bot").ok());
  CHECK(evaluate(many, "sales-bot").ok());
  CHECK(evaluate(many, "ops-bot").ok());
  CHECK(evaluate(any, "whoever").ok());
  // One token, thirty names: each refused, so per-agent limits hold.
  for (int i = 0; i < 30; ++i) {
    Expect(evaluate(f.agent_a_, "bot-" + std::to_string(i)),
           grpc::StatusCode::PERMISSION_DENIED, "may not speak as agent");
  }
  Expect(evaluate(named, "bot"), grpc::StatusCode::PERMISSION_DENIED,
         "may not speak as agent \"bot\"");
  Expect(evaluate(many, "support-bot"), grpc::StatusCode::PERMISSION_DENIED,
         "may not speak as agent");
  // Execute names the agent too.
  v1::ExecuteRequest execute;
  execute.set_decision_id(std::string(32, '0'));
  *execute.mutable_action() =
      AccessFixture::Request("a", "reply", "intruder").action();
  v1::ExecuteResponse executed;
  Expect(f.gate_->Execute(f.agent_a_.Context().get(), execute, &executed),
         grpc::StatusCode::PERMISSION_DENIED, "may not speak as agent");
  std::vector<std::string> kinds = f.Kinds("a");
  CHECK(Count(kinds, "access.denied") == 33);
  CHECK(Count(kinds, "action.evaluated") == 5);
}

TEST_CASE("a principals file with a malformed agent id is refused",
          "[access]") {
  AccessFixture f;
  Caller bad{"bad", "agent", "a", "'bad agent'"};
  f.WritePrincipals({f.agent_a_, bad});
  absl::Status s = f.daemon_->ReloadPrincipals();
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(s.message(), "is not an agent id"));
}

TEST_CASE("only approvers of the tenant list, watch and approve", "[access]") {
  AccessFixture f;
  v1::Decision pending;
  REQUIRE(f.Evaluate(f.agent_a_, "a", "refund_order", &pending).ok());
  REQUIRE(pending.outcome() == v1::OUTCOME_PENDING_APPROVAL);

  v1::ListPendingRequest list;
  list.set_tenant("a");
  v1::ListPendingResponse listed;
  CHECK(
      f.gate_->ListPending(f.approver_a_.Context().get(), list, &listed).ok());
  CHECK(listed.pending_size() == 1);
  Expect(f.gate_->ListPending(f.agent_a_.Context().get(), list, &listed),
         grpc::StatusCode::PERMISSION_DENIED, "approver role");
  list.set_tenant("b");
  Expect(f.gate_->ListPending(f.approver_a_.Context().get(), list, &listed),
         grpc::StatusCode::PERMISSION_DENIED, "tenant \"b\"");

  v1::WatchPendingRequest watch;
  watch.set_tenant("b");
  auto context = f.approver_a_.Context();
  auto stream = f.gate_->WatchPending(context.get(), watch);
  v1::PendingEvent event;
  CHECK_FALSE(stream->Read(&event));
  Expect(stream->Finish(), grpc::StatusCode::PERMISSION_DENIED, "tenant \"b\"");

  // The approval, signed by alice, submitted by an agent: refused.
  gate::Approval a;
  a.tenant = "a";
  a.decision_id = pending.decision_id();
  a.action_digest = pending.action_digest();
  a.expires_at = f.clock_.Now() + absl::Hours(1);
  a.approver_id = "alice";
  v1::ApproveRequest approve;
  codec::ApprovalToProto(a, approve.mutable_approval());
  approve.set_signature(gate::SignApproval(a, f.alice_));
  v1::ApproveResponse approved;
  Expect(f.gate_->Approve(f.agent_a_.Context().get(), approve, &approved),
         grpc::StatusCode::PERMISSION_DENIED, "approver role");
  // A principal that is both the requester and an approver: refused too.
  v1::Decision own;
  REQUIRE(f.Evaluate(f.both_a_, "a", "refund_order", &own).ok());
  a.decision_id = own.decision_id();
  a.action_digest = own.action_digest();
  codec::ApprovalToProto(a, approve.mutable_approval());
  approve.set_signature(gate::SignApproval(a, f.alice_));
  Expect(f.gate_->Approve(f.both_a_.Context().get(), approve, &approved),
         grpc::StatusCode::PERMISSION_DENIED, "requested this action");
  // The approval UI of tenant A may.
  CHECK(
      f.gate_->Approve(f.approver_a_.Context().get(), approve, &approved).ok());
  CHECK(approved.decision().outcome() == v1::OUTCOME_ALLOW);
}

TEST_CASE("operators alone halt, resume, reload and read status", "[access]") {
  AccessFixture f;
  v1::HaltRequest halt;
  halt.set_tenant("a");
  halt.set_reason("incident");
  v1::HaltResponse halted;
  Expect(f.admin_->Halt(f.agent_a_.Context().get(), halt, &halted),
         grpc::StatusCode::PERMISSION_DENIED, "operator role");
  CHECK(f.admin_->Halt(f.ops_.Context().get(), halt, &halted).ok());
  v1::StatusResponse status;
  Expect(f.admin_->Status(f.approver_a_.Context().get(), v1::StatusRequest(),
                          &status),
         grpc::StatusCode::PERMISSION_DENIED, "operator role");
  CHECK(f.admin_->Status(f.ops_.Context().get(), v1::StatusRequest(), &status)
            .ok());
  CHECK(status.tenants_size() == 2);
  v1::ReloadResponse reloaded;
  Expect(f.admin_->Reload(f.agent_b_.Context().get(), v1::ReloadRequest(),
                          &reloaded),
         grpc::StatusCode::PERMISSION_DENIED, "operator role");
}

// Streams an export; returns the status and fills `lines`.
grpc::Status Export(AccessFixture& f, const Caller& caller,
                    const std::string& tenant,
                    std::vector<ledger::v1::ExportLine>* lines = nullptr) {
  v1::ExportLedgerRequest request;
  request.set_tenant(tenant);
  auto context = caller.Context();
  auto stream = f.admin_->ExportLedger(context.get(), request);
  ledger::v1::ExportLine line;
  while (stream->Read(&line)) {
    if (lines != nullptr) lines->push_back(line);
  }
  return stream->Finish();
}

TEST_CASE("auditors alone export, and only their tenants' ledgers",
          "[access]") {
  AccessFixture f;
  REQUIRE(f.Evaluate(f.agent_a_, "a").ok());
  REQUIRE(f.Evaluate(f.agent_b_, "b").ok());

  std::vector<ledger::v1::ExportLine> lines;
  grpc::Status s = Export(f, f.auditor_a_, "a", &lines);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(lines.size() >= 3);  // header, checkpoint, entries
  CHECK(lines[0].header().tenant() == "a");
  CHECK_FALSE(lines[0].header().decrypted());
  int entries = 0;
  for (const ledger::v1::ExportLine& line : lines) {
    if (!line.has_entry()) continue;
    ++entries;
    CHECK(line.entry().tenant() == "a");
    CHECK(line.entry().has_stored_payload());
  }
  CHECK(entries == static_cast<int>(lines[0].header().to_sequence()));

  // Nothing of B reaches the auditor of A, nor anything at all an agent or
  // an operator.
  lines.clear();
  Expect(Export(f, f.auditor_a_, "b", &lines),
         grpc::StatusCode::PERMISSION_DENIED, "tenant \"b\"");
  CHECK(lines.empty());
  Expect(Export(f, f.agent_a_, "a", &lines),
         grpc::StatusCode::PERMISSION_DENIED, "auditor role");
  Expect(Export(f, f.ops_, "a", &lines), grpc::StatusCode::PERMISSION_DENIED,
         "auditor role");
  CHECK(lines.empty());
  // Hostile or missing tenant ids are refused before any lookup.
  for (const std::string& tenant : {std::string("../b"), std::string("")}) {
    Expect(Export(f, f.auditor_a_, tenant, &lines),
           grpc::StatusCode::INVALID_ARGUMENT, "tenant");
  }
  CHECK(lines.empty());
  grpc::ClientContext anonymous;
  v1::ExportLedgerRequest request;
  request.set_tenant("a");
  auto stream = f.admin_->ExportLedger(&anonymous, request);
  ledger::v1::ExportLine line;
  CHECK_FALSE(stream->Read(&line));
  CHECK(stream->Finish().error_code() == grpc::StatusCode::UNAUTHENTICATED);

  // The refusal for B is on the auditor's own chain, A, with the agent's
  // and the operator's for A.
  CHECK(Count(f.Kinds("b"), "access.denied") == 0);
  CHECK(Count(f.Kinds("a"), "access.denied") == 3);
}

TEST_CASE("missing, malformed and unknown credentials are unauthenticated",
          "[access]") {
  AccessFixture f;
  v1::EvaluateResponse response;
  {
    grpc::ClientContext none;
    Expect(f.gate_->Evaluate(&none, AccessFixture::Request("a", "reply"),
                             &response),
           grpc::StatusCode::UNAUTHENTICATED, "no credentials");
  }
  {
    grpc::ClientContext basic;
    basic.AddMetadata("authorization", "Basic dXNlcjpwYXNz");
    Expect(f.gate_->Evaluate(&basic, AccessFixture::Request("a", "reply"),
                             &response),
           grpc::StatusCode::UNAUTHENTICATED, "Bearer");
  }
  {
    grpc::ClientContext forged;
    forged.AddMetadata("authorization", "Bearer " + identity::NewToken());
    Expect(f.gate_->Evaluate(&forged, AccessFixture::Request("a", "reply"),
                             &response),
           grpc::StatusCode::UNAUTHENTICATED, "not recognised");
  }
  // Unidentified callers leave no trace on a tenant's chain.
  CHECK(Count(f.Kinds("a"), "access.denied") == 0);
}

TEST_CASE("hostile tenant ids are refused before they reach storage",
          "[access]") {
  AccessFixture f;
  Caller everywhere{"agent-everywhere", "agent", "'*'"};
  f.WritePrincipals({everywhere});
  REQUIRE(f.daemon_->ReloadPrincipals().ok());
  const std::string hostile[] = {"../a",
                                 "a/b",
                                 std::string("a\0b", 3),
                                 "a\x01",
                                 "\xd0\xb0",  // Cyrillic a
                                 "A",
                                 std::string(64, 'a'),
                                 ""};
  for (const std::string& tenant : hostile) {
    INFO("tenant of " << tenant.size() << " bytes");
    grpc::Status s = f.Evaluate(everywhere, tenant);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(s.error_message().find("action.tenant") != std::string::npos);
  }
  // No chain was created for any of them.
  f.daemon_.reset();
  ledger::RocksDbOptions read_only;
  read_only.read_only = true;
  auto store = ledger::RocksDbStore::Open(f.dir_.Sub("data"), read_only);
  REQUIRE(store.ok());
  auto ledger = ledger::Ledger::Open(std::move(*store));
  REQUIRE(ledger.ok());
  CHECK((*ledger)->Tenants() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("tokens rotate and are revoked by editing the principals file",
          "[access]") {
  AccessFixture f;
  Caller rotated = f.agent_a_;
  rotated.token = identity::NewToken();
  // Both tokens during the rotation.
  std::string both = f.agent_a_.Yaml();
  both.insert(both.find("']\n", both.find("tokenHashes")),
              "', '" + identity::TokenHash(rotated.token));
  {
    std::ofstream out(f.dir_.Sub("principals.yaml"));
    out << "principals:\n" << both;
  }
  REQUIRE(f.daemon_->ReloadPrincipals().ok());
  CHECK(f.Evaluate(f.agent_a_, "a").ok());
  CHECK(f.Evaluate(rotated, "a").ok());
  // Then the old one is revoked.
  f.WritePrincipals({rotated});
  REQUIRE(f.daemon_->ReloadPrincipals().ok());
  Expect(f.Evaluate(f.agent_a_, "a"), grpc::StatusCode::UNAUTHENTICATED,
         "revoked");
  CHECK(f.Evaluate(rotated, "a").ok());
  // A broken principals file keeps the principals in force.
  {
    std::ofstream out(f.dir_.Sub("principals.yaml"));
    out << "principals:\n  - name: x\n    roles: [superuser]\n";
  }
  CHECK(f.daemon_->ReloadPrincipals().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(f.Evaluate(rotated, "a").ok());
}

}  // namespace
}  // namespace portcullis::server
