// Admin.TailActivity (issue 18, the activity stream) over gRPC against a
// real daemon: order and resumption, per-tenant filtering, refusals that
// are recorded, the per-principal cap, a slow reader that the gate does
// not buffer for, and the end of a stream at shutdown.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "activity" version "1"
tenant "a" {
  tool reply { class read  rule replies "replies are fine" allow }
}
tenant "b" {
  tool reply { class read  rule replies "replies are fine" allow }
}
)";

using Caller = ::portcullis::testing::TestCaller;

// An open TailActivity call; reads with a deadline so that a missing event
// fails the test instead of hanging it.
struct Tail {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReader<v1::ActivityEvent>> reader;

  // The next `n` events; fails the test if the stream ends first.
  std::vector<v1::ActivityEvent> Read(size_t n) {
    std::vector<v1::ActivityEvent> events;
    v1::ActivityEvent event;
    while (events.size() < n && reader->Read(&event)) events.push_back(event);
    REQUIRE(events.size() == n);
    return events;
  }
  grpc::Status Finish() { return reader->Finish(); }
  grpc::Status Cancel() {
    context->TryCancel();
    v1::ActivityEvent event;
    while (reader->Read(&event)) {
    }
    return reader->Finish();
  }
};

class ActivityFixture {
 public:
  explicit ActivityFixture(const std::string& extra_config = "") {
    std::ofstream(dir_.Sub("activity.policy")) << kPolicy;
    std::ofstream principals(dir_.Sub("principals.yaml"));
    principals << "principals:\n";
    for (const Caller* c : {&agent_, &ops_, &auditor_a_, &agent_only_a_}) {
      principals << c->Yaml();
    }
    principals.close();
    std::ofstream(dir_.Sub("gate.yaml"))
        << "policy: activity.policy\ndataDir: data\nprincipalsFile: "
           "principals.yaml\nlisten:\n  tcpAddress: 127.0.0.1:0\n"
           "  disableUnixSocket: true\nledger:\n  durability: "
           "DURABILITY_PROCESS\n"
        << extra_config;
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    channel_ = Channel(grpc::ChannelArguments());
    gate_ = v1::Gate::NewStub(channel_);
    admin_ = v1::Admin::NewStub(channel_);
  }

  std::shared_ptr<grpc::Channel> Channel(const grpc::ChannelArguments& args) {
    return grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(daemon_->tcp_port()),
        grpc::InsecureChannelCredentials(), args);
  }

  // One decision on `tenant`'s chain (an ALLOW of `tool` when the policy
  // declares it, else a DENY).
  void Evaluate(const std::string& tenant, const std::string& tool = "reply") {
    v1::EvaluateRequest request;
    request.mutable_action()->set_tenant(tenant);
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool(tool);
    v1::EvaluateResponse response;
    REQUIRE(gate_->Evaluate(agent_.Context().get(), request, &response).ok());
  }

  Tail Open(const Caller& caller, const v1::TailActivityRequest& request,
            v1::Admin::Stub* stub = nullptr) {
    Tail tail;
    tail.context = caller.Context();
    tail.context->set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(60));
    tail.reader = (stub != nullptr ? stub : admin_.get())
                      ->TailActivity(tail.context.get(), request);
    return tail;
  }

  // Waits until the feed holds `n` subscriptions; false after 30 s.
  bool AwaitSubscriptions(size_t n) {
    absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (daemon_->activity_feed().Stats().subscriptions != n) {
      if (absl::Now() > give_up) return false;
      std::this_thread::yield();
    }
    return true;
  }

  static v1::TailActivityRequest From(const std::string& tenant,
                                      uint64_t from) {
    v1::TailActivityRequest request;
    request.set_tenant(tenant);
    request.set_from_sequence(from);
    return request;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  Caller agent_{"agent", "agent", "'*'"};
  Caller ops_{"ops", "operator", "'*'"};
  Caller auditor_a_{"auditor-a", "auditor", "a"};
  Caller agent_only_a_{"agent-only-a", "agent", "a"};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

TEST_CASE(
    "TailActivity streams a tenant's entries in order from a sequence "
    "and follows new ones",
    "[activity_stream]") {
  ActivityFixture f;
  f.Evaluate("a");
  f.Evaluate("a", "wire_money");  // undeclared: DENY
  f.Evaluate("a");
  uint64_t head = f.daemon_->activity_feed().Stats().subscriptions;
  CHECK(head == 0);
  Tail tail = f.Open(f.ops_, ActivityFixture::From("a", 1));
  // The first entries of a chain record the policy; then the decisions.
  std::vector<v1::ActivityEvent> events;
  v1::ActivityEvent event;
  while (tail.reader->Read(&event)) {
    events.push_back(event);
    if (event.kind() == "action.evaluated" && event.tool() == "reply" &&
        events.size() > 2) {
      break;
    }
  }
  REQUIRE(events.size() >= 3);
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].tenant() == "a");
    CHECK(events[i].sequence() == i + 1);
  }
  const v1::ActivityEvent& denied = events[events.size() - 2];
  CHECK(denied.kind() == "action.evaluated");
  CHECK(denied.tool() == "wire_money");
  CHECK(denied.outcome() == "DENY");
  CHECK(denied.agent() == "bot");
  CHECK(denied.principal() == "agent");
  CHECK(denied.decision_id().size() == 32);
  const v1::ActivityEvent& allowed = events.back();
  CHECK(allowed.outcome() == "ALLOW");
  CHECK(allowed.rule_ids_size() == 1);
  CHECK(allowed.rule_ids(0) == "replies");
  CHECK(allowed.time().seconds() > 0);

  // Live: new entries arrive on the open stream.
  f.Evaluate("b");
  f.Evaluate("a");
  std::vector<v1::ActivityEvent> live = tail.Read(1);
  CHECK(live[0].tenant() == "a");
  CHECK(live[0].sequence() == events.back().sequence() + 1);
  CHECK(tail.Cancel().error_code() == grpc::StatusCode::CANCELLED);
}

