// Long calls without a thread each (issue 15, item 6): AwaitDecision and
// WatchPending on gRPC's callback API, the per-principal caps on them, and
// a WatchPending reader that falls behind.
#include <dirent.h>
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
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
    arg order_id: string
    arg note: string = ""
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
}
)";

// How many threads this process has.
size_t ThreadCount() {
  size_t n = 0;
  DIR* dir = ::opendir("/proc/self/task");
  REQUIRE(dir != nullptr);
  while (dirent* e = ::readdir(dir)) n += e->d_name[0] != '.';
  ::closedir(dir);
  return n;
}

// Polls `done` (a condition another thread brings about, not an ordering
// by time) for up to a minute.
template <typename Done>
bool Eventually(Done done) {
  auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class OpenCallsFixture {
 public:
  explicit OpenCallsFixture(const std::string& limits) {
    std::ofstream(dir_.Sub("shop.policy")) << kPolicy;
    std::ofstream(dir_.Sub("gate.yaml"))
        << principal_.Yaml() << approver_principal_.YamlItem()
        << "policy: shop.policy\n"
           "dataDir: data\n"
           "listen:\n"
           "  tcpAddress: 127.0.0.1:0\n"
           "  disableUnixSocket: true\n"
           "limits:\n"
        << limits
        << "approvers:\n"
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
    gate_ = Stub(0);
  }

  // A stub on a connection of its own (`n` tells them apart).
  std::unique_ptr<v1::Gate::Stub> Stub(int n) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("portcullis.test.connection", n);
    return v1::Gate::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(daemon_->tcp_port()),
        grpc::InsecureChannelCredentials(), args));
  }

  v1::Decision Pending(const std::string& order, const std::string& note = "") {
    v1::EvaluateRequest request;
    v1::Action* a = request.mutable_action();
    a->set_tenant("shop");
    a->set_agent("bot");
    a->set_tool("refund_order");
    (*a->mutable_arguments())["order_id"].set_string_value(order);
    if (!note.empty()) (*a->mutable_arguments())["note"].set_string_value(note);
    v1::EvaluateResponse response;
    grpc::ClientContext context;
    principal_.Authorize(context);
    grpc::Status s = gate_->Evaluate(&context, request, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
    REQUIRE(response.decision().outcome() == v1::OUTCOME_PENDING_APPROVAL);
    return response.decision();
  }

  void Approve(const v1::Decision& d) {
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
    approver_principal_.Authorize(context);
    grpc::Status s = gate_->Approve(&context, request, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }

  v1::AwaitDecisionRequest Await(const v1::Decision& d) {
    v1::AwaitDecisionRequest request;
    request.set_tenant("shop");
    request.set_decision_id(d.decision_id());
    return request;
  }

  uint64_t LedgerHead() {
    for (const gate::TenantStatus& t : daemon_->gate().Status().tenants) {
      if (t.tenant == "shop") return t.ledger_sequence;
    }
    return 0;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal principal_;
  testing::TestPrincipal approver_principal_{"approval-ui"};
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  crypto::SigningKey alice_ = crypto::SigningKey::Generate();
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_;
};

TEST_CASE("2000 open AwaitDecision calls hold no thread each and all resolve",
          "[open_calls]") {
  constexpr int kWaits = 2000;
  constexpr int kConnections = 8;
  OpenCallsFixture f("  maxWaitsPerPrincipal: 5000\n");
  v1::Decision pending = f.Pending("AN-1");
  const size_t threads_before = ThreadCount();

  std::vector<std::unique_ptr<v1::Gate::Stub>> stubs;
  for (int i = 0; i < kConnections; ++i) stubs.push_back(f.Stub(i + 1));
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::AwaitDecisionResponse> responses(kWaits);
  std::vector<grpc::Status> statuses(kWaits);
  v1::AwaitDecisionRequest request = f.Await(pending);
  absl::BlockingCounter answered(kWaits);
  for (int i = 0; i < kWaits; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    f.principal_.Authorize(*contexts.back());
    stubs[i % kConnections]->async()->AwaitDecision(
        contexts.back().get(), &request, &responses[i], [&, i](grpc::Status s) {
          statuses[i] = std::move(s);
          answered.DecrementCount();
        });
  }
  REQUIRE(Eventually([&] { return f.daemon_->gate().open_waits() == kWaits; }));
  const size_t threads_open = ThreadCount();
  INFO("threads before " << threads_before << ", with the waits open "
                         << threads_open);
  CHECK(threads_open < threads_before + 200);

  f.Approve(pending);
  answered.Wait();
  for (int i = 0; i < kWaits; ++i) {
    INFO(i << ": " << statuses[i].error_message());
    REQUIRE(statuses[i].ok());
    REQUIRE(responses[i].decision().outcome() == v1::OUTCOME_ALLOW);
  }
  CHECK(f.daemon_->gate().open_waits() == 0);
}

TEST_CASE("a cancelled AwaitDecision is unregistered and frees its slot",
          "[open_calls]") {
  OpenCallsFixture f("  maxWaitsPerPrincipal: 1\n");
  v1::Decision pending = f.Pending("AN-1");
  v1::AwaitDecisionRequest request = f.Await(pending);
  grpc::ClientContext context;
  f.principal_.Authorize(context);
  v1::AwaitDecisionResponse response;
  grpc::Status status;
  absl::Notification done;
  f.gate_->async()->AwaitDecision(&context, &request, &response,
                                  [&](grpc::Status s) {
                                    status = std::move(s);
                                    done.Notify();
                                  });
  REQUIRE(Eventually([&] { return f.daemon_->gate().open_waits() == 1; }));
  context.TryCancel();
  done.WaitForNotification();
  CHECK(status.error_code() == grpc::StatusCode::CANCELLED);
  REQUIRE(Eventually([&] { return f.daemon_->gate().open_waits() == 0; }));

  // The slot is free again: a second wait is admitted and answered.
  request.mutable_max_wait()->set_nanos(1000000);
  grpc::ClientContext again;
  f.principal_.Authorize(again);
  v1::AwaitDecisionResponse second;
  grpc::Status s = f.gate_->AwaitDecision(&again, request, &second);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(second.decision().outcome() == v1::OUTCOME_PENDING_APPROVAL);
}

TEST_CASE(
    "an AwaitDecision past the caller's deadline is DEADLINE_EXCEEDED "
    "and unregistered",
    "[open_calls]") {
  OpenCallsFixture f("");
  v1::Decision pending = f.Pending("AN-1");
  grpc::ClientContext context;
  f.principal_.Authorize(context);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(200));
  v1::AwaitDecisionResponse response;
  grpc::Status s =
      f.gate_->AwaitDecision(&context, f.Await(pending), &response);
  if (s.ok()) {
    CHECK(response.decision().outcome() == v1::OUTCOME_PENDING_APPROVAL);
  } else {
    CHECK(s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  CHECK(Eventually([&] { return f.daemon_->gate().open_waits() == 0; }));
}

TEST_CASE("waits and streams beyond a principal's cap are refused and recorded",
          "[open_calls]") {
  OpenCallsFixture f(
      "  maxWaitsPerPrincipal: 2\n"
      "  maxStreamsPerPrincipal: 1\n");
  v1::Decision pending = f.Pending("AN-1");
  v1::AwaitDecisionRequest request = f.Await(pending);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::AwaitDecisionResponse> responses(2);
  absl::BlockingCounter answered(2);
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    f.principal_.Authorize(*contexts.back());
    f.gate_->async()->AwaitDecision(
        contexts.back().get(), &request, &responses[i],
        [&](grpc::Status) { answered.DecrementCount(); });
  }
  REQUIRE(Eventually([&] { return f.daemon_->gate().open_waits() == 2; }));

  const uint64_t head = f.LedgerHead();
  {
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    v1::AwaitDecisionResponse response;
    grpc::Status s = f.gate_->AwaitDecision(&context, request, &response);
    CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(s.error_message().find("2 open AwaitDecision calls") !=
          std::string::npos);
    CHECK(s.error_message().find("maxWaitsPerPrincipal") != std::string::npos);
  }
  CHECK(f.LedgerHead() == head + 1);  // recorded as access.denied

  // Another principal has a quota of its own.
  {
    grpc::ClientContext context;
    f.approver_principal_.Authorize(context);
    v1::AwaitDecisionRequest quick = request;
    quick.mutable_max_wait()->set_nanos(1000000);
    v1::AwaitDecisionResponse response;
    CHECK(f.gate_->AwaitDecision(&context, quick, &response).ok());
  }

  v1::WatchPendingRequest watch;
  watch.set_tenant("shop");
  grpc::ClientContext first_context;
  f.principal_.Authorize(first_context);
  auto first = f.gate_->WatchPending(&first_context, watch);
  v1::PendingEvent event;
  REQUIRE(first->Read(&event));  // open: the listing arrives
  {
    grpc::ClientContext context;
    f.principal_.Authorize(context);
    auto second = f.gate_->WatchPending(&context, watch);
    CHECK_FALSE(second->Read(&event));
    grpc::Status s = second->Finish();
    CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(s.error_message().find("1 open WatchPending streams") !=
          std::string::npos);
  }
  CHECK(f.LedgerHead() == head + 2);
  first_context.TryCancel();
  first->Finish();

  f.Approve(pending);
  answered.Wait();
}

TEST_CASE("a WatchPending reader that falls behind is ended, not buffered",
          "[open_calls]") {
  OpenCallsFixture f(
      "  watchBacklog: 4\n"
      "  maxPendingPerAgent: 5000\n"
      "  maxPendingPerTenant: 5000\n");
  v1::WatchPendingRequest watch;
  watch.set_tenant("shop");
  grpc::ClientContext context;
  f.principal_.Authorize(context);
  auto stream = f.gate_->WatchPending(&context, watch);
  REQUIRE(Eventually(
      [&] { return f.daemon_->gate().PendingListeners("shop") == 1; }));

  // The reader reads nothing: once the connection's flow-control window
  // is full, changes queue up to the backlog, and the next one ends the
  // stream and leaves the queue's listeners at once.
  const std::string note(60000, 'n');
  int requests = 0;
  while (f.daemon_->gate().PendingListeners("shop") == 1) {
    REQUIRE(requests < 2000);
    f.Pending("AN-" + std::to_string(requests++), note);
  }
  INFO(requests << " requests before the stream was dropped");

  v1::PendingEvent event;
  int read = 0;
  while (stream->Read(&event)) ++read;
  grpc::Status s = stream->Finish();
  CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(s.error_message().find("fell more than 4 changes behind") !=
        std::string::npos);
  CHECK(read < requests);
}

}  // namespace
}  // namespace portcullis::server
