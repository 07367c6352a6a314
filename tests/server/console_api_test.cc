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
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "codec/approval_codec.h"
#include "config/config_loader.h"
#include "crypto/key_file.h"
#include "daemon/daemon.h"
#include "gate/approval.h"
#include "identity/token.h"
#include "portcullis/v1/admin.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "server/status_codec.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/stored_entries.h"
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
  // `extra`: more of the configuration (YAML at the top level).
  explicit ConsoleFixture(bool console = true, const std::string& extra = "") {
    std::ofstream(dir_.Sub("two.policy")) << kPolicy;
    std::ofstream(dir_.Sub("gate.yaml"))
        << "policy: two.policy\ndataDir: data\nprincipals:\n"
        << agent_.Yaml() << approver_.Yaml() << ops_.Yaml() << auditor_.Yaml()
        << approver_b_.Yaml() << "ledger:\n  checkpointEveryEntries: 1\n"
        << "listen:\n  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
           "observability:\n  httpAddress: 127.0.0.1:0\n"
        << (console ? "console:\n  enabled: true\n" : "")
        << "approvers:\n  - id: alice\n    publicKey: "
        << crypto::FormatVerifyingKey(alice_.verifying_key())
        << "\n    roles: [owner]\n    tenants: [a]\n"
        << extra;
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    INFO((config.ok() ? "" : std::string(config.status().message())));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    gate_ = v1::Gate::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials()));
    http_ =
        std::make_unique<httplib::Client>("127.0.0.1", daemon_->http_port());
  }

  int http_port() const { return daemon_->http_port(); }

  v1::Decision EvaluateRefund(const std::string& amount = "120.00",
                              const std::string& agent = "bot") {
    v1::EvaluateRequest request;
    v1::Action* a = request.mutable_action();
    a->set_tenant("a");
    a->set_agent(agent);
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
    codec::ApprovalToProto(a, request.mutable_approval());
    request.set_signature(gate::SignApproval(a, alice_));
    std::string json;
    REQUIRE(google::protobuf::util::MessageToJsonString(request, &json).ok());
    return json;
  }

  // The kinds of `tenant`'s ledger entries. Stops the gate: call it last.
  std::vector<std::string> Kinds(const std::string& tenant) {
    http_.reset();
    daemon_.reset();
    return testing::StoredKinds(dir_.Sub("data"), tenant);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  crypto::SigningKey alice_ = crypto::SigningKey::Generate();
  Caller agent_{"agent-a", "agent", "a", "bot, late-bot, other-bot"};
  Caller approver_{"approver-a", "approver", "a"};
  Caller ops_{"ops", "operator", "'*'"};
  Caller auditor_{"audit-a", "auditor", "a"};
  Caller approver_b_{"approver-b", "approver", "b"};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<httplib::Client> http_;
};

// Reads a Server-Sent Events stream at `path` as `caller` until `enough`
// says the text received so far is enough; returns the HTTP status and
// the text.
std::pair<int, std::string> ReadStream(
    int port, const std::string& path, const Caller& caller,
    const std::function<bool(const std::string&)>& enough) {
  httplib::Client c("127.0.0.1", port);
  std::string text;
  int status = 0;
  auto r = c.Get(
      path.c_str(),
      httplib::Headers{{"Authorization", "Bearer " + caller.token}},
      [&](const httplib::Response& response) {
        status = response.status;
        return true;
      },
      [&](const char* data, size_t n) {
        text.append(data, n);
        return !enough(text);
      });
  if (status == 0 && r) status = r->status;
  if (r && text.empty()) text = r->body;
  return {status, text};
}

// The `data:` events of a stream's text, each parsed as an M.
template <typename M>
std::vector<M> Events(const std::string& text) {
  std::vector<M> out;
  for (absl::string_view block : absl::StrSplit(text, "\n\n")) {
    if (!absl::StartsWith(block, "data: ")) continue;
    M m;
    REQUIRE(google::protobuf::util::JsonStringToMessage(
                std::string(block.substr(6)), &m)
                .ok());
    out.push_back(m);
  }
  return out;
}

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
  daemon::Logger log{clock, text};
  std::ofstream(dir.Sub("two.policy")) << kPolicy;
  std::ofstream(dir.Sub("gate.yaml"))
      << "policy: two.policy\ndataDir: data\nlisten:\n"
         "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
         "console:\n  enabled: true\n";
  auto config = config::LoadConfigFile(dir.Sub("gate.yaml"));
  REQUIRE(config.ok());
  auto daemon = daemon::Daemon::Start(*config, clock, log);
  REQUIRE_FALSE(daemon.ok());
  CHECK(daemon.status().message().find("observability.httpAddress") !=
        std::string::npos);
}