TEST_CASE("TailActivity resumes where an earlier stream stopped",
          "[activity_stream]") {
  ActivityFixture f;
  for (int i = 0; i < 5; ++i) f.Evaluate("a");
  Tail first = f.Open(f.ops_, ActivityFixture::From("a", 1));
  std::vector<v1::ActivityEvent> seen = first.Read(3);
  first.Cancel();
  uint64_t last = seen.back().sequence();

  // From a sequence.
  Tail resumed = f.Open(f.ops_, ActivityFixture::From("a", last + 1));
  std::vector<v1::ActivityEvent> rest = resumed.Read(2);
  CHECK(rest[0].sequence() == last + 1);
  CHECK(rest[1].sequence() == last + 2);
  resumed.Cancel();

  // Over every tenant, with a resume point for one of them: the others
  // start where from_sequence says (here: live).
  v1::TailActivityRequest request;
  (*request.mutable_resume())["a"] = last + 1;
  Tail all = f.Open(f.ops_, request);
  std::vector<v1::ActivityEvent> again = all.Read(1);
  CHECK(again[0].tenant() == "a");
  CHECK(again[0].sequence() == last + 1);
  all.Cancel();
}

TEST_CASE("TailActivity over every tenant shows only the caller's tenants",
          "[activity_stream]") {
  ActivityFixture f;
  f.Evaluate("b");
  f.Evaluate("a");
  f.Evaluate("b");
  f.Evaluate("a");
  Tail tail = f.Open(f.auditor_a_, ActivityFixture::From("", 1));
  // Every event is tenant a's, in order, up to its second decision.
  v1::ActivityEvent event;
  uint64_t next = 1;
  int decisions = 0;
  while (decisions < 2 && tail.reader->Read(&event)) {
    CHECK(event.tenant() == "a");
    CHECK(event.sequence() == next++);
    if (event.kind() == "action.evaluated") ++decisions;
  }
  CHECK(decisions == 2);
  // A later b entry is not streamed; the next a entry is.
  f.Evaluate("b");
  f.Evaluate("a");
  std::vector<v1::ActivityEvent> live = tail.Read(1);
  CHECK(live[0].tenant() == "a");
  CHECK(live[0].sequence() == next);
  tail.Cancel();
}

