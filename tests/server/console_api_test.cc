// The console's JSON API (server/console_api.h) on a daemon built as
// portcullisd builds it, called with an in-process HTTP client: the
// approval flow, who may call what (401, 403, refusals on the ledger), the
// kill switch, and the headers the console is served with.
#include "server/console_api.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/synchronization/notification.h"
#include "crypto/key_file.h"
#include "gate/approval.h"
#include "ledger/evidence.h"
#include "ledger/rocksdb_store.h"
#include "portcullis/v1/admin.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "server/codec/approval_codec.h"
#include "server/config_loader.h"
#include "server/daemon.h"
#include "server/identity/token.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "two" version "3"
tenant "a" {
  tool refund_order {
    class write
    irreversible
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
  tool reply { class read  rule r "replies" allow }
}
tenant "b" {
  tool reply { class read  rule r "replies" allow }
}
)";

using Caller = ::portcullis::testing::TestCaller;

class ConsoleFixture {
 public:
  explicit ConsoleFixture(bool console = true) {
    std::ofstream(dir_.Sub("two.policy")) << kPolicy;
    std::ofstream(dir_.Sub("gate.yaml"))
        << "policy: two.policy\ndataDir: data\nprincipals:\n"
        << agent_.Yaml() << approver_.Yaml() << ops_.Yaml()
        << "listen:\n  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
           "observability:\n  httpAddress: 127.0.0.1:0\n"
        << (console ? "console:\n  enabled: true\n" : "")
        << "approvers:\n  - id: alice\n    publicKey: "
        << crypto::FormatVerifyingKey(alice_.verifying_key())
        << "\n    roles: [owner]\n    tenants: [a]\n";
    auto config = LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    gate_ = v1::Gate::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials()));
    http_ =
        std::make_unique<httplib::Client>("127.0.0.1", daemon_->http_port());
  }

  int http_port() const { return daemon_->http_port(); }

  v1::Decision EvaluateRefund(const std::string& amount = "120.00") {
    v1::EvaluateRequest request;
    v1::Action* a = request.mutable_action();
    a->set_tenant("a");
    a->set_agent("bot");
    a->set_tool("refund_order");
    (*a->mutable_arguments())["order_id"].set_string_value("AN-1");
    auto* m = (*a->mutable_arguments())["amount"].mutable_money_value();
    m->set_amount(amount);
    m->set_currency("SAR");
    v1::EvaluateResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + agent_.token);
    REQUIRE(gate_->Evaluate(&context, request, &response).ok());
    return response.decision();
  }

  httplib::Result Get(const std::string& path, const Caller* caller) {
    httplib::Headers headers;
    if (caller) headers.emplace("Authorization", "Bearer " + caller->token);
    return http_->Get(path.c_str(), headers);
  }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const Caller* caller) {
    httplib::Headers headers;
    if (caller) headers.emplace("Authorization", "Bearer " + caller->token);
    return http_->Post(path.c_str(), headers, body, "application/json");
  }

  // A signed statement about `d`, as the console sends it.
  std::string SignedApprovalJson(const v1::Decision& d,
                                 gate::ApprovalVerdict verdict) {
    gate::Approval a;
    a.tenant = d.tenant();
    a.decision_id = d.decision_id();
    a.action_digest = d.action_digest();
    a.verdict = verdict;
    a.expires_at = clock_.Now() + absl::Hours(1);
    a.approver_id = "alice";
    a.comment = "checked the order";
    v1::ApproveRequest request;
    ApprovalToProto(a, request.mutable_approval());
    request.set_signature(gate::SignApproval(a, alice_));
    std::string json;
    REQUIRE(google::protobuf::util::MessageToJsonString(request, &json).ok());
    return json;
  }

  // The kinds of `tenant`'s ledger entries. Stops the gate: call it last.
  std::vector<std::string> Kinds(const std::string& tenant) {
    http_.reset();
    daemon_.reset();
    ledger::RocksDbOptions read_only;
    read_only.read_only = true;
    auto store = ledger::RocksDbStore::Open(dir_.Sub("data"), read_only);
    REQUIRE(store.ok());
    std::vector<std::string> kinds;
    REQUIRE(ledger::ReadStoredEntries(**store, tenant, 1, uint64_t{1} << 62,
                                      [&](const ledger::StoredEntry& e) {
                                        kinds.push_back(e.entry.kind);
                                        return true;
                                      })
                .ok());
    return kinds;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  Logger log_{clock_, log_text_};
  crypto::SigningKey alice_ = crypto::SigningKey::Generate();
  Caller agent_{"agent-a", "agent", "a"};
  Caller approver_{"approver-a", "approver", "a"};
  Caller ops_{"ops", "operator", "'*'"};
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<httplib::Client> http_;
};

