#include "server/gate_service.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "codec/approval_codec.h"
#include "codec/proto_record_codec.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "reflection_messages.pb.h"
#include "server/server.h"
#include "tests/testing/blocking_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_policy.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr int kMaxRequestBytes = 16 * 1024;

// A real gRPC server on port 0 and a Unix socket, over a gate core with a
// hand-built policy and a real RocksDB ledger.
class ServerFixture {
 public:
  explicit ServerFixture(ledger::LedgerOptions ledger_options = {}) {
    auto store = ledger::RocksDbStore::Open(dir_.Sub("db"), {});
    REQUIRE(store.ok());
    store_ = std::move(*store);
    auto blocking = std::make_unique<testing::BlockingStore>(*store_);
    blocking_ = blocking.get();
    auto ledger = ledger::Ledger::Open(std::move(blocking), ledger_options);
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
    gate_ = std::make_unique<gate::Gate>(clock_, *ledger_, codec_, signing_key_,
                                         gate::ApproverRegistry());
    auto policy = std::make_shared<testing::FakePolicy>();
    policy->Add("shop", "reply_customer")
        .Add("shop", "delete_account", {policy::Outcome::kDeny});
    auto snapshot = std::make_shared<gate::PolicySnapshot>();
    snapshot->program = policy;
    snapshot->version = "fake-1";
    snapshot->content_hash = std::string(64, 'f');
    REQUIRE(gate_->ApplyPolicy({snapshot, snapshot->content_hash, "test", {}})
                .ok());

    ServerOptions options;
    options.tcp_address = "127.0.0.1:0";
    options.unix_socket = dir_.Sub("gate.sock");
    options.max_request_bytes = kMaxRequestBytes;
    // The tester holds a token; this process's own uid is a principal too,
    // for calls over the Unix socket.
    config::v1::PrincipalConfig local = principal_.Config();
    local.set_name("local-user");
    local.clear_token_hashes();
    local.add_unix_uids(::getuid());
    std::vector<config::v1::PrincipalConfig> principals = {principal_.Config(),
                                                           local};
    authenticator_ = std::make_unique<identity::Authenticator>(
        *identity::PrincipalTable::Create(principals));
    auto server = Server::Start(*gate_, options, *authenticator_);
    REQUIRE(server.ok());
    server_ = std::move(*server);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->tcp_port()),
                            grpc::InsecureChannelCredentials());
    stub_ = v1::Gate::NewStub(channel_);
  }

  grpc::Status Evaluate(const v1::EvaluateRequest& request,
                        v1::EvaluateResponse* response) {
    return stub_->Evaluate(principal_.Context().get(), request, response);
  }

  // How many decisions the ledger holds for `tenant`.
  int Decisions(const std::string& tenant) {
    int n = 0;
    REQUIRE(ledger_
                ->Read(tenant, 1, false,
                       [&](const ledger::Entry& e) {
                         n += e.kind == "action.evaluated";
                         return true;
                       })
                .ok());
    return n;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal principal_;
  std::unique_ptr<identity::Authenticator> authenticator_;
  codec::ProtoRecordCodec codec_;
  crypto::SigningKey signing_key_ = crypto::SigningKey::Generate();
  std::unique_ptr<ledger::RocksDbStore> store_;
  testing::BlockingStore* blocking_ = nullptr;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<gate::Gate> gate_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Gate::Stub> stub_;
};

v1::EvaluateRequest Request(const std::string& tenant,
                            const std::string& tool) {
  v1::EvaluateRequest r;
  v1::Action* a = r.mutable_action();
  a->set_tenant(tenant);
  a->set_agent("support-bot");
  a->set_tool(tool);
  (*a->mutable_arguments())["order_id"].set_string_value("1042");
  a->mutable_context()->set_request_id("req-1");
  return r;
}

TEST_CASE("Evaluate over gRPC answers with the recorded decision",
          "[gate_service]") {
  ServerFixture f;
  v1::EvaluateResponse response;
  grpc::Status s = f.Evaluate(Request("shop", "reply_customer"), &response);
  REQUIRE(s.ok());
  const v1::Decision& d = response.decision();
  CHECK(d.outcome() == v1::OUTCOME_ALLOW);
  CHECK(d.decision_id().size() == 32);
  CHECK(d.action_digest().size() == 32);
  CHECK(d.tenant() == "shop");
  CHECK(d.policy().version() == "fake-1");
  CHECK(d.policy().content_hash() == std::string(64, 'f'));
  CHECK(d.decided_by_size() == 1);
  CHECK(d.has_decided_at());
  CHECK(d.has_expires_at());
  CHECK(d.ledger_sequence() == 2);  // after policy.loaded
  CHECK(f.Decisions("shop") == 1);

  v1::EvaluateResponse denied;
  REQUIRE(f.Evaluate(Request("shop", "delete_account"), &denied).ok());
  CHECK(denied.decision().outcome() == v1::OUTCOME_DENY);
  CHECK(denied.decision().reasons_size() == 1);
  CHECK_FALSE(denied.decision().has_expires_at());
}