TEST_CASE(
    "TailActivity refuses callers without the role or the tenant and "
    "records the refusal",
    "[activity_stream]") {
  ActivityFixture f;
  f.Evaluate("a");
  // An auditor of a asks for b; an agent asks for a; a stranger asks.
  Tail other = f.Open(f.auditor_a_, ActivityFixture::From("b", 1));
  grpc::Status s = other.Finish();
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(s.error_message().find("may not act for tenant \"b\"") !=
        std::string::npos);
  Tail agent = f.Open(f.agent_only_a_, ActivityFixture::From("a", 1));
  s = agent.Finish();
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(s.error_message().find("operator or auditor") != std::string::npos);
  Caller stranger{"stranger", "operator", "a"};
  Tail unknown = f.Open(stranger, ActivityFixture::From("a", 1));
  CHECK(unknown.Finish().error_code() == grpc::StatusCode::UNAUTHENTICATED);
  Tail malformed = f.Open(f.ops_, ActivityFixture::From("A/../b", 1));
  CHECK(malformed.Finish().error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  // Both refusals of identified callers are on tenant a's chain (the
  // callers' own), which the stream itself shows.
  Tail audit = f.Open(f.ops_, ActivityFixture::From("a", 1));
  std::vector<v1::ActivityEvent> refusals;
  v1::ActivityEvent event;
  while (refusals.size() < 2 && audit.reader->Read(&event)) {
    if (event.kind() == "access.denied") refusals.push_back(event);
  }
  REQUIRE(refusals.size() == 2);
  CHECK(refusals[0].principal() == "auditor-a");
  CHECK(refusals[0].method() == "TailActivity");
  CHECK(refusals[0].outcome() == "PERMISSION_DENIED");
  CHECK(refusals[1].principal() == "agent-only-a");
  CHECK(refusals[1].method() == "TailActivity");
  audit.Cancel();
}

TEST_CASE("TailActivity caps the streams one principal holds",
          "[activity_stream]") {
  ActivityFixture f("activity:\n  maxStreamsPerPrincipal: 1\n");
  f.Evaluate("a");
  Tail first = f.Open(f.ops_, ActivityFixture::From("a", 1));
  first.Read(1);  // the first stream is subscribed
  Tail second = f.Open(f.ops_, ActivityFixture::From("a", 1));
  grpc::Status s = second.Finish();
  CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  first.Cancel();
  // Its slot is free once the server has seen the first stream end (the
  // client learns of the cancellation before the server's reactor does).
  REQUIRE(f.AwaitSubscriptions(0));
  Tail third = f.Open(f.ops_, ActivityFixture::From("a", 1));
  third.Read(1);
  third.Cancel();
}

TEST_CASE(
    "a reader that does not read costs the gate one page and catches up "
    "from the ledger",
    "[activity_stream]") {
  ActivityFixture f("activity:\n  pageSize: 4\n");
  // A small HTTP/2 window, so that the transport stops taking events soon.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  std::shared_ptr<grpc::Channel> slow = f.Channel(args);
  auto slow_admin = v1::Admin::NewStub(slow);
  Tail tail = f.Open(f.ops_, ActivityFixture::From("a", 1), slow_admin.get());
  f.Evaluate("a");
  std::vector<v1::ActivityEvent> first = tail.Read(1);  // subscribed
  constexpr int kDecisions = 400;
  for (int i = 0; i < kDecisions; ++i) f.Evaluate("a");
  gate::ActivityFeedStats held = f.daemon_->activity_feed().Stats();
  CHECK(held.buffered_events <= 4);
  CHECK(held.max_buffered_per_subscriber <= 4);
  // Every entry arrives, in order, none twice.
  v1::ActivityEvent event;
  uint64_t next = first[0].sequence() + 1;
  int decisions = 0;
  while (decisions < kDecisions + 1 && tail.reader->Read(&event)) {
    REQUIRE(event.sequence() == next++);
    if (event.kind() == "action.evaluated") ++decisions;
  }
  // The first Read may have been a policy entry, then kDecisions + 1
  // decisions follow it.
  CHECK(decisions >= kDecisions);
  gate::ActivityFeedStats after = f.daemon_->activity_feed().Stats();
  CHECK(after.max_buffered_per_subscriber <= 4);
  CHECK(after.pages_read >= kDecisions / 4);
  tail.Cancel();
}

TEST_CASE("TailActivity ends with UNAVAILABLE when the gate shuts down",
          "[activity_stream]") {
  ActivityFixture f;
  f.Evaluate("a");
  Tail tail = f.Open(f.ops_, ActivityFixture::From("a", 1));
  tail.Read(1);
  f.daemon_->Stop(absl::Seconds(1));
  v1::ActivityEvent event;
  while (tail.reader->Read(&event)) {
  }
  grpc::Status s = tail.Finish();
  CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(f.daemon_->activity_feed().Stats().subscriptions == 0);
}

}  // namespace
}  // namespace portcullis::server