TEST_CASE(
    "the console API streams the activity of the caller's tenants, latest "
    "entries first, without arguments, to operators and auditors only",
    "[console_api]") {
  ConsoleFixture f;
  v1::Decision pending = f.EvaluateRefund("4321.09");
  const int port = f.http_port();
  // Refused: no token (401), an approver (no operator or auditor role), an
  // auditor of A asking for B (403).
  CHECK(f.Get("/api/v1/activity", nullptr)->status == 401);
  CHECK(f.Get("/api/v1/tenants/a/activity", nullptr)->status == 401);
  CHECK(f.Get("/api/v1/activity", &f.approver_)->status == 403);
  CHECK(f.Get("/api/v1/tenants/b/activity", &f.auditor_)->status == 403);
  CHECK(f.Get("/api/v1/tenants/bad%20id/activity", &f.ops_)->status == 400);

  auto has_evaluated = [](const std::string& text) {
    return text.find("action.evaluated") != std::string::npos &&
           text.find("\n\n", text.find("action.evaluated")) !=
               std::string::npos;
  };
  // The auditor of A: its tenant's latest entries, at once.
  auto [status, text] =
      ReadStream(port, "/api/v1/tenants/a/activity", f.auditor_, has_evaluated);
  REQUIRE(status == 200);
  bool found = false;
  for (const v1::ActivityEvent& e : Events<v1::ActivityEvent>(text)) {
    CHECK(e.tenant() == "a");
    if (e.kind() != "action.evaluated") continue;
    found = true;
    CHECK(e.tool() == "refund_order");
    CHECK(e.agent() == "bot");
    CHECK(e.outcome() == "PENDING_APPROVAL");
    CHECK(e.decision_id() == pending.decision_id());
  }
  CHECK(found);
  // No arguments, amounts or tokens.
  CHECK(text.find("4321") == std::string::npos);
  CHECK(text.find("AN-1") == std::string::npos);
  CHECK(text.find(f.auditor_.token) == std::string::npos);

  // The operator of every tenant, every tenant: a new entry arrives live.
  std::atomic<bool> seen_first{false};
  std::thread agent([&] {
    while (!seen_first.load()) std::this_thread::yield();
    f.EvaluateRefund("1.00", "late-bot");
  });
  auto [ops_status, ops_text] =
      ReadStream(port, "/api/v1/activity", f.ops_, [&](const std::string& t) {
        if (t.find("data: ") != std::string::npos) seen_first = true;
        size_t at = t.find("late-bot");
        return at != std::string::npos &&
               t.find("\n\n", at) != std::string::npos;
      });
  seen_first = true;
  agent.join();
  CHECK(ops_status == 200);
  CHECK(ops_text.find("late-bot") != std::string::npos);

  // The approver's and the other tenant's refusals are on A's chain: the
  // approver's and the auditor's own tenant.
  CHECK(Count(f.Kinds("a"), "access.denied") == 2);
}

TEST_CASE("the console API bounds the live activity streams", "[console_api]") {
  ConsoleFixture f;
  f.EvaluateRefund();
  const std::string path = "/api/v1/activity";
  absl::Notification opened[ConsoleApi::kMaxActivityStreams];
  absl::Notification release;
  std::vector<std::thread> holders;
  for (int i = 0; i < ConsoleApi::kMaxActivityStreams; ++i) {
    holders.emplace_back([&, i] {
      ReadStream(f.http_port(), path, f.ops_, [&, i](const std::string& t) {
        if (t.find("data: ") == std::string::npos) return false;
        if (!opened[i].HasBeenNotified()) opened[i].Notify();
        release.WaitForNotification();
        return true;
      });
      if (!opened[i].HasBeenNotified()) opened[i].Notify();  // failed
    });
  }
  for (auto& o : opened) o.WaitForNotification();
  auto third = f.Get(path, &f.ops_);
  REQUIRE(third);
  CHECK(third->status == 429);
  CHECK(third->body.find("RESOURCE_EXHAUSTED") != std::string::npos);
  release.Notify();
  for (auto& t : holders) t.join();
}

