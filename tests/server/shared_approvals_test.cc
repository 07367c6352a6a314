// Two daemons built as portcullisd builds them share their approval queues
// through a real redis-server (sharedState.redis, issue 20): a request held
// by one is listed by the other, an approver's verdict sent to the other is
// relayed, verified and recorded by the holder, and the agent waiting there
// is answered; a forged verdict is refused by the holder; a watch at one
// streams the other's requests too.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "codec/approval_codec.h"
#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "daemon/daemon.h"
#include "gate/approval.h"
#include "portcullis/relay/v1/relay.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "shared_state/redis_approval_exchange.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/redis_server.h"
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

// What both replicas share: the clock, Redis, the principals, alice.
struct Shared {
  testing::RedisServer redis;
  testing::FakeClock clock;
  testing::TestPrincipal agent;
  // Whoever requests an action may not approve it: the approval UI is
  // another principal.
  testing::TestPrincipal approval_ui{"approval-ui"};
  crypto::SigningKey alice = crypto::SigningKey::Generate();
};

// One replica: its own data directory, gate and gRPC stub.
struct Replica {
  // `extra` is appended to the configuration.
  Replica(Shared& shared, const std::string& name,
          const std::string& extra = "")
      : log(shared.clock, text) {
    std::ofstream(dir.Sub("shop.policy")) << kPolicy;
    std::ofstream(dir.Sub("gate.yaml"))
        << shared.agent.Yaml() << shared.approval_ui.YamlItem()
        << "policy: shop.policy\n"
           "dataDir: data\n"
           "replica: "
        << name
        << "\n"
           "listen:\n"
           "  tcpAddress: 127.0.0.1:0\n"
           "  disableUnixSocket: true\n"
           "observability:\n"
           "  httpAddress: 127.0.0.1:0\n"
           "console:\n"
           "  enabled: true\n"
           "approvers:\n"
           "  - id: alice\n"
           "    publicKey: "
        << crypto::FormatVerifyingKey(shared.alice.verifying_key())
        << "\n"
           "    roles: [owner]\n"
           "    tenants: [shop]\n"
           "sharedState:\n"
           "  redis:\n"
           "    address: "
        << shared.redis.address()
        << "\n"
           "    keyPrefix: \"test:\"\n"
        << extra;
    auto config = config::LoadConfigFile(dir.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto started = daemon::Daemon::Start(*config, shared.clock, log);
    INFO((started.ok() ? "" : started.status().ToString()));
    REQUIRE(started.ok());
    daemon = std::move(*started);
    stub = v1::Gate::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon->tcp_port()),
                            grpc::InsecureChannelCredentials()));
  }

  v1::ListPendingResponse List(const testing::TestPrincipal& as) {
    v1::ListPendingRequest request;
    request.set_tenant("shop");
    v1::ListPendingResponse response;
    grpc::ClientContext context;
    as.Authorize(context);
    REQUIRE(stub->ListPending(&context, request, &response).ok());
    return response;
  }

  testing::TempDir dir;
  std::ostringstream text;
  daemon::Logger log;
  std::unique_ptr<daemon::Daemon> daemon;
  std::unique_ptr<v1::Gate::Stub> stub;
};

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

v1::Decision Evaluate(Shared& shared, Replica& at) {
  v1::EvaluateRequest request;
  *request.mutable_action() = Refund();
  v1::EvaluateResponse response;
  grpc::ClientContext context;
  shared.agent.Authorize(context);
  REQUIRE(at.stub->Evaluate(&context, request, &response).ok());
  return response.decision();
}

v1::ApproveRequest SignedApproval(Shared& shared, const v1::Decision& d,
                                  const crypto::SigningKey& key) {
  gate::Approval a;
  a.tenant = d.tenant();
  a.decision_id = d.decision_id();
  a.action_digest = d.action_digest();
  a.verdict = gate::ApprovalVerdict::kApprove;
  a.expires_at = shared.clock.Now() + absl::Hours(1);
  a.approver_id = "alice";
  v1::ApproveRequest request;
  codec::ApprovalToProto(a, request.mutable_approval());
  request.set_signature(gate::SignApproval(a, key));
  return request;
}

// Polls `done` every 10 ms for at most `bound`.
template <typename F>
bool Within(absl::Duration bound, F done) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < bound) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

