// Determinism end to end: a real daemon decides actions (rate limits, time
// windows, a cap, an approval, a rejection) at instants a fake clock sets;
// its ledger is exported as a recording and replayed. Against the policy
// that decided: nothing changes. Against an edited policy: exactly the
// expected flips, including one that only the candidate's own counters
// explain.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>

#include "cli/ledger_export.h"
#include "cli/replay_command.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/cli/replay_fixture.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/test_principal.h"

namespace portcullis::cli {
namespace {

constexpr char kRefunds[] = R"(
  tool refund_order {
    class write
    arg order_id: string
    rule refunds "refunds need the owner"
      approve by owner expires 24h
  }
}
)";

// ShopPolicy without its closing brace, plus refunds.
std::string PolicyWithRefunds(const std::string& version,
                              const std::string& cap) {
  std::string text = ShopPolicy(version, cap);
  text.erase(text.rfind('}'));
  return text + kRefunds;
}

class Gate {
 public:
  explicit Gate(const ReplayDir& dir) {
    std::ofstream(dir.Path("gate.yaml")) << "policy: shop.policy\n"
                                            "dataDir: data\n"
                                            "listen:\n"
                                            "  tcpAddress: 127.0.0.1:0\n"
                                            "  disableUnixSocket: true\n"
                                         << principal_.Yaml();
    auto config = config::LoadConfigFile(dir.Path("gate.yaml"));
    REQUIRE(config.ok());
    // Monday 2026-01-05, 08:30 UTC.
    clock_.Set(absl::FromCivil(absl::CivilMinute(2026, 1, 5, 8, 30),
                               absl::UTCTimeZone()));
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    stub_ = v1::Gate::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials()));
  }

  // Decides a coupon of `value` SAR at `hh:mm`.
  v1::Outcome Coupon(int hh, int mm, const std::string& value,
                     bool bogus = false) {
    v1::EvaluateRequest request = Request("create_coupon", hh, mm);
    auto& args = *request.mutable_action()->mutable_arguments();
    args["customer_id"].set_string_value("c-1");
    args["value"].mutable_money_value()->set_amount(value);
    args["value"].mutable_money_value()->set_currency("SAR");
    if (bogus) args["bogus"].set_bool_value(true);
    return Send(request);
  }

  v1::Outcome Refund(int hh, int mm) {
    v1::EvaluateRequest request = Request("refund_order", hh, mm);
    (*request.mutable_action()->mutable_arguments())["order_id"]
        .set_string_value("AN-1");
    return Send(request);
  }

  void Stop() { daemon_.reset(); }

 private:
  v1::EvaluateRequest Request(const std::string& tool, int hh, int mm) {
    clock_.Set(absl::FromCivil(absl::CivilMinute(2026, 1, 5, hh, mm),
                               absl::UTCTimeZone()));
    v1::EvaluateRequest request;
    request.mutable_action()->set_tenant("shop");
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool(tool);
    return request;
  }

  v1::Outcome Send(const v1::EvaluateRequest& request) {
    grpc::ClientContext context;
    principal_.Authorize(context);
    v1::EvaluateResponse response;
    grpc::Status s = stub_->Evaluate(&context, request, &response);
    if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      return v1::OUTCOME_UNSPECIFIED;
    }
    REQUIRE(s.ok());
    return response.decision().outcome();
  }

  testing::TestPrincipal principal_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> stub_;
};

// Runs the gate through a morning and exports its ledger.
void RecordMorning(ReplayDir& d) {
  d.Write("shop.policy", PolicyWithRefunds("1", "50"));
  Gate gate(d);
  CHECK(gate.Coupon(8, 30, "20") == v1::OUTCOME_DENY);  // before hours
  CHECK(gate.Coupon(9, 0, "20") == v1::OUTCOME_ALLOW);
  CHECK(gate.Coupon(9, 10, "40") == v1::OUTCOME_ALLOW);
  CHECK(gate.Coupon(9, 20, "10") == v1::OUTCOME_DENY);  // 2 an hour
  CHECK(gate.Coupon(9, 30, "60") == v1::OUTCOME_DENY);  // cap and rate
  CHECK(gate.Coupon(9, 40, "10", true) == v1::OUTCOME_UNSPECIFIED);
  CHECK(gate.Coupon(10, 5, "10") == v1::OUTCOME_ALLOW);  // 09:00 has left
  CHECK(gate.Refund(10, 15) == v1::OUTCOME_PENDING_APPROVAL);
  CHECK(gate.Coupon(18, 0, "10") == v1::OUTCOME_DENY);  // after hours
  gate.Stop();

  Captured c;
  REQUIRE(RunLedgerExport({d.Path("data"), "shop", 0, 0, "replay", ""}, c.io) ==
          kExitOk);
  INFO(c.err.str());
  d.Write("recording.jsonl", c.out.str());
  CHECK(c.err.str().find("exported 9 recorded actions") != std::string::npos);
}

TEST_CASE(
    "a ledger export replayed against the policy that decided gives every "
    "recorded decision, byte for byte the same each time",
    "[cli][replay][e2e]") {
  ReplayDir d;
  RecordMorning(d);
  Captured first, second;
  CHECK(RunReplay({d.Path("shop.policy"), d.Path("recording.jsonl")},
                  first.io) == kExitOk);
  INFO(first.out.str() + first.err.str());
  CHECK(first.out.str().find("replayed 9 actions") != std::string::npos);
  CHECK(first.out.str().find("0 changed") != std::string::npos);
  CHECK(RunReplay({d.Path("shop.policy"), d.Path("recording.jsonl")},
                  second.io) == kExitOk);
  CHECK(first.out.str() == second.out.str());
}

TEST_CASE(
    "a ledger export replayed against an edited policy shows the expected "
    "flips with the rules before and after",
    "[cli][replay][e2e]") {
  ReplayDir d;
  RecordMorning(d);
  d.Write("edited.policy", PolicyWithRefunds("2", "30"));
  Captured c;
  CHECK(RunReplay({d.Path("edited.policy"), d.Path("recording.jsonl")}, c.io) ==
        kExitFailed);
  const std::string out = c.out.str();
  INFO(out);
  CHECK(out.find("2 changed, 0 expected, 2 unexpected\n"
                 "  1 ALLOW → DENY\n"
                 "  1 DENY → ALLOW\n") != std::string::npos);
  // The 40 SAR coupon is now over the cap...
  CHECK(
      out.find("2026-01-05T09:10:00Z shop/create_coupon agent bot decision ") !=
      std::string::npos);
  CHECK(out.find("  before: ALLOW by coupons (policy 1)\n"
                 "  after:  DENY by coupon-cap\n") != std::string::npos);
  // ... so the candidate had one coupon fewer on its counter at 09:20.
  CHECK(out.find("2026-01-05T09:20:00Z shop/create_coupon") !=
        std::string::npos);
  CHECK(out.find("  before: DENY by coupon-rate (policy 1)\n"
                 "  after:  ALLOW by coupons\n") != std::string::npos);

  d.Write("expect.yaml",
          "changes:\n"
          "  - {before: OUTCOME_ALLOW, after: OUTCOME_DENY, "
          "decidedByAfter: [coupon-cap], note: the cap is 30 SAR now}\n"
          "  - {tool: create_coupon, before: OUTCOME_DENY, after: "
          "OUTCOME_ALLOW, note: room left by the lower cap}\n");
  Captured expected;
  CHECK(RunReplay({d.Path("edited.policy"), d.Path("recording.jsonl"),
                   d.Path("expect.yaml")},
                  expected.io) == kExitOk);
  CHECK(expected.out.str().find("OK: every change is expected") !=
        std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
