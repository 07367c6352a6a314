#include "server/gate_metrics.h"

#include <catch2/catch.hpp>

#include "policy/builtin_rules.h"

namespace portcullis::server {
namespace {

gate::Decision DecisionBy(policy::Outcome outcome, absl::string_view rule) {
  gate::Decision d;
  d.verdict.outcome = outcome;
  d.verdict.decided_by = {{std::string(rule), "why"}};
  return d;
}

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

struct Fixture {
  metrics::Registry registry;
  std::unique_ptr<GateMetrics> metrics;
  Fixture() {
    auto created = GateMetrics::Create(registry, "1.2.3");
    REQUIRE(created.ok());
    metrics = *std::move(created);
  }
  std::string Render() { return registry.RenderText(); }
};

TEST_CASE("a tool gets its own label once its rules decided", "[metrics]") {
  Fixture f;
  f.metrics->OnEvaluated("refund", DecisionBy(policy::Outcome::kAllow, "r1"),
                         absl::Milliseconds(3));
  f.metrics->OnEvaluated("refund",
                         DecisionBy(policy::Outcome::kPendingApproval, "r2"),
                         absl::Milliseconds(1));
  // Errors and halts of a known tool keep its label.
  f.metrics->OnEvaluated("refund", absl::UnavailableError("disk"),
                         absl::Milliseconds(1));
  std::string m = f.Render();
  CHECK(Has(m,
            "portcullis_decisions_total{outcome=\"allow\",tool=\"refund\"} 1"));
  CHECK(Has(m,
            "portcullis_decisions_total{outcome=\"pending_approval\",tool="
            "\"refund\"} 1"));
  CHECK(Has(m,
            "portcullis_decisions_total{outcome=\"error\",tool=\"refund\"} 1"));
  CHECK(Has(m, "portcullis_evaluate_duration_seconds_count 3"));
  CHECK(Has(m, "portcullis_evaluate_duration_seconds_bucket{le=\"0.0025\"} 2"));
  CHECK(Has(m, "portcullis_build_info{version=\"1.2.3\"} 1"));
}

TEST_CASE("tools the policy does not declare are counted as other",
          "[metrics]") {
  Fixture f;
  f.metrics->OnEvaluated(
      "made_up",
      DecisionBy(policy::Outcome::kDeny, policy::kBuiltinNotAllowlisted),
      absl::ZeroDuration());
  f.metrics->OnEvaluated(
      "any", DecisionBy(policy::Outcome::kDeny, policy::kBuiltinUnknownTenant),
      absl::ZeroDuration());
  f.metrics->OnEvaluated("halted_tool",
                         DecisionBy(policy::Outcome::kDeny, "builtin:halted"),
                         absl::ZeroDuration());
  f.metrics->OnEvaluated("never_seen", absl::InvalidArgumentError("bad"),
                         absl::ZeroDuration());
  std::string m = f.Render();
  CHECK(
      Has(m, "portcullis_decisions_total{outcome=\"deny\",tool=\"other\"} 3"));
  CHECK(
      Has(m, "portcullis_decisions_total{outcome=\"error\",tool=\"other\"} 1"));
  for (const char* name : {"made_up", "\"any\"", "halted_tool", "never_seen"}) {
    CHECK(m.find(name) == std::string::npos);
  }
}

TEST_CASE("tool labels stop at kMaxToolLabels", "[metrics]") {
  Fixture f;
  for (size_t i = 0; i < GateMetrics::kMaxToolLabels + 50; ++i) {
    f.metrics->OnEvaluated("tool_" + std::to_string(i),
                           DecisionBy(policy::Outcome::kAllow, "r"),
                           absl::ZeroDuration());
  }
  std::string m = f.Render();
  CHECK(Has(m,
            "portcullis_decisions_total{outcome=\"allow\",tool=\"other\"} 50"));
  CHECK(m.find("tool=\"tool_" + std::to_string(GateMetrics::kMaxToolLabels) +
               "\"") == std::string::npos);
}

TEST_CASE("approvals, executions and refusals are counted with bounded labels",
          "[metrics]") {
  Fixture f;
  gate::Approval approve;
  gate::Approval deny;
  deny.verdict = gate::ApprovalVerdict::kDeny;
  f.metrics->OnApproved(approve, absl::OkStatus());
  f.metrics->OnApproved(deny, absl::OkStatus());
  f.metrics->OnApproved(approve, absl::PermissionDeniedError("bad signature"));
  f.metrics->SetConnectorNames({"payments"});
  gate::ToolCall called;
  called.called = true;
  called.connector = "payments";
  called.result = absl::UnavailableError("down");
  f.metrics->OnExecuted(absl::OkStatus(), nullptr);
  f.metrics->OnExecuted(absl::OkStatus(), &called);
  f.metrics->OnExecuted(absl::FailedPreconditionError("used"), nullptr);
  f.metrics->OnAccessDenied("Halt");
  f.metrics->OnAuthenticationFailed();
  f.metrics->OnPolicyReloadFailed();
  f.metrics->OnAppended(absl::Microseconds(300));
  f.metrics->OnGroupWritten(absl::Microseconds(200), 5);
  CHECK(Has(f.Render(), "portcullis_approvals_expired_total 0"));
  f.metrics->OnApprovalExpired();
  f.metrics->OnApprovalExpired();
  std::string m = f.Render();
  CHECK(Has(m, "portcullis_approvals_expired_total 2"));
  CHECK(Has(m, "portcullis_approvals_total{verdict=\"approve\"} 1"));
  CHECK(Has(m, "portcullis_approvals_total{verdict=\"deny\"} 1"));
  CHECK(Has(m, "portcullis_approvals_total{verdict=\"refused\"} 1"));
  CHECK(Has(m,
            "portcullis_executions_total{connector=\"none\",result=\"ok\"} 1"));
  CHECK(Has(m,
            "portcullis_executions_total{connector=\"payments\",result="
            "\"unavailable\"} 1"));
  CHECK(Has(m,
            "portcullis_executions_total{connector=\"none\",result="
            "\"failed_precondition\"} 1"));
  CHECK(
      Has(m, "portcullis_auth_failures_total{reason=\"permission_denied\"} 1"));
  CHECK(Has(m, "portcullis_auth_failures_total{reason=\"unauthenticated\"} 1"));
  CHECK(Has(m, "portcullis_policy_reload_failures_total 1"));
  CHECK(Has(m, "portcullis_ledger_append_duration_seconds_count 1"));
  CHECK(Has(m, "portcullis_ledger_sync_duration_seconds_count 1"));
  CHECK(Has(m, "portcullis_ledger_sync_group_entries_bucket{le=\"4\"} 0"));
  CHECK(Has(m, "portcullis_ledger_sync_group_entries_bucket{le=\"8\"} 1"));
}

TEST_CASE("a registry holds one set of Portcullis metrics", "[metrics]") {
  Fixture f;
  CHECK(absl::IsInvalidArgument(GateMetrics::Create(f.registry, "x").status()));
}

TEST_CASE(
    "executions are labelled by the connector's configured name and each "
    "connector's health is kept",
    "[metrics]") {
  Fixture f;
  f.metrics->SetConnectorNames({"helpdesk", "payments"});
  auto call = [](const std::string& connector, int http, absl::Time at) {
    gate::ToolCall c;
    c.called = true;
    c.connector = connector;
    gate::ToolResult answer;
    answer.http_status = http;
    c.result = answer;
    c.answered_at = at;
    return c;
  };
  absl::Time t0 = absl::FromUnixSeconds(1767528000);
  gate::ToolCall failed = call("payments", 502, t0);
  gate::ToolCall refused = call("payments", 404, t0 + absl::Seconds(1));
  gate::ToolCall fine = call("payments", 201, t0 + absl::Seconds(2));
  gate::ToolCall stranger = call("made-up", 200, t0);
  gate::ToolCall broken = call("helpdesk", 200, t0 + absl::Seconds(3));
  broken.result = absl::DeadlineExceededError("slow");
  f.metrics->OnExecuted(absl::OkStatus(), &failed);
  f.metrics->OnExecuted(absl::OkStatus(), &refused);
  f.metrics->OnExecuted(absl::OkStatus(), &fine);
  f.metrics->OnExecuted(absl::OkStatus(), &stranger);
  f.metrics->OnExecuted(absl::OkStatus(), &broken);
  std::string m = f.Render();
  CHECK(Has(m,
            "portcullis_executions_total{connector=\"payments\",result="
            "\"http_5xx\"} 1"));
  CHECK(Has(m,
            "portcullis_executions_total{connector=\"payments\",result="
            "\"http_4xx\"} 1"));
  CHECK(Has(m,
            "portcullis_executions_total{connector=\"payments\",result="
            "\"ok\"} 1"));
  CHECK(Has(m,
            "portcullis_executions_total{connector=\"other\",result="
            "\"ok\"} 1"));
  CHECK(Has(m,
            "portcullis_executions_total{connector=\"helpdesk\",result="
            "\"deadline_exceeded\"} 1"));
  CHECK(m.find("made-up") == std::string::npos);
  CHECK(m.find("connector=\"http\"") == std::string::npos);

  std::vector<GateMetrics::ConnectorHealth> health = f.metrics->Connectors();
  REQUIRE(health.size() == 2);  // the configured ones only
  CHECK(health[0].name == "helpdesk");
  CHECK(health[0].last_call_failed);
  CHECK(health[0].failed.at("deadline_exceeded") == 1);
  CHECK(health[0].last_failure == t0 + absl::Seconds(3));
  CHECK(health[1].name == "payments");
  CHECK(health[1].ok == 1);
  CHECK(health[1].failed.at("http_5xx") == 1);
  CHECK(health[1].failed.at("http_4xx") == 1);
  CHECK_FALSE(health[1].last_call_failed);  // its latest call succeeded
  CHECK(health[1].last_call == t0 + absl::Seconds(2));
  CHECK(health[1].last_failure == t0 + absl::Seconds(1));
}

TEST_CASE("a configured connector never called is listed as unused",
          "[metrics]") {
  Fixture f;
  f.metrics->SetConnectorNames({"payments"});
  f.metrics->OnExecuted(absl::OkStatus(), nullptr);  // the agent runs it
  std::vector<GateMetrics::ConnectorHealth> health = f.metrics->Connectors();
  REQUIRE(health.size() == 1);
  CHECK(health[0].ok == 0);
  CHECK(health[0].failed.empty());
  CHECK_FALSE(health[0].last_call.has_value());
}

}  // namespace
}  // namespace portcullis::server

namespace portcullis::server {
namespace {

TEST_CASE("a refusal at admission is observed with how long it took",
          "[metrics]") {
  Fixture f;
  f.metrics->OnAdmissionRefused(absl::Microseconds(300));
  std::string m = f.Render();
  CHECK(Has(m, "portcullis_admission_refused_total 1"));
  CHECK(Has(m, "portcullis_admission_refusal_seconds_count 1"));
  CHECK(Has(m, "portcullis_admission_refusal_seconds_bucket{le=\"0.0025\"} 1"));
}

TEST_CASE("decisions recorded after their caller's deadline are exported",
          "[metrics]") {
  Fixture f;
  CHECK(Has(f.Render(), "portcullis_decisions_after_deadline_total 0"));
  f.metrics->OnRecordedPastDeadline(2);
  CHECK(Has(f.Render(), "portcullis_decisions_after_deadline_total 2"));
}

}  // namespace
}  // namespace portcullis::server