// Whether `at` lists `decision_id` as held by `replica`.
bool Lists(Shared& shared, Replica& at, const std::string& decision_id,
           const std::string& replica) {
  const v1::ListPendingResponse listed = at.List(shared.approval_ui);
  for (const v1::PendingApproval& p : listed.pending()) {
    if (p.decision().decision_id() == decision_id && p.replica() == replica) {
      return true;
    }
  }
  return false;
}

// A WatchPending stream at one replica, read on a thread of its own into a
// list that the test waits on.
class Watch {
 public:
  Watch(Shared& shared, Replica& at) {
    shared.approval_ui.Authorize(context_);
    v1::WatchPendingRequest request;
    request.set_tenant("shop");
    reader_ = at.stub->WatchPending(&context_, request);
    thread_ = std::thread([this] {
      v1::PendingEvent event;
      while (reader_->Read(&event)) {
        absl::MutexLock lock(&mu_);
        events_.push_back(event);
      }
      grpc::Status status = reader_->Finish();
      absl::MutexLock lock(&mu_);
      status_ = status;
    });
  }
  ~Watch() {
    context_.TryCancel();
    thread_.join();
  }

  // Waits up to 5 s for the first event of `kind` about `decision_id`.
  std::optional<v1::PendingEvent> Await(v1::PendingEvent::Kind kind,
                                        const std::string& decision_id) {
    std::optional<v1::PendingEvent> found;
    auto seen = [&] {
      mu_.AssertHeld();
      for (const v1::PendingEvent& e : events_) {
        if (e.kind() == kind &&
            e.pending().decision().decision_id() == decision_id) {
          found = e;
          return true;
        }
      }
      return status_.has_value();
    };
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&seen), absl::Seconds(5));
    return found;
  }

  // The events so far about `decision_id`.
  std::vector<v1::PendingEvent> About(const std::string& decision_id) {
    absl::MutexLock lock(&mu_);
    std::vector<v1::PendingEvent> about;
    for (const v1::PendingEvent& e : events_) {
      if (e.pending().decision().decision_id() == decision_id) {
        about.push_back(e);
      }
    }
    return about;
  }

  bool ended() {
    absl::MutexLock lock(&mu_);
    return status_.has_value();
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::PendingEvent>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<v1::PendingEvent> events_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> status_ ABSL_GUARDED_BY(mu_);
};

// The console's live queue (GET /api/v1/tenants/shop/events) at one
// replica, read on a thread of its own.
class ConsoleEvents {
 public:
  ConsoleEvents(Shared& shared, Replica& at)
      : client_("127.0.0.1", at.daemon->http_port()) {
    // Longer than the stream's pings are apart.
    client_.set_read_timeout(std::chrono::seconds(60));
    thread_ = std::thread([this, token = shared.approval_ui.token] {
      client_.Get("/api/v1/tenants/shop/events",
                  httplib::Headers{{"Authorization", "Bearer " + token}},
                  [this](const char* data, size_t n) {
                    absl::MutexLock lock(&mu_);
                    text_.append(data, n);
                    return !done_.load();
                  });
    });
  }
  ~ConsoleEvents() {
    done_.store(true);
    client_.stop();
    thread_.join();
  }

  // Waits up to 5 s for an event of `kind` about `decision_id` naming
  // `replica`.
  bool Await(const std::string& kind, const std::string& decision_id,
             const std::string& replica) {
    auto seen = [&] {
      mu_.AssertHeld();
      for (size_t at = text_.find("data: "); at != std::string::npos;
           at = text_.find("data: ", at + 1)) {
        const size_t end = text_.find("\n\n", at);
        if (end == std::string::npos) break;
        const std::string event = text_.substr(at, end - at);
        // This replica's own name none (an empty field is not printed).
        const bool named =
            replica.empty() ? event.find("\"replica\"") == std::string::npos
                            : event.find("\"replica\":\"" + replica + "\"") !=
                                  std::string::npos;
        if (event.find("\"" + kind + "\"") != std::string::npos &&
            event.find(decision_id) != std::string::npos && named) {
          return true;
        }
      }
      return false;
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&seen), absl::Seconds(5));
  }

 private:
  httplib::Client client_;
  std::atomic<bool> done_{false};
  std::thread thread_;
  absl::Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
};

// Whether `at` has `n` WatchPending streams subscribed to its queue and to
// the other replicas' requests.
bool Watching(Replica& at, size_t n) {
  return at.daemon->gate().PendingListeners("shop") == n &&
         at.daemon->relay()->OthersListeners("shop") == n;
}