TEST_CASE(
    "Evaluate calls in flight are written by the ledger's commit thread or, "
    "alone, by their own handler",
    "[gate_service][concurrency]") {
  const bool in_place = GENERATE(true, false);
  ledger::LedgerOptions ledger_options;
  ledger_options.lead_in_place = in_place;
  ServerFixture f(ledger_options);
  // The policy load was written by this thread.
  const size_t writers_before = f.blocking_->writer_threads();
  constexpr int kClients = 8;
  constexpr int kCallsEach = 25;
  std::atomic<int> allowed{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      for (int j = 0; j < kCallsEach; ++j) {
        v1::EvaluateResponse response;
        if (f.Evaluate(Request("shop", "reply_customer"), &response).ok() &&
            response.decision().outcome() == v1::OUTCOME_ALLOW) {
          ++allowed;
        }
      }
    });
  }
  for (std::thread& c : clients) c.join();
  CHECK(allowed == kClients * kCallsEach);
  CHECK(f.Decisions("shop") == kClients * kCallsEach);
  const ledger::Ledger::CommitStats stats = f.ledger_->commit_stats();
  if (in_place) {
    // A call that finds the ledger idle is written by its handler thread,
    // which finishes it: at least the first. The others queue.
    CHECK(stats.led_in_place >= 1);
    CHECK(f.blocking_->writer_threads() > writers_before);
    return;
  }
  // No handler thread waits for its entry: the commit thread writes every
  // group and finishes the calls. (With a thread per call the writes came
  // from 11 threads, and from over a hundred before the server kept its
  // idle threads.)
  CHECK(stats.led_in_place == 0);
  CHECK(f.blocking_->writer_threads() == writers_before + 1);
}

TEST_CASE("bad input gets a clear error and nothing is allowed",
          "[gate_service]") {
  ServerFixture f;
  struct Case {
    const char* name;
    v1::EvaluateRequest request;
    grpc::StatusCode code;
    const char* words;
  };
  std::vector<Case> cases;
  cases.push_back({"no action", v1::EvaluateRequest(),
                   grpc::StatusCode::INVALID_ARGUMENT, "action: required"});
  cases.push_back({"empty tool", Request("shop", ""),
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "action.tool: tool name is empty"});
  cases.push_back({"oversize tool", Request("shop", std::string(129, 't')),
                   grpc::StatusCode::INVALID_ARGUMENT, "the limit is 128"});
  cases.push_back({"invalid tenant", Request("../shop", "reply_customer"),
                   grpc::StatusCode::INVALID_ARGUMENT, "action.tenant"});
  cases.push_back({"empty tenant", Request("", "reply_customer"),
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "action.tenant: tenant id is empty"});
  cases.push_back({"unknown tenant", Request("nowhere", "reply_customer"),
                   grpc::StatusCode::NOT_FOUND, "\"nowhere\""});
  Case no_agent{"missing agent", Request("shop", "reply_customer"),
                grpc::StatusCode::INVALID_ARGUMENT, "action.agent"};
  no_agent.request.mutable_action()->clear_agent();
  cases.push_back(no_agent);
  Case bad_money{"bad money", Request("shop", "reply_customer"),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "action.arguments.amount.amount"};
  (*bad_money.request.mutable_action()->mutable_arguments())["amount"]
      .mutable_money_value()
      ->set_amount("12,50");
  cases.push_back(bad_money);
  Case no_value{"argument without a value", Request("shop", "reply_customer"),
                grpc::StatusCode::INVALID_ARGUMENT, "no value is set"};
  (*no_value.request.mutable_action()->mutable_arguments())["x"];
  cases.push_back(no_value);
  Case too_big{"request over the size limit", Request("shop", "reply_customer"),
               grpc::StatusCode::RESOURCE_EXHAUSTED, ""};
  (*too_big.request.mutable_action()->mutable_arguments())["blob"]
      .set_string_value(std::string(kMaxRequestBytes, 'x'));
  cases.push_back(too_big);

  for (const Case& c : cases) {
    INFO(c.name);
    v1::EvaluateResponse response;
    grpc::Status s = f.Evaluate(c.request, &response);
    CHECK(s.error_code() == c.code);
    CHECK(s.error_message().find(c.words) != std::string::npos);
    CHECK_FALSE(response.has_decision());
  }
  CHECK(f.Decisions("shop") == 0);
}

