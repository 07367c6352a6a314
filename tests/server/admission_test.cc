// Overload (issue 15, item 5): Evaluate's admission bound, the caller's
// deadline carried into the gate, and the configuration of both.
#include "server/admission.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "codec/proto_record_codec.h"
#include "config/config_loader.h"
#include "ledger/rocksdb_store.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/blocking_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_policy.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

// A real gRPC server on port 0 over a gate on a RocksDB ledger whose next
// write can be held, with the admission bound given.
class AdmissionFixture {
 public:
  explicit AdmissionFixture(int max_in_flight) {
    auto store = ledger::RocksDbStore::Open(dir_.Sub("db"), {});
    REQUIRE(store.ok());
    store_ = std::move(*store);
    auto blocking = std::make_unique<testing::BlockingStore>(*store_);
    blocking_ = blocking.get();
    auto ledger = ledger::Ledger::Open(std::move(blocking));
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
    gate_ = std::make_unique<gate::Gate>(clock_, *ledger_, codec_, signing_key_,
                                         gate::ApproverRegistry());
    auto policy = std::make_shared<testing::FakePolicy>();
    policy->Add("shop", "reply_customer");
    auto snapshot = std::make_shared<gate::PolicySnapshot>();
    snapshot->program = policy;
    snapshot->version = "fake-1";
    snapshot->content_hash = std::string(64, 'f');
    REQUIRE(gate_->ApplyPolicy({snapshot, snapshot->content_hash, "test", {}})
                .ok());
    ServerOptions options;
    options.tcp_address = "127.0.0.1:0";
    options.unix_socket.clear();
    options.admission.max_in_flight = max_in_flight;
    options.admission.retry_after = absl::Milliseconds(250);
    options.on_admission_refused = [this](absl::Duration) { ++refused_; };
    authenticator_ = std::make_unique<identity::Authenticator>(
        *identity::PrincipalTable::Create({principal_.Config()}));
    auto server = Server::Start(*gate_, options, *authenticator_);
    REQUIRE(server.ok());
    server_ = std::move(*server);
    stub_ = v1::Gate::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->tcp_port()),
                            grpc::InsecureChannelCredentials()));
  }

  static v1::EvaluateRequest Request() {
    v1::EvaluateRequest r;
    r.mutable_action()->set_tenant("shop");
    r.mutable_action()->set_agent("support-bot");
    r.mutable_action()->set_tool("reply_customer");
    return r;
  }

  // An Evaluate in another thread, for one held by the blocked write.
  struct Call {
    grpc::ClientContext context;
    v1::EvaluateResponse response;
    grpc::Status status;
    std::thread thread;
  };
  void Start(Call& call) {
    principal_.Authorize(call.context);
    call.thread = std::thread([this, &call] {
      call.status = stub_->Evaluate(&call.context, Request(), &call.response);
    });
  }

  int Decisions() {
    int n = 0;
    REQUIRE(ledger_
                ->Read("shop", 1, false,
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
  codec::ProtoRecordCodec codec_;
  crypto::SigningKey signing_key_ = crypto::SigningKey::Generate();
  std::unique_ptr<ledger::RocksDbStore> store_;
  testing::BlockingStore* blocking_ = nullptr;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<gate::Gate> gate_;
  std::unique_ptr<identity::Authenticator> authenticator_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::Gate::Stub> stub_;
  std::atomic<int> refused_{0};
};

TEST_CASE("admission gives out at most its places, and takes them back",
          "[admission]") {
  Admission admission({.max_in_flight = 2});
  Admission::Ticket a = admission.TryEnter();
  Admission::Ticket b = admission.TryEnter();
  CHECK(a);
  CHECK(b);
  CHECK_FALSE(admission.TryEnter());
  CHECK(admission.in_flight() == 2);
  a.Leave();
  CHECK(admission.in_flight() == 1);
  {
    Admission::Ticket c = admission.TryEnter();
    CHECK(c);
    CHECK_FALSE(admission.TryEnter());
  }  // c's place is given back when it goes
  Admission::Ticket moved = std::move(b);
  CHECK(admission.in_flight() == 1);
  moved = Admission::Ticket();
  CHECK(admission.in_flight() == 0);

  Admission unbounded({.max_in_flight = 0});
  std::vector<Admission::Ticket> many;
  for (int i = 0; i < 1000; ++i) many.push_back(unbounded.TryEnter());
  CHECK(many.back());
}

TEST_CASE(
    "an Evaluate past the gate's capacity is refused at once with "
    "RESOURCE_EXHAUSTED and a retry hint, and nothing is recorded for it",
    "[admission]") {
  AdmissionFixture f(/*max_in_flight=*/1);
  f.blocking_->Arm();
  AdmissionFixture::Call held;
  f.Start(held);
  f.blocking_->AwaitBlockedWrite();  // `held` has the only place

  grpc::ClientContext context;
  f.principal_.Authorize(context);
  v1::EvaluateResponse response;
  grpc::Status refused =
      f.stub_->Evaluate(&context, AdmissionFixture::Request(), &response);
  CHECK(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(refused.error_message().find("at capacity") != std::string::npos);
  CHECK(refused.error_message().find("retry after 250 ms") !=
        std::string::npos);
  const auto& trailers = context.GetServerTrailingMetadata();
  auto hint = trailers.find("grpc-retry-pushback-ms");
  REQUIRE(hint != trailers.end());
  CHECK(std::string(hint->second.data(), hint->second.size()) == "250");
  CHECK(f.refused_ == 1);

  f.blocking_->Release();
  held.thread.join();
  REQUIRE(held.status.ok());
  // The place is free again once `held` is answered.
  v1::EvaluateResponse next;
  REQUIRE(f.stub_
              ->Evaluate(f.principal_.Context().get(),
                         AdmissionFixture::Request(), &next)
              .ok());
  CHECK(f.Decisions() == 2);
  CHECK(f.refused_ == 1);
}

TEST_CASE("a call refused for its credentials gives its place back",
          "[admission]") {
  AdmissionFixture f(/*max_in_flight=*/1);
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext anonymous;
    v1::EvaluateResponse response;
    CHECK(f.stub_->Evaluate(&anonymous, AdmissionFixture::Request(), &response)
              .error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
  v1::EvaluateResponse response;
  CHECK(f.stub_
            ->Evaluate(f.principal_.Context().get(),
                       AdmissionFixture::Request(), &response)
            .ok());
  CHECK(f.refused_ == 0);
}

TEST_CASE(
    "a caller whose deadline passes while its decision waits behind a "
    "blocked write gets DEADLINE_EXCEEDED and nothing is recorded for it",
    "[admission]") {
  AdmissionFixture f(/*max_in_flight=*/8);
  f.blocking_->Arm();
  AdmissionFixture::Call first;
  f.Start(first);
  f.blocking_->AwaitBlockedWrite();

  // The caller gives the gate a minute; the gate's (fake) clock then moves
  // past it while the decision is queued. The client's own deadline is
  // still far away, so the answer it sees is the server's.
  AdmissionFixture::Call patient;
  patient.context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::minutes(1));
  f.Start(patient);
  // Once it is admitted, the gate's clock passes its deadline: whether
  // before its decision or while it waits to be recorded (the gate tests
  // hold each case apart), it is answered DEADLINE_EXCEEDED unrecorded.
  while (f.server_->admission().in_flight() < 2) std::this_thread::yield();
  f.clock_.Advance(absl::Minutes(2));
  f.blocking_->Release();
  first.thread.join();
  patient.thread.join();
  REQUIRE(first.status.ok());
  CHECK(patient.status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  CHECK(patient.status.error_message().find("nothing was recorded") !=
        std::string::npos);
  CHECK(f.Decisions() == 1);
}

TEST_CASE("the overload limits take defaults and are checked", "[admission]") {
  auto defaults = config::ParseConfig("policy: p.policy\n", "yaml", ".");
  REQUIRE(defaults.ok());
  CHECK(defaults->limits().max_in_flight_decisions() == 512);
  CHECK(defaults->limits().retry_pushback_ms() == 100);
  CHECK(defaults->limits().max_concurrent_streams() == 600);
  CHECK(defaults->limits().max_server_threads() == 256);
  CHECK(defaults->limits().grpc_memory_bytes() == 64u << 20);

  auto set = config::ParseConfig(
      "policy: p.policy\nlimits:\n  maxInFlightDecisions: 64\n"
      "  retryPushbackMs: 20\n  maxConcurrentStreams: 100\n"
      "  maxServerThreads: 32\n  grpcMemoryBytes: 33554432\n",
      "yaml", ".");
  REQUIRE(set.ok());
  CHECK(set->limits().max_in_flight_decisions() == 64);
  CHECK(set->limits().retry_pushback_ms() == 20);
  CHECK(set->limits().max_concurrent_streams() == 100);
  CHECK(set->limits().max_server_threads() == 32);
  CHECK(set->limits().grpc_memory_bytes() == 32u << 20);

  const char* bad[] = {
      "maxInFlightDecisions: 2000000", "retryPushbackMs: 60001",
      "maxConcurrentStreams: 2000000", "maxServerThreads: 4",
      "grpcMemoryBytes: 1024",
  };
  for (const char* line : bad) {
    INFO(line);
    auto config = config::ParseConfig(
        absl::StrCat("policy: p.policy\nlimits:\n  ", line, "\n"), "yaml", ".");
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(config.status().message().find("limits.") != std::string::npos);
  }
}

}  // namespace
}  // namespace portcullis::server