v1::ApproveResponse Approve(Shared& shared, Replica& at,
                            const v1::Decision& pending) {
  v1::ApproveResponse approved;
  grpc::ClientContext context;
  shared.approval_ui.Authorize(context);
  grpc::Status status = at.stub->Approve(
      &context, SignedApproval(shared, pending, shared.alice), &approved);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return approved;
}

TEST_CASE(
    "a request held by one gate is listed by the other and a verdict sent "
    "there is recorded by the holder and answers its waiting agent",
    "[daemon][shared_state][redis][approvals]") {
  Shared shared;
  REQUIRE(shared.redis.ready());
  Replica a(shared, "pod-a");
  Replica b(shared, "pod-b");
  v1::Decision pending = Evaluate(shared, a);
  REQUIRE(pending.outcome() == v1::OUTCOME_PENDING_APPROVAL);

  // B lists it, naming A; A lists it as its own.
  REQUIRE(Within(absl::Seconds(5), [&] {
    return Lists(shared, b, pending.decision_id(), "pod-a");
  }));
  CHECK(a.List(shared.approval_ui).pending_size() == 1);

  // The agent waits at A while the owner approves at B.
  v1::AwaitDecisionResponse awaited;
  grpc::Status await_status;
  std::thread agent([&] {
    v1::AwaitDecisionRequest request;
    request.set_tenant("shop");
    request.set_decision_id(pending.decision_id());
    grpc::ClientContext context;
    shared.agent.Authorize(context);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    await_status = a.stub->AwaitDecision(&context, request, &awaited);
  });
  v1::ApproveResponse approved;
  {
    grpc::ClientContext context;
    shared.approval_ui.Authorize(context);
    grpc::Status status = b.stub->Approve(
        &context, SignedApproval(shared, pending, shared.alice), &approved);
    INFO(status.error_message());
    REQUIRE(status.ok());
  }
  CHECK(approved.decision().outcome() == v1::OUTCOME_ALLOW);
  agent.join();
  REQUIRE(await_status.ok());
  CHECK(awaited.decision().outcome() == v1::OUTCOME_ALLOW);

  // Recorded at A, the holder: its queue is empty and the grant executes
  // there; B recorded nothing of it.
  CHECK(a.daemon->gate().ListPending("shop")->empty());
  v1::ExecuteRequest execute;
  execute.set_decision_id(pending.decision_id());
  *execute.mutable_action() = Refund();
  v1::ExecuteResponse executed;
  grpc::ClientContext context;
  shared.agent.Authorize(context);
  CHECK(a.stub->Execute(&context, execute, &executed).ok());
  CHECK(b.daemon->gate().ListPending("shop")->empty());
  REQUIRE(Within(absl::Seconds(5), [&] {
    return b.List(shared.approval_ui).pending_size() == 0;
  }));
}

TEST_CASE(
    "a verdict signed by the wrong key is refused and one forged in redis "
    "is refused by the holder and the request stays pending",
    "[daemon][shared_state][redis][approvals]") {
  Shared shared;
  REQUIRE(shared.redis.ready());
  Replica a(shared, "pod-a");
  Replica b(shared, "pod-b");
  v1::Decision pending = Evaluate(shared, a);
  REQUIRE(Within(absl::Seconds(5), [&] {
    return Lists(shared, b, pending.decision_id(), "pod-a");
  }));
  const crypto::SigningKey mallory = crypto::SigningKey::Generate();
  v1::ApproveResponse response;
  grpc::ClientContext context;
  shared.approval_ui.Authorize(context);
  grpc::Status status = b.stub->Approve(
      &context, SignedApproval(shared, pending, mallory), &response);
  CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(a.daemon->gate().ListPending("shop")->size() == 1);

  // Whoever can write Redis can relay a call to A, but not sign for alice.
  shared_state::RedisCounterStoreOptions options;
  options.address = shared.redis.address();
  options.key_prefix = "test:";
  auto forger =
      shared_state::RedisApprovalExchange::Create(options, "mallory").value();
  relay::v1::RelayedApprove forged;
  *forged.mutable_request() = SignedApproval(shared, pending, mallory);
  forged.set_caller("approval-ui");
  REQUIRE(forger
              ->Send("pod-a", {"forged-1", forged.SerializeAsString()},
                     absl::Seconds(30))
              .ok());
  std::optional<std::string> answer;
  REQUIRE(Within(absl::Seconds(5), [&] {
    auto taken = forger->TakeAnswer("forged-1");
    if (taken.ok() && taken->has_value()) answer = **taken;
    return answer.has_value();
  }));
  relay::v1::RelayedAnswer refused;
  REQUIRE(refused.ParseFromString(*answer));
  CHECK(refused.code() ==
        static_cast<int>(absl::StatusCode::kPermissionDenied));
  CHECK(a.daemon->gate().ListPending("shop")->size() == 1);

  // A request no replica holds is not found, at either.
  v1::Decision unknown = pending;
  unknown.set_decision_id("0123456789abcdef0123456789abcdef");
  grpc::ClientContext again;
  shared.approval_ui.Authorize(again);
  CHECK(b.stub
            ->Approve(&again, SignedApproval(shared, unknown, shared.alice),
                      &response)
            .error_code() == grpc::StatusCode::NOT_FOUND);
}