TEST_CASE("the standard health service reports serving", "[gate_service]") {
  ServerFixture f;
  auto health = grpc::health::v1::Health::NewStub(f.channel_);
  for (const char* service : {"", "portcullis.v1.Gate"}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    REQUIRE(health->Check(&context, request, &response).ok());
    CHECK(response.status() == grpc::health::v1::HealthCheckResponse::SERVING);
  }
}

TEST_CASE("server reflection lists and describes the Gate service",
          "[gate_service]") {
  ServerFixture f;
  namespace reflection = ::portcullis::testing::reflection;
  // What a generated stub does, on the standard method path.
  grpc::internal::RpcMethod method(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING, f.channel_);
  grpc::ClientContext context;
  std::unique_ptr<
      grpc::ClientReaderWriter<reflection::ServerReflectionRequest,
                               reflection::ServerReflectionResponse>>
      stream(grpc::internal::ClientReaderWriterFactory<
             reflection::ServerReflectionRequest,
             reflection::ServerReflectionResponse>::Create(f.channel_.get(),
                                                           method, &context));
  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  REQUIRE(stream->Write(list));
  reflection::ServerReflectionResponse listed;
  REQUIRE(stream->Read(&listed));
  std::vector<std::string> names;
  for (const auto& s : listed.list_services_response().service()) {
    names.push_back(s.name());
  }
  CHECK(std::count(names.begin(), names.end(), "portcullis.v1.Gate") == 1);
  CHECK(std::count(names.begin(), names.end(), "grpc.health.v1.Health") == 1);

  reflection::ServerReflectionRequest describe;
  describe.set_file_containing_symbol("portcullis.v1.Gate");
  REQUIRE(stream->Write(describe));
  reflection::ServerReflectionResponse described;
  REQUIRE(stream->Read(&described));
  CHECK(described.file_descriptor_response().file_descriptor_proto_size() >= 1);
  stream->WritesDone();
  CHECK(stream->Finish().ok());
}