template <typename M>
M Parse(const std::string& json) {
  M message;
  INFO(json);
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &message).ok());
  return message;
}

int Count(const std::vector<std::string>& kinds, const std::string& kind) {
  return static_cast<int>(std::count(kinds.begin(), kinds.end(), kind));
}

TEST_CASE("the console API lists a pending refund and approves it",
          "[console_api]") {
  ConsoleFixture f;
  v1::Decision pending = f.EvaluateRefund();
  REQUIRE(pending.outcome() == v1::OUTCOME_PENDING_APPROVAL);

  auto listed = f.Get("/api/v1/tenants/a/pending", &f.approver_);
  REQUIRE(listed);
  REQUIRE(listed->status == 200);
  CHECK(listed->get_header_value("Content-Type") == "application/json");
  auto list = Parse<v1::ListPendingResponse>(listed->body);
  REQUIRE(list.pending_size() == 1);
  CHECK(list.pending(0).decision().decision_id() == pending.decision_id());
  // The amount as the gate holds it (canonical), with its currency.
  const v1::Money& amount =
      list.pending(0).action().arguments().at("amount").money_value();
  CHECK(amount.amount() == "120");
  CHECK(amount.currency() == "SAR");

  auto one =
      f.Get("/api/v1/tenants/a/pending/" + pending.decision_id(), &f.approver_);
  REQUIRE(one);
  REQUIRE(one->status == 200);
  CHECK(Parse<v1::PendingApproval>(one->body).decision().action_digest() ==
        pending.action_digest());

  auto approved =
      f.Post("/api/v1/approve",
             f.SignedApprovalJson(pending, gate::ApprovalVerdict::kApprove),
             &f.approver_);
  REQUIRE(approved);
  INFO(approved->body);
  REQUIRE(approved->status == 200);
  CHECK(Parse<v1::ApproveResponse>(approved->body).decision().outcome() ==
        v1::OUTCOME_ALLOW);

  // Decided: gone from the queue.
  auto gone =
      f.Get("/api/v1/tenants/a/pending/" + pending.decision_id(), &f.approver_);
  REQUIRE(gone);
  CHECK(gone->status == 404);
  CHECK(Parse<v1::ListPendingResponse>(
            f.Get("/api/v1/tenants/a/pending", &f.approver_)->body)
            .pending_size() == 0);
}

TEST_CASE("the console API denies with a reason and refuses a bad signature",
          "[console_api]") {
  ConsoleFixture f;
  v1::Decision pending = f.EvaluateRefund();
  // A statement signed by someone else's key is refused as on gRPC.
  std::string forged =
      f.SignedApprovalJson(pending, gate::ApprovalVerdict::kApprove);
  f.alice_ = crypto::SigningKey::Generate();
  std::string other =
      f.SignedApprovalJson(pending, gate::ApprovalVerdict::kApprove);
  auto refused = f.Post("/api/v1/approve", other, &f.approver_);
  REQUIRE(refused);
  CHECK(refused->status >= 400);
  CHECK(refused->body.find("\"code\"") != std::string::npos);

  auto denied =
      f.Post("/api/v1/approve",
             forged.replace(forged.find("APPROVE"), 7, "DENY"), &f.approver_);
  REQUIRE(denied);
  // The verdict changed after signing: the signature no longer holds.
  CHECK(denied->status >= 400);

  auto malformed = f.Post("/api/v1/approve", "{not json", &f.approver_);
  REQUIRE(malformed);
  CHECK(malformed->status == 400);
}