TEST_CASE(
    "the console API shows each tenant's ledger health: head, latest "
    "signed checkpoint and its age, halted",
    "[console_api]") {
  ConsoleFixture f;
  f.EvaluateRefund();
  CHECK(f.Post("/api/v1/halt", R"({"tenant":"b","reason":"audit"})", &f.ops_)
            ->status == 200);
  f.clock_.Advance(absl::Seconds(30));
  auto r = f.Get("/api/v1/ledger", &f.ops_);
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  google::protobuf::Value got;
  REQUIRE(google::protobuf::util::JsonStringToMessage(r->body, &got).ok());
  const auto& top = got.struct_value().fields();
  CHECK(top.at("ready").bool_value());
  CHECK(top.at("ledgerWritable").bool_value());
  CHECK_FALSE(top.at("gateHalted").bool_value());
  const auto& tenants = top.at("tenants").list_value();
  REQUIRE(tenants.values_size() == 2);
  const auto& a = tenants.values(0).struct_value().fields();
  const auto& b = tenants.values(1).struct_value().fields();
  CHECK(a.at("tenant").string_value() == "a");
  CHECK_FALSE(a.at("halted").bool_value());
  CHECK_FALSE(a.at("refused").bool_value());
  double head = a.at("ledgerSequence").number_value();
  CHECK(head >= 2);
  // Checkpoints every entry here: the latest covers the head, signed 30 s
  // ago by the gate's clock.
  const auto& cp = a.at("checkpoint").struct_value().fields();
  CHECK(cp.at("sequence").number_value() == head);
  CHECK(cp.at("entriesSince").number_value() == 0);
  CHECK(cp.at("ageSeconds").number_value() == 30);
  CHECK_FALSE(cp.at("time").string_value().empty());
  CHECK(b.at("tenant").string_value() == "b");
  CHECK(b.at("halted").bool_value());
  CHECK(b.at("haltReason").string_value() == "audit");

  // Operators only; refusals recorded.
  CHECK(f.Get("/api/v1/ledger", nullptr)->status == 401);
  CHECK(f.Get("/api/v1/ledger", &f.approver_)->status == 403);
  CHECK(f.Get("/api/v1/ledger", &f.auditor_)->status == 403);
  CHECK(Count(f.Kinds("a"), "access.denied") == 2);
}

TEST_CASE(
    "the console API lists an agent's recent decisions, newest first, "
    "bounded, without arguments",
    "[console_api]") {
  ConsoleFixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < ConsoleApi::kRecentDecisions + 2; ++i) {
    ids.push_back(f.EvaluateRefund(absl::StrCat(900 + i, ".25")).decision_id());
  }
  f.EvaluateRefund("5.00", "other-bot");
  const std::string path = "/api/v1/tenants/a/agents/bot/decisions";
  auto r = f.Get(path, &f.approver_);
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  google::protobuf::Value got;
  REQUIRE(google::protobuf::util::JsonStringToMessage(r->body, &got).ok());
  const auto& fields = got.struct_value().fields();
  const auto& list = fields.at("decisions").list_value();
  REQUIRE(list.values_size() == ConsoleApi::kRecentDecisions);
  CHECK(fields.at("more").bool_value());
  // Newest first: the last refund asked is first.
  const auto& first = list.values(0).struct_value().fields();
  CHECK(first.at("decisionId").string_value() == ids.back());
  CHECK(first.at("kind").string_value() == "action.evaluated");
  CHECK(first.at("outcome").string_value() == "PENDING_APPROVAL");
  CHECK(first.at("tool").string_value() == "refund_order");
  for (const auto& v : list.values()) {
    CHECK(v.struct_value().fields().at("agent").string_value() == "bot");
  }
  CHECK(r->body.find("SAR") == std::string::npos);  // no amounts
  CHECK(r->body.find("amount") == std::string::npos);
  CHECK(r->body.find("AN-1") == std::string::npos);

  auto other = f.Get("/api/v1/tenants/a/agents/other-bot/decisions", &f.ops_);
  REQUIRE(other->status == 200);
  REQUIRE(google::protobuf::util::JsonStringToMessage(other->body, &got).ok());
  CHECK(
      got.struct_value().fields().at("decisions").list_value().values_size() ==
      1);
  CHECK_FALSE(got.struct_value().fields().at("more").bool_value());
  CHECK(f.Get(path, &f.auditor_)->status == 200);

  // Refused: no token, an agent, an approver of B; malformed agent id.
  CHECK(f.Get(path, nullptr)->status == 401);
  CHECK(f.Get(path, &f.agent_)->status == 403);
  CHECK(f.Get(path, &f.approver_b_)->status == 403);
  CHECK(f.Get("/api/v1/tenants/a/agents/b%20ot/decisions", &f.approver_)
            ->status == 400);
  CHECK(Count(f.Kinds("a"), "access.denied") == 1);  // the agent's
}