TEST_CASE(
    "a watch at one gate streams the other's request as added naming its "
    "holder and as removed once it is decided",
    "[daemon][shared_state][redis][approvals][watch]") {
  Shared shared;
  REQUIRE(shared.redis.ready());
  Replica a(shared, "pod-a");
  Replica b(shared, "pod-b");
  // Opened before the request: it comes as a live event.
  Watch live(shared, b);
  REQUIRE(Within(absl::Seconds(5), [&] { return Watching(b, 1); }));
  v1::Decision pending = Evaluate(shared, a);
  REQUIRE(pending.outcome() == v1::OUTCOME_PENDING_APPROVAL);
  std::optional<v1::PendingEvent> added =
      live.Await(v1::PendingEvent::KIND_ADDED, pending.decision_id());
  REQUIRE(added.has_value());
  CHECK(added->pending().replica() == "pod-a");
  CHECK(added->pending().decision().tenant() == "shop");

  // Opened after: it is in the opening listing.
  Watch late(shared, b);
  added = late.Await(v1::PendingEvent::KIND_ADDED, pending.decision_id());
  REQUIRE(added.has_value());
  CHECK(added->pending().replica() == "pod-a");

  SECTION("approved at the holder") { Approve(shared, a, pending); }
  SECTION("approved at the other gate, through the relay") {
    Approve(shared, b, pending);
  }
  for (Watch* watch : {&live, &late}) {
    // B does not know the verdict: removed, naming the holder, with no
    // decision.
    std::optional<v1::PendingEvent> removed =
        watch->Await(v1::PendingEvent::KIND_REMOVED, pending.decision_id());
    REQUIRE(removed.has_value());
    CHECK(removed->pending().replica() == "pod-a");
    CHECK_FALSE(removed->has_decision());
    std::vector<v1::PendingEvent> about = watch->About(pending.decision_id());
    std::string kinds;
    for (const v1::PendingEvent& e : about) {
      kinds += v1::PendingEvent::Kind_Name(e.kind()) + " ";
    }
    INFO(kinds);
    REQUIRE(about.size() == 2);  // ADDED once, then REMOVED
    CHECK(about[0].kind() == v1::PendingEvent::KIND_ADDED);
    CHECK_FALSE(watch->ended());
  }
}

TEST_CASE(
    "a watch at one gate keeps streaming its own queue while redis is "
    "unreachable and does not drop the other's requests",
    "[daemon][shared_state][redis][approvals][watch]") {
  Shared shared;
  REQUIRE(shared.redis.ready());
  Replica a(shared, "pod-a");
  Replica b(shared, "pod-b");
  Watch watch(shared, b);
  v1::Decision remote = Evaluate(shared, a);
  REQUIRE(watch.Await(v1::PendingEvent::KIND_ADDED, remote.decision_id())
              .has_value());

  const size_t logged = b.text.str().size();
  shared.redis.Kill();
  // B's relay has since failed to reach Redis, and a whole Pump, which
  // reads the others' listings, has run since.
  REQUIRE(Within(absl::Seconds(5), [&] {
    return b.text.str().find(
               "approval queues are not shared with the other replicas now",
               logged) != std::string::npos;
  }));
  const uint64_t pumped = b.daemon->relay()->pumps();
  REQUIRE(Within(absl::Seconds(5),
                 [&] { return b.daemon->relay()->pumps() > pumped; }));
  v1::Decision own = Evaluate(shared, b);
  REQUIRE(own.outcome() == v1::OUTCOME_PENDING_APPROVAL);
  std::optional<v1::PendingEvent> added =
      watch.Await(v1::PendingEvent::KIND_ADDED, own.decision_id());
  REQUIRE(added.has_value());
  CHECK(added->pending().replica().empty());  // B's own
  // Events come in order: A's request, not known to be gone, was not
  // removed before B's own came.
  CHECK(watch.About(remote.decision_id()).size() == 1);
  Approve(shared, b, own);
  std::optional<v1::PendingEvent> resolved =
      watch.Await(v1::PendingEvent::KIND_RESOLVED, own.decision_id());
  REQUIRE(resolved.has_value());
  CHECK(resolved->decision().outcome() == v1::OUTCOME_ALLOW);
  CHECK_FALSE(watch.ended());
}