TEST_CASE(
    "the console API answers 401 without a token and 403 for a wrong "
    "role or tenant, recording each refusal",
    "[console_api]") {
  ConsoleFixture f;
  auto anonymous = f.Get("/api/v1/tenants/a/pending", nullptr);
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  CHECK(anonymous->get_header_value("WWW-Authenticate") == "Bearer");
  CHECK(anonymous->body.find("UNAUTHENTICATED") != std::string::npos);

  Caller stranger{"stranger", "approver", "a"};  // not configured
  auto unknown = f.Get("/api/v1/tenants/a/pending", &stranger);
  REQUIRE(unknown);
  CHECK(unknown->status == 401);

  // An agent is no approver; an approver of A sees nothing of B; an
  // approver is no operator.
  auto agent = f.Get("/api/v1/tenants/a/pending", &f.agent_);
  REQUIRE(agent);
  CHECK(agent->status == 403);
  auto other_tenant = f.Get("/api/v1/tenants/b/pending", &f.approver_);
  REQUIRE(other_tenant);
  CHECK(other_tenant->status == 403);
  CHECK(other_tenant->body.find("PERMISSION_DENIED") != std::string::npos);
  auto halt = f.Post("/api/v1/halt", R"({"tenant":"a"})", &f.approver_);
  REQUIRE(halt);
  CHECK(halt->status == 403);

  // Each refusal of an identified caller is on its own tenant's chain.
  CHECK(Count(f.Kinds("a"), "access.denied") == 3);
}

TEST_CASE("the console API tells a caller who they are, and nobody else",
          "[console_api]") {
  ConsoleFixture f;
  auto me = f.Get("/api/v1/me", &f.approver_);
  REQUIRE(me->status == 200);
  google::protobuf::Value got;
  REQUIRE(google::protobuf::util::JsonStringToMessage(me->body, &got).ok());
  const auto& fields = got.struct_value().fields();
  CHECK(fields.at("principal").string_value() == f.approver_.name);
  REQUIRE(fields.at("roles").list_value().values_size() == 1);
  CHECK(fields.at("roles").list_value().values(0).string_value() == "approver");
  REQUIRE(fields.at("tenants").list_value().values_size() == 1);
  CHECK(fields.at("tenants").list_value().values(0).string_value() == "a");
  CHECK(f.Get("/api/v1/me", nullptr)->status == 401);
  Caller stranger{"stranger", "approver", "a"};  // not configured
  CHECK(f.Get("/api/v1/me", &stranger)->status == 401);
}

TEST_CASE(
    "the console API streams the queue as Server-Sent Events for the "
    "tenant's approvers only and a bounded number at once",
    "[console_api]") {
  ConsoleFixture f;
  v1::Decision pending = f.EvaluateRefund();
  const std::string path = "/api/v1/tenants/a/events";
  CHECK(f.Get(path, nullptr)->status == 401);
  CHECK(f.Get(path, &f.agent_)->status == 403);
  CHECK(f.Get("/api/v1/tenants/b/events", &f.approver_)->status == 403);

  // kMaxStreams streams each get the open request first, as a KIND_ADDED
  // event, and hold their slots; one more is told to poll instead.
  std::string received[ConsoleApi::kMaxStreams];
  std::atomic<int> content_type_ok{0};
  absl::Notification opened[ConsoleApi::kMaxStreams];
  absl::Notification release;
  std::vector<std::thread> holders;
  for (int i = 0; i < ConsoleApi::kMaxStreams; ++i) {
    holders.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", f.http_port());
      c.Get(
          path.c_str(),
          httplib::Headers{{"Authorization", "Bearer " + f.approver_.token}},
          [&](const httplib::Response& r) {
            if (r.status == 200 &&
                r.get_header_value("Content-Type") == "text/event-stream") {
              ++content_type_ok;  // before this thread's Notify below
            }
            return true;
          },
          [&, i](const char* data, size_t n) {
            received[i].append(data, n);
            size_t at = received[i].find("data: ");
            if (at == std::string::npos ||
                received[i].find("\n\n", at) == std::string::npos) {
              return true;  // the first event is not complete yet
            }
            if (!opened[i].HasBeenNotified()) opened[i].Notify();
            release.WaitForNotification();
            return false;
          });
      if (!opened[i].HasBeenNotified()) opened[i].Notify();  // failed
    });
  }
  for (auto& o : opened) o.WaitForNotification();
  httplib::Client fresh("127.0.0.1", f.http_port());
  auto third = fresh.Get(
      path.c_str(),
      httplib::Headers{{"Authorization", "Bearer " + f.approver_.token}});
  REQUIRE(third);
  CHECK(third->status == 429);
  CHECK(third->body.find("RESOURCE_EXHAUSTED") != std::string::npos);
  release.Notify();
  for (auto& t : holders) t.join();

  CHECK(content_type_ok == ConsoleApi::kMaxStreams);
  for (const std::string& r : received) {
    size_t at = r.find("data: ");
    REQUIRE(at != std::string::npos);
    std::string event = r.substr(at + 6, r.find("\n\n", at) - at - 6);
    v1::PendingEvent parsed;
    REQUIRE(google::protobuf::util::JsonStringToMessage(event, &parsed).ok());
    CHECK(parsed.kind() == v1::PendingEvent::KIND_ADDED);
    CHECK(parsed.pending().decision().decision_id() == pending.decision_id());
  }
}