TEST_CASE(
    "the console API counts executions by connector and result for "
    "operators",
    "[console_api]") {
  ConsoleFixture f;
  v1::EvaluateRequest evaluate;
  v1::Action* a = evaluate.mutable_action();
  a->set_tenant("a");
  a->set_agent("bot");
  a->set_tool("reply");
  v1::EvaluateResponse allowed;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + f.agent_.token);
    REQUIRE(f.gate_->Evaluate(&context, evaluate, &allowed).ok());
  }
  REQUIRE(allowed.decision().outcome() == v1::OUTCOME_ALLOW);
  v1::ExecuteRequest execute;
  execute.set_decision_id(allowed.decision().decision_id());
  *execute.mutable_action() = evaluate.action();
  v1::ExecuteResponse executed;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + f.agent_.token);
    REQUIRE(f.gate_->Execute(&context, execute, &executed).ok());
  }
  auto r = f.Get("/api/v1/connectors", &f.ops_);
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  google::protobuf::Value got;
  REQUIRE(google::protobuf::util::JsonStringToMessage(r->body, &got).ok());
  const auto& fields = got.struct_value().fields();
  CHECK(fields.at("connectors").number_value() == 0);
  const auto& list = fields.at("executions").list_value();
  REQUIRE(list.values_size() == 1);
  const auto& e = list.values(0).struct_value().fields();
  CHECK(e.at("connector").string_value() == "none");  // the agent ran it
  CHECK(e.at("result").string_value() == "ok");
  CHECK(e.at("count").number_value() == 1);

  CHECK(f.Get("/api/v1/connectors", nullptr)->status == 401);
  CHECK(f.Get("/api/v1/connectors", &f.approver_)->status == 403);
  CHECK(Count(f.Kinds("a"), "access.denied") == 1);
}