TEST_CASE(
    "the console's live queue at one gate streams the other's request and "
    "its removal",
    "[daemon][shared_state][redis][approvals][watch]") {
  Shared shared;
  REQUIRE(shared.redis.ready());
  Replica a(shared, "pod-a");
  Replica b(shared, "pod-b");
  ConsoleEvents events(shared, b);
  v1::Decision pending = Evaluate(shared, a);
  CHECK(events.Await("KIND_ADDED", pending.decision_id(), "pod-a"));
  Approve(shared, a, pending);
  CHECK(events.Await("KIND_REMOVED", pending.decision_id(), "pod-a"));
  // B's own come as before.
  v1::Decision own = Evaluate(shared, b);
  CHECK(events.Await("KIND_ADDED", own.decision_id(), ""));
}

TEST_CASE(
    "a watch follows a request another replica lists as its listing "
    "changes and once it is listed no more",
    "[daemon][shared_state][redis][approvals][watch]") {
  Shared shared;
  REQUIRE(shared.redis.ready());
  Replica b(shared, "pod-b");
  Watch watch(shared, b);
  REQUIRE(Within(absl::Seconds(5), [&] { return Watching(b, 1); }));

  // Another replica, as Redis sees it.
  shared_state::RedisCounterStoreOptions options;
  options.address = shared.redis.address();
  options.key_prefix = "test:";
  auto other =
      shared_state::RedisApprovalExchange::Create(options, "pod-z").value();
  const std::string id = "0123456789abcdef0123456789abcdef";
  v1::PendingApproval listing;
  listing.mutable_decision()->set_tenant("shop");
  listing.mutable_decision()->set_decision_id(id);
  listing.set_requested_by("bot");
  REQUIRE(other
              ->Publish("shop", {{id, listing.SerializeAsString()}},
                        absl::Seconds(10))
              .ok());
  std::optional<v1::PendingEvent> added =
      watch.Await(v1::PendingEvent::KIND_ADDED, id);
  REQUIRE(added.has_value());
  CHECK(added->pending().replica() == "pod-z");
  CHECK_FALSE(added->pending().escalated());

  listing.set_escalated(true);
  REQUIRE(other
              ->Publish("shop", {{id, listing.SerializeAsString()}},
                        absl::Seconds(10))
              .ok());
  std::optional<v1::PendingEvent> updated =
      watch.Await(v1::PendingEvent::KIND_UPDATED, id);
  REQUIRE(updated.has_value());
  CHECK(updated->pending().escalated());
  CHECK(updated->pending().replica() == "pod-z");

  // Listed no more (decided there, expired, or that replica stopped).
  REQUIRE(other->Publish("shop", {}, absl::Seconds(10)).ok());
  std::optional<v1::PendingEvent> removed =
      watch.Await(v1::PendingEvent::KIND_REMOVED, id);
  REQUIRE(removed.has_value());
  CHECK(removed->pending().escalated());  // as it last stood
  CHECK_FALSE(removed->has_decision());
  CHECK(watch.About(id).size() == 3);
}

}  // namespace
}  // namespace portcullis::server