TEST_CASE("the console API halts and resumes a tenant for an operator",
          "[console_api]") {
  ConsoleFixture f;
  auto halted = f.Post("/api/v1/halt",
                       R"({"tenant":"a","reason":"refund storm"})", &f.ops_);
  REQUIRE(halted);
  INFO(halted->body);
  REQUIRE(halted->status == 200);

  auto status = f.Get("/api/v1/status", &f.ops_);
  REQUIRE(status);
  REQUIRE(status->status == 200);
  auto s = Parse<v1::StatusResponse>(status->body);
  CHECK(s.policy().version() == "3");
  bool a_halted = false;
  for (const v1::TenantStatus& t : s.tenants()) {
    if (t.tenant() == "a") a_halted = t.halted();
  }
  CHECK(a_halted);
  CHECK(f.EvaluateRefund().outcome() == v1::OUTCOME_DENY);

  auto resumed =
      f.Post("/api/v1/resume", R"({"tenant":"a","reason":"calm"})", &f.ops_);
  REQUIRE(resumed);
  CHECK(resumed->status == 200);
  CHECK(f.EvaluateRefund().outcome() == v1::OUTCOME_PENDING_APPROVAL);
}

TEST_CASE(
    "the console is served with a strict Content-Security-Policy and "
    "no cookies",
    "[console_api]") {
  ConsoleFixture f;
  for (const char* path :
       {"/", "/console/console.js", "/console/console.css", "/api/v1/status"}) {
    INFO(path);
    auto r = f.Get(path, nullptr);
    REQUIRE(r);
    CHECK(r->get_header_value("Content-Security-Policy") ==
          http::OperatorServer::kContentSecurityPolicy);
    CHECK(r->get_header_value("X-Frame-Options") == "DENY");
    CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK_FALSE(r->has_header("Set-Cookie"));
  }
  auto page = f.Get("/", nullptr);
  CHECK(page->status == 200);
  CHECK(page->body.find("<script type=\"module\" src=\"/console/console.js\">"
                        "</script>") != std::string::npos);
  CHECK(f.Get("/console/console.js", nullptr)
            ->get_header_value("Content-Type")
            .rfind("text/javascript", 0) == 0);
  CHECK(f.Get("/console/nothing.js", nullptr)->status == 404);
  CHECK(f.Get("/api/v1/nothing", &f.ops_)->status == 404);
}

TEST_CASE(
    "without console.enabled the listener serves neither console nor "
    "API",
    "[console_api]") {
  ConsoleFixture f(false);
  CHECK(f.Get("/", nullptr)->status == 404);
  CHECK(f.Get("/api/v1/status", &f.ops_)->status == 404);
  CHECK(f.Get("/metrics", nullptr)->status == 200);
}

TEST_CASE("console.enabled without observability.httpAddress does not start",
          "[console_api]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::ostringstream text;
  Logger log{clock, text};
  std::ofstream(dir.Sub("two.policy")) << kPolicy;
  std::ofstream(dir.Sub("gate.yaml"))
      << "policy: two.policy\ndataDir: data\nlisten:\n"
         "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
         "console:\n  enabled: true\n";
  auto config = LoadConfigFile(dir.Sub("gate.yaml"));
  REQUIRE(config.ok());
  auto daemon = Daemon::Start(*config, clock, log);
  REQUIRE_FALSE(daemon.ok());
  CHECK(daemon.status().message().find("observability.httpAddress") !=
        std::string::npos);
}

TEST_CASE("API errors map to HTTP statuses", "[console_api]") {
  CHECK(ConsoleApi::HttpStatus(absl::StatusCode::kUnauthenticated) == 401);
  CHECK(ConsoleApi::HttpStatus(absl::StatusCode::kPermissionDenied) == 403);
  CHECK(ConsoleApi::HttpStatus(absl::StatusCode::kNotFound) == 404);
  CHECK(ConsoleApi::HttpStatus(absl::StatusCode::kInvalidArgument) == 400);
  CHECK(ConsoleApi::HttpStatus(absl::StatusCode::kFailedPrecondition) == 409);
  CHECK(ConsoleApi::HttpStatus(absl::StatusCode::kUnavailable) == 503);
}

}  // namespace
}  // namespace portcullis::server