TEST_CASE(
    "the Unix socket serves the same API with mode 0660 and knows "
    "its peer's uid",
    "[gate_service]") {
  ServerFixture f;
  struct stat st;
  REQUIRE(::stat(f.dir_.Sub("gate.sock").c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0660);
  auto channel = grpc::CreateChannel("unix:" + f.dir_.Sub("gate.sock"),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Gate::NewStub(channel);
  // No token: the peer's uid identifies it.
  grpc::ClientContext context;
  v1::EvaluateResponse response;
  REQUIRE(stub->Evaluate(&context, Request("shop", "reply_customer"), &response)
              .ok());
  CHECK(response.decision().outcome() == v1::OUTCOME_ALLOW);
  std::string principal;
  REQUIRE(f.ledger_
              ->Read("shop", 1, false,
                     [&](const ledger::Entry& e) {
                       if (e.kind != "action.evaluated") return true;
                       auto record = gate::DecodeAs<gate::EvaluationRecord>(
                           f.codec_, e.kind, *e.payload);
                       if (record.ok()) principal = record->principal;
                       return true;
                     })
              .ok());
  CHECK(principal == "local-user");
}

TEST_CASE("a call over TCP without credentials is unauthenticated",
          "[gate_service]") {
  ServerFixture f;
  grpc::ClientContext context;
  v1::EvaluateResponse response;
  grpc::Status s =
      f.stub_->Evaluate(&context, Request("shop", "reply_customer"), &response);
  CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(s.error_message().find("no credentials") != std::string::npos);
  CHECK(f.Decisions("shop") == 0);
}

TEST_CASE(
    "a caller that hangs up while its decision is written finds it recorded",
    "[gate_service]") {
  ServerFixture f;
  f.blocking_->Arm();
  grpc::ClientContext context;
  f.principal_.Authorize(context);
  grpc::Status abandoned;
  v1::EvaluateResponse response;
  std::thread caller([&] {
    abandoned = f.stub_->Evaluate(&context, Request("shop", "reply_customer"),
                                  &response);
  });
  f.blocking_->AwaitBlockedWrite();  // decided, being recorded
  context.TryCancel();
  caller.join();
  CHECK(abandoned.error_code() == grpc::StatusCode::CANCELLED);
  f.blocking_->Release();

  // The server answers the abandoned call into the void and serves on; the
  // next decision is written after the abandoned one.
  v1::EvaluateResponse next;
  REQUIRE(f.Evaluate(Request("shop", "reply_customer"), &next).ok());
  CHECK(f.Decisions("shop") == 2);
  CHECK(next.decision().ledger_sequence() == 3);  // after policy.loaded
}

TEST_CASE("a non-loopback address is refused", "[gate_service]") {
  ServerFixture f;
  ServerOptions options;
  options.tcp_address = "0.0.0.0:0";
  auto server = Server::Start(*f.gate_, options, *f.authenticator_);
  CHECK(server.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(server.status().message().find("non-loopback") != std::string::npos);
}

TEST_CASE(
    "shutdown stops health, finishes calls in flight and leaves a "
    "clean ledger",
    "[gate_service]") {
  ServerFixture f;
  f.blocking_->Arm();
  grpc::Status in_flight;
  v1::EvaluateResponse response;
  std::thread caller([&] {
    in_flight = f.Evaluate(Request("shop", "reply_customer"), &response);
  });
  f.blocking_->AwaitBlockedWrite();  // the call is now inside the gate

  std::thread stopper([&] { f.server_->Shutdown(absl::Seconds(30)); });
  // Once shutdown has begun, new calls are refused or see NOT_SERVING.
  auto health = grpc::health::v1::Health::NewStub(f.channel_);
  for (;;) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse status;
    grpc::Status s = health->Check(&context, {}, &status);
    if (!s.ok() ||
        status.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      break;
    }
  }
  CHECK_FALSE(f.server_->serving());
  f.blocking_->Release();
  caller.join();
  stopper.join();

  REQUIRE(in_flight.ok());
  CHECK(response.decision().outcome() == v1::OUTCOME_ALLOW);
  CHECK(f.Decisions("shop") == 1);
  auto report = ledger::VerifyLedger(*f.store_);
  REQUIRE(report.ok());
  CHECK(report->clean());
}

// Issue 17: EvaluateRequest.execute_on_allow.
TEST_CASE(
    "Evaluate with execute_on_allow answers an ALLOW with the receipt "
    "Execute would have given, in one ledger write",
    "[gate_service][evaluate_execute]") {
  ServerFixture f;
  v1::EvaluateRequest request = Request("shop", "reply_customer");
  request.mutable_action()->set_idempotency_key("reply-1");
  request.set_execute_on_allow(true);
  v1::EvaluateResponse response;
  REQUIRE(f.Evaluate(request, &response).ok());
  const v1::Decision& d = response.decision();
  REQUIRE(d.outcome() == v1::OUTCOME_ALLOW);
  REQUIRE(response.has_receipt());
  const v1::ExecutionReceipt& r = response.receipt();
  CHECK(r.decision_id() == d.decision_id());
  CHECK(r.action_digest() == d.action_digest());
  CHECK(r.idempotency_key() == "reply-1");
  CHECK(r.ledger_sequence() == d.ledger_sequence() + 1);
  CHECK(gate::VerifyReceipt(codec::ReceiptFromProto(r),
                            f.signing_key_.verifying_key())
            .ok());

  // Execute of the same decision and action answers the same receipt.
  v1::ExecuteRequest execute;
  execute.set_decision_id(d.decision_id());
  *execute.mutable_action() = request.action();
  v1::ExecuteResponse executed;
  {
    auto context = f.principal_.Context();
    REQUIRE(f.stub_->Execute(context.get(), execute, &executed).ok());
  }
  CHECK(executed.receipt().signature() == r.signature());
  CHECK(executed.receipt().ledger_sequence() == r.ledger_sequence());

  int executions = 0;
  REQUIRE(f.ledger_
              ->Read("shop", 1, false,
                     [&](const ledger::Entry& e) {
                       executions += e.kind == "action.executed";
                       return true;
                     })
              .ok());
  CHECK(executions == 1);

  // A DENY, and an ALLOW without the option, carry no receipt.
  v1::EvaluateRequest deny = Request("shop", "delete_account");
  deny.set_execute_on_allow(true);
  v1::EvaluateResponse denied;
  REQUIRE(f.Evaluate(deny, &denied).ok());
  CHECK(denied.decision().outcome() == v1::OUTCOME_DENY);
  CHECK_FALSE(denied.has_receipt());
  v1::EvaluateResponse plain;
  REQUIRE(f.Evaluate(Request("shop", "reply_customer"), &plain).ok());
  CHECK(plain.decision().outcome() == v1::OUTCOME_ALLOW);
  CHECK_FALSE(plain.has_receipt());
}

}  // namespace
}  // namespace portcullis::server