namespace portcullis::server {
namespace {

// Two requests held by pod-a, which then stops: its listing outlives it
// (the listing's TTL), so pod-b relays verdicts on them to pod-a and waits
// for answers that never come.
struct HolderGone {
  explicit HolderGone(Shared& shared, const std::string& b_extra = "")
      : a(std::make_unique<Replica>(shared, "pod-a")),
        b(shared, "pod-b", b_extra) {
    first = Evaluate(shared, *a);
    second = Evaluate(shared, *a);
    REQUIRE(Within(absl::Seconds(5), [&] {
      return Lists(shared, b, first.decision_id(), "pod-a") &&
             Lists(shared, b, second.decision_id(), "pod-a");
    }));
    a.reset();
  }
  std::unique_ptr<Replica> a;
  Replica b;
  v1::Decision first, second;
};

TEST_CASE(
    "a relayed verdict waiting for its answer holds no call thread: the "
    "gate's own approvals go on meanwhile",
    "[daemon][shared_state][redis][approvals]") {
  Shared shared;
  REQUIRE(shared.redis.ready());
  // One thread for Approve, Execute and ReportOutcome.
  HolderGone gone(shared, "limits:\n  callThreads: 1\n");
  Replica& b = gone.b;
  v1::Decision own = Evaluate(shared, b);
  REQUIRE(own.outcome() == v1::OUTCOME_PENDING_APPROVAL);

  std::atomic<bool> relayed_done{false};
  grpc::Status relayed_status;
  std::thread relayed([&] {
    v1::ApproveResponse response;
    grpc::ClientContext context;
    shared.approval_ui.Authorize(context);
    // The relay waits as long as the caller does, here 4 s.
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(4));
    relayed_status = b.stub->Approve(
        &context, SignedApproval(shared, gone.first, shared.alice), &response);
    relayed_done.store(true);
  });
  REQUIRE(Within(absl::Seconds(5),
                 [&] { return b.daemon->relay()->waiting_calls() == 1; }));

  // The one call thread is free: B's own request is approved while the
  // relayed verdict still waits for pod-a.
  v1::ApproveResponse approved = Approve(shared, b, own);
  CHECK(approved.decision().outcome() == v1::OUTCOME_ALLOW);
  CHECK_FALSE(relayed_done.load());
  relayed.join();
  CHECK(relayed_status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  // The relay's own deadline is the caller's, as the gate read it.
  CHECK(Within(absl::Seconds(5),
               [&] { return b.daemon->relay()->waiting_calls() == 0; }));
}

TEST_CASE(
    "a replica waiting for as many relayed verdicts as it may refuses one "
    "more before sending it",
    "[daemon][shared_state][redis][approvals]") {
  Shared shared;
  REQUIRE(shared.redis.ready());
  HolderGone gone(shared);
  shared_state::RedisCounterStoreOptions options;
  options.address = shared.redis.address();
  options.key_prefix = "test:";
  auto exchange =
      shared_state::RedisApprovalExchange::Create(options, "pod-b").value();
  absl::Notification first_done;
  absl::StatusOr<v1::ApproveResponse> first;
  auto relay = std::make_unique<ApprovalRelay>(
      gone.b.daemon->gate(), *exchange,
      ApprovalRelayOptions{.replica = "pod-b", .max_waiting_calls = 1});
  relay->RelayAsync(SignedApproval(shared, gone.first, shared.alice),
                    "approval-ui", absl::Seconds(60),
                    [&](absl::StatusOr<v1::ApproveResponse> answer) {
                      first = std::move(answer);
                      first_done.Notify();
                    });
  CHECK(relay->waiting_calls() == 1);
  absl::StatusOr<v1::ApproveResponse> second =
      relay->Relay(SignedApproval(shared, gone.second, shared.alice),
                   "approval-ui", absl::Seconds(60));
  CHECK(absl::IsResourceExhausted(second.status()));
  // Only the first went to pod-a.
  auto holder =
      shared_state::RedisApprovalExchange::Create(options, "pod-a").value();
  absl::StatusOr<std::vector<gate::RelayedCall>> sent = holder->Receive(10);
  REQUIRE(sent.ok());
  REQUIRE(sent->size() == 1);
  relay::v1::RelayedApprove call;
  REQUIRE(call.ParseFromString((*sent)[0].bytes));
  CHECK(call.request().approval().decision_id() == gone.first.decision_id());
  // A relay that stops ends the call that still waits.
  CHECK_FALSE(first_done.HasBeenNotified());
  relay.reset();
  REQUIRE(first_done.HasBeenNotified());
  CHECK(absl::IsUnavailable(first.status()));
}

}  // namespace
}  // namespace portcullis::server
