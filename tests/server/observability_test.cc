// The daemon's operator surface: /metrics counting real calls, /readyz,
// a listener that cannot bind stopping the start, and logs (text and JSON)
// that never hold a token, a secret value or a payload.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "identity/token.h"
#include "portcullis/config/v1/log_line.pb.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/http/raw_http.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/stored_entries.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "shop" version "7"
tenant "shop" {
  tool reply_customer {
    class read
    arg order_id: string
    rule replies "answering customers is fine"
      allow
  }
}
)";

// What must never reach a log line.
constexpr char kArgumentValue[] = "order-7f3a9c-PAYLOAD-MARKER";
constexpr char kSecretValue[] = "s3cr3t-VALUE-MARKER-91b2";

class ObservedDaemon {
 public:
  explicit ObservedDaemon(daemon::LogFormat format = daemon::LogFormat::kText)
      : log_(clock_, log_text_, format) {
    std::ofstream(dir_.Sub("shop.policy")) << kPolicy;
    std::ofstream(dir_.Sub("gate.yaml")) << principal_.Yaml()
                                         << "policy: shop.policy\n"
                                            "dataDir: data\n"
                                            "listen:\n"
                                            "  tcpAddress: 127.0.0.1:0\n"
                                            "  disableUnixSocket: true\n"
                                            "observability:\n"
                                            "  httpAddress: 127.0.0.1:0\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    config_ = *config;
  }

  void Start() {
    auto daemon = daemon::Daemon::Start(config_, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials());
    gate_ = v1::Gate::NewStub(channel_);
    admin_ = v1::Admin::NewStub(channel_);
  }

  grpc::Status Evaluate(const std::string& tool, const std::string& token) {
    v1::EvaluateRequest request;
    request.mutable_action()->set_tenant("shop");
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool(tool);
    (*request.mutable_action()->mutable_arguments())["order_id"]
        .set_string_value(kArgumentValue);
    v1::EvaluateResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    return gate_->Evaluate(&context, request, &response);
  }