// A tool's HTTP endpoint on 127.0.0.1, answering `answer` (an HTTP
// status) to every call.
class ToolServer {
 public:
  ToolServer() {
    server_.Post("/.*", [this](const httplib::Request&, httplib::Response& r) {
      r.status = answer.load();
      r.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    // Bound and listening: calls queue until the thread accepts them.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ToolServer() {
    server_.stop();
    thread_.join();
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  std::atomic<int> answer{200};

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Evaluates and executes `reply` for tenant a as the agent.
void ExecuteReply(ConsoleFixture& f) {
  v1::EvaluateRequest evaluate;
  v1::Action* a = evaluate.mutable_action();
  a->set_tenant("a");
  a->set_agent("bot");
  a->set_tool("reply");
  v1::EvaluateResponse allowed;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + f.agent_.token);
    REQUIRE(f.gate_->Evaluate(&context, evaluate, &allowed).ok());
  }
  REQUIRE(allowed.decision().outcome() == v1::OUTCOME_ALLOW);
  v1::ExecuteRequest execute;
  execute.set_decision_id(allowed.decision().decision_id());
  *execute.mutable_action() = evaluate.action();
  v1::ExecuteResponse executed;
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + f.agent_.token);
  REQUIRE(f.gate_->Execute(&context, execute, &executed).ok());
}

TEST_CASE(
    "the console API shows each configured connector's health by its name",
    "[console_api]") {
  ToolServer tool;
  ConsoleFixture f(true,
                   "connectorHosts: ['" + tool.host() +
                       "']\nconnectors:\n"
                       "  - tenant: a\n    tool: reply\n"
                       "    name: helpdesk\n    url: http://" +
                       tool.host() +
                       "/reply\n"
                       "  - tenant: b\n    tool: reply\n    url: http://" +
                       tool.host() + "/other\n");
  auto connectors = [&] {
    auto r = f.Get("/api/v1/connectors", &f.ops_);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    google::protobuf::Value got;
    REQUIRE(google::protobuf::util::JsonStringToMessage(r->body, &got).ok());
    return got.struct_value().fields().at("byConnector").list_value();
  };
  // Configured and never called: listed, unused.
  auto rows = connectors();
  REQUIRE(rows.values_size() == 2);
  CHECK(rows.values(0).struct_value().fields().at("name").string_value() ==
        "helpdesk");
  CHECK(rows.values(0).struct_value().fields().at("state").string_value() ==
        "unused");
  CHECK(rows.values(1).struct_value().fields().at("name").string_value() ==
        "reply");  // no name: its tool's

  tool.answer = 503;
  ExecuteReply(f);
  rows = connectors();
  REQUIRE(rows.values_size() == 2);
  auto helpdesk = rows.values(0).struct_value().fields();
  CHECK(helpdesk.at("state").string_value() == "failing");
  CHECK(helpdesk.at("ok").number_value() == 0);
  CHECK(helpdesk.at("failed")
            .struct_value()
            .fields()
            .at("http_5xx")
            .number_value() == 1);
  CHECK(helpdesk.at("lastFailure").string_value() ==
        "2026-01-04T12:00:00+00:00");
  CHECK(rows.values(1).struct_value().fields().at("state").string_value() ==
        "unused");

  tool.answer = 200;
  f.clock_.Advance(absl::Minutes(1));
  ExecuteReply(f);
  helpdesk = connectors().values(0).struct_value().fields();
  CHECK(helpdesk.at("state").string_value() == "healthy");
  CHECK(helpdesk.at("ok").number_value() == 1);
  CHECK(helpdesk.at("lastCall").string_value() == "2026-01-04T12:01:00+00:00");
  CHECK(helpdesk.at("lastFailure").string_value() ==
        "2026-01-04T12:00:00+00:00");

  // /metrics labels the calls by the same name.
  auto m = f.Get("/metrics", nullptr);
  REQUIRE(m);
  CHECK_THAT(m->body, Catch::Contains("portcullis_executions_total{connector="
                                      "\"helpdesk\",result=\"http_5xx\"} 1"));
  CHECK_THAT(m->body, Catch::Contains("portcullis_executions_total{connector="
                                      "\"helpdesk\",result=\"ok\"} 1"));
  CHECK_THAT(m->body, !Catch::Contains("connector=\"http\""));
}

TEST_CASE(
    "the console API status shows a failed policy reload and the policy "
    "still in force",
    "[console_api]") {
  ConsoleFixture f;
  auto status = [&] {
    auto r = f.Get("/api/v1/status", &f.ops_);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return Parse<v1::StatusResponse>(r->body);
  };
  // The load at start is the first attempt.
  v1::StatusResponse started = status();
  REQUIRE(started.has_last_reload());
  CHECK(started.last_reload().ok());
  CHECK(started.last_reload().error().empty());
  CHECK(started.last_reload().content_hash() ==
        started.policy().content_hash());

  f.clock_.Advance(absl::Minutes(2));
  std::ofstream(f.dir_.Sub("two.policy")) << "policy \"two\" version \"4\"\n"
                                          << "tenant \"a\" { tool {\n";
  REQUIRE_FALSE(f.daemon_->ReloadPolicy().ok());
  v1::StatusResponse after = status();
  CHECK(after.policy().version() == "3");  // still enforced
  CHECK(after.policy().content_hash() == started.policy().content_hash());
  REQUIRE(after.has_last_reload());
  CHECK_FALSE(after.last_reload().ok());
  CHECK(after.last_reload().time().seconds() ==
        absl::ToUnixSeconds(f.clock_.Now()));
  CHECK_FALSE(after.last_reload().error().empty());
  CHECK(after.last_reload().error().size() <= kMaxStatusMessageBytes);
  CHECK_THAT(after.last_reload().error(), Catch::Contains("two.policy"));
  // No directory of the server's reaches the page.
  CHECK_THAT(after.last_reload().error(),
             !Catch::Contains(f.dir_.path().string()));
  CHECK(after.last_reload().content_hash().size() == 64);
  CHECK(after.last_reload().content_hash() != after.policy().content_hash());

  // An unreadable policy file: no hash was tried.
  std::filesystem::remove(f.dir_.Sub("two.policy"));
  REQUIRE_FALSE(f.daemon_->ReloadPolicy().ok());
  after = status();
  CHECK_FALSE(after.last_reload().ok());
  CHECK(after.last_reload().content_hash().empty());
  CHECK_THAT(after.last_reload().error(),
             !Catch::Contains(f.dir_.path().string()));
  CHECK(after.policy().version() == "3");
}

TEST_CASE(
    "the console API tells a principal of every tenant the policy's "
    "tenants",
    "[console_api]") {
  ConsoleFixture f;
  google::protobuf::Value got;
  REQUIRE(google::protobuf::util::JsonStringToMessage(
              f.Get("/api/v1/me", &f.ops_)->body, &got)
              .ok());
  const auto& declared =
      got.struct_value().fields().at("policyTenants").list_value();
  REQUIRE(declared.values_size() == 2);
  CHECK(declared.values(0).string_value() == "a");
  CHECK(declared.values(1).string_value() == "b");
  REQUIRE(google::protobuf::util::JsonStringToMessage(
              f.Get("/api/v1/me", &f.approver_)->body, &got)
              .ok());
  CHECK_FALSE(got.struct_value().fields().contains("policyTenants"));
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