  std::string Metrics() {
    testing::RawResponse r = testing::Get(daemon_->http_port(), "/metrics");
    REQUIRE(r.status == 200);
    return testing::BodyOf(r);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal principal_;
  std::ostringstream log_text_;
  daemon::Logger log_;
  config::v1::GateConfig config_;
  std::unique_ptr<daemon::Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST_CASE("/metrics counts decisions by outcome and declared tool",
          "[observability]") {
  ObservedDaemon d;
  d.Start();
  REQUIRE(d.Evaluate("reply_customer", d.principal_.token).ok());
  REQUIRE(d.Evaluate("reply_customer", d.principal_.token).ok());
  REQUIRE(d.Evaluate("launch_rockets", d.principal_.token).ok());  // DENY
  std::string m = d.Metrics();
  CHECK(Has(m,
            "portcullis_decisions_total{outcome=\"allow\",tool=\"reply_"
            "customer\"} 2"));
  // Not declared by the policy: never a label of its own.
  CHECK(
      Has(m, "portcullis_decisions_total{outcome=\"deny\",tool=\"other\"} 1"));
  CHECK(m.find("launch_rockets") == std::string::npos);
  CHECK(Has(m, "portcullis_evaluate_duration_seconds_count 3"));
  CHECK(Has(m, "portcullis_policy_info{version=\"7\",hash=\"" +
                   d.daemon_->gate().policy()->content_hash + "\"} 1"));
  CHECK(Has(m, "portcullis_pending_approvals 0"));
  CHECK(Has(m, "portcullis_halted_tenants 0"));
  CHECK(m.find("portcullis_build_info{version=\"") != std::string::npos);
  // policy.loaded and three decisions, each durable before its answer.
  CHECK(Has(m, "portcullis_ledger_append_duration_seconds_count 4"));
  // The commit path's serial time, read from the ledger at the scrape.
  const std::string serial = "\nportcullis_ledger_commit_serial_seconds_total ";
  size_t at = m.find(serial);
  REQUIRE(at != std::string::npos);
  CHECK(std::stod(m.substr(at + serial.size())) > 0);
  CHECK(m.find("# TYPE portcullis_ledger_commit_serial_seconds_total "
               "counter\n") != std::string::npos);
  CHECK(m.find(kArgumentValue) == std::string::npos);
}

TEST_CASE("/metrics counts refused credentials and failed reloads",
          "[observability]") {
  ObservedDaemon d;
  d.Start();
  CHECK(d.Evaluate("reply_customer", "pcl_not-a-token").error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  std::ofstream(d.dir_.Sub("shop.policy")) << "tenant {";
  CHECK(!d.daemon_->ReloadPolicy().ok());
  std::string m = d.Metrics();
  CHECK(Has(m, "portcullis_auth_failures_total{reason=\"unauthenticated\"} 1"));
  CHECK(Has(m, "portcullis_policy_reload_failures_total 1"));
  CHECK(Has(m, "portcullis_policy_info{version=\"7\",hash=\"" +
                   d.daemon_->gate().policy()->content_hash + "\"} 1"));
}

testing::RawResponse GetWithToken(int port, const std::string& token) {
  return testing::SendRaw(
      port,
      "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
      "Bearer " +
          token + "\r\nConnection: close\r\n\r\n");
}

config::v1::PrincipalConfig Caller(const std::string& name,
                                   const std::string& role,
                                   const std::string& token) {
  config::v1::PrincipalConfig p;
  p.set_name(name);
  p.add_roles(role);
  p.add_tenants("shop");
  p.add_token_hashes(identity::TokenHash(token));
  return p;
}

TEST_CASE("/metrics with metricsAuth needs an operator or auditor token",
          "[observability][metrics_auth]") {
  ObservedDaemon d;
  const std::string operator_token = identity::NewToken();
  const std::string auditor_token = identity::NewToken();
  const std::string agent_token = identity::NewToken();
  d.config_.mutable_observability()->set_metrics_auth(true);
  *d.config_.add_principals() = Caller("ops", "operator", operator_token);
  *d.config_.add_principals() = Caller("audit", "auditor", auditor_token);
  *d.config_.add_principals() = Caller("bot-only", "agent", agent_token);
  d.Start();
  const int port = d.daemon_->http_port();

  testing::RawResponse anonymous = testing::Get(port, "/metrics");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.text.find("WWW-Authenticate: Bearer") != std::string::npos);
  CHECK(anonymous.text.find("portcullis_") == std::string::npos);
  testing::RawResponse forged = GetWithToken(port, "pcl_not-a-token");
  CHECK(forged.status == 401);
  testing::RawResponse agent = GetWithToken(port, agent_token);
  CHECK(agent.status == 403);
  CHECK(agent.text.find("portcullis_") == std::string::npos);

  testing::RawResponse by_operator = GetWithToken(port, operator_token);
  REQUIRE(by_operator.status == 200);
  std::string m = testing::BodyOf(by_operator);
  // The refusals are counted like any refused call.
  CHECK(Has(m, "portcullis_auth_failures_total{reason=\"unauthenticated\"} 2"));
  CHECK(
      Has(m, "portcullis_auth_failures_total{reason=\"permission_denied\"} 1"));
  CHECK(GetWithToken(port, auditor_token).status == 200);
  // /healthz and /readyz stay open (kubelet probes carry no token).
  CHECK(testing::Get(port, "/healthz").status == 200);

  // The 403 is on the ledger, on the caller's own tenant's chain.
  d.daemon_.reset();
  std::vector<std::string> kinds =
      testing::StoredKinds(d.dir_.Sub("data"), "shop");
  CHECK(std::count(kinds.begin(), kinds.end(), "access.denied") == 1);
}

TEST_CASE("/metrics stays open without metricsAuth",
          "[observability][metrics_auth]") {
  ObservedDaemon d;
  d.Start();
  CHECK(testing::Get(d.daemon_->http_port(), "/metrics").status == 200);
}

TEST_CASE("/readyz mirrors the gRPC health status", "[observability]") {
  ObservedDaemon d;
  d.Start();
  int port = d.daemon_->http_port();
  CHECK(testing::Get(port, "/readyz").status == 200);
  CHECK(testing::Get(port, "/healthz").status == 200);
  d.daemon_->Stop(absl::ZeroDuration());  // health turns NOT_SERVING
  CHECK(!d.daemon_->serving());
  CHECK(testing::Get(port, "/readyz").status == 503);
  CHECK(testing::Get(port, "/healthz").status == 200);
}

TEST_CASE("without observability.httpAddress nothing listens for HTTP",
          "[observability]") {
  ObservedDaemon d;
  d.config_.clear_observability();
  d.Start();
  CHECK(d.daemon_->http_port() == 0);
}

TEST_CASE("a metrics address that cannot be bound stops the start, saying why",
          "[observability]") {
  ObservedDaemon first;
  first.Start();
  ObservedDaemon second;
  second.config_.mutable_observability()->set_http_address(
      "127.0.0.1:" + std::to_string(first.daemon_->http_port()));
  auto daemon =
      daemon::Daemon::Start(second.config_, second.clock_, second.log_);
  REQUIRE(!daemon.ok());
  CHECK(absl::IsUnavailable(daemon.status()));
  CHECK(daemon.status().message().find("observability.httpAddress") !=
        std::string::npos);
}

TEST_CASE("a non-loopback metrics address without TLS stops the start",
          "[observability]") {
  ObservedDaemon d;
  d.config_.mutable_observability()->set_http_address("0.0.0.0:0");
  auto daemon = daemon::Daemon::Start(d.config_, d.clock_, d.log_);
  REQUIRE(!daemon.ok());
  CHECK(absl::IsInvalidArgument(daemon.status()));
  CHECK(daemon.status().message().find("without TLS") != std::string::npos);
}

// Drives calls that carry a bearer token (good and bad), a secret value
// and an argument that is sealed into the ledger's payloads, and a failed
// reload, so that every log path of those calls runs.
void DriveSensitiveTraffic(ObservedDaemon& d) {
  REQUIRE(d.Evaluate("reply_customer", d.principal_.token).ok());
  d.Evaluate("reply_customer", "pcl_wrong-token").IgnoreError();
  v1::PutSecretRequest put;
  put.set_tenant("shop");
  put.set_name("crm_key");
  put.set_value(kSecretValue);
  v1::SecretInfo info;
  grpc::ClientContext context;
  d.principal_.Authorize(context);
  CHECK(d.admin_->PutSecret(&context, put, &info).ok());
  std::ofstream(d.dir_.Sub("shop.policy")) << "tenant {";
  d.daemon_->ReloadPolicy().IgnoreError();
  d.daemon_.reset();  // shutdown lines too
}

TEST_CASE("no token, secret value or payload reaches either log format",
          "[observability][logs]") {
  for (daemon::LogFormat format :
       {daemon::LogFormat::kText, daemon::LogFormat::kJson}) {
    ObservedDaemon d(format);
    d.Start();
    DriveSensitiveTraffic(d);
    std::string log = d.log_text_.str();
    REQUIRE(log.find("policy not reloaded") != std::string::npos);
    CHECK(log.find(d.principal_.token) == std::string::npos);
    CHECK(log.find("pcl_wrong-token") == std::string::npos);
    CHECK(log.find(kSecretValue) == std::string::npos);
    CHECK(log.find(kArgumentValue) == std::string::npos);
  }
}

TEST_CASE("a JSON log is one LogLine object per line", "[logs]") {
  ObservedDaemon d(daemon::LogFormat::kJson);
  d.Start();
  d.daemon_.reset();
  std::vector<std::string> lines =
      absl::StrSplit(d.log_text_.str(), '\n', absl::SkipEmpty());
  REQUIRE(lines.size() >= 3);
  for (const std::string& line : lines) {
    config::v1::LogLine parsed;  // strict: unknown fields fail
    INFO(line);
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok());
    CHECK(!parsed.time().empty());
    CHECK((parsed.level() == "INFO" || parsed.level() == "WARN"));
    CHECK(!parsed.msg().empty());
  }
}

TEST_CASE(
    "the operators' HTTPS listener serves a rotated certificate, and logs a "
    "rotation it cannot take up",
    "[observability][tls]") {
  ObservedDaemon d;
  testing::TestCertificates certs(d.dir_);
  REQUIRE(certs.made());
  std::ofstream(d.dir_.Sub("gate.yaml"), std::ios::app)
      << "  tls:\n    certFile: " << certs.server_cert()
      << "\n    keyFile: " << certs.server_key() << "\n";
  auto config = config::LoadConfigFile(d.dir_.Sub("gate.yaml"));
  REQUIRE(config.ok());
  d.config_ = *config;
  d.Start();
  const int port = d.daemon_->http_port();
  CHECK(testing::HttpsGet(port, certs.ca(), "/healthz").find("200 OK") !=
        std::string::npos);
  // A key that is not the certificate's replaces it; a minute later the
  // gate reads the files again, keeps the pair it serves, and says why.
  std::filesystem::copy_file(certs.client_key(), certs.server_key(),
                             std::filesystem::copy_options::overwrite_existing);
  d.clock_.Advance(absl::Minutes(1));
  CHECK(testing::HttpsGet(port, certs.ca(), "/healthz").find("200 OK") !=
        std::string::npos);
  const std::string log = d.log_text_.str();
  CHECK(log.find("the operators' HTTP listener keeps its TLS certificate") !=
        std::string::npos);
  CHECK(log.find("the key is not the certificate's") != std::string::npos);
  CHECK(log.find("PRIVATE KEY") == std::string::npos);
}

}  // namespace
}  // namespace portcullis::server
