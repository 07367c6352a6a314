#include "cli/policy_commands.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

constexpr char kExample[] = PORTCULLIS_SOURCE_DIR "/examples/commerce.policy";

std::string WriteAction(const testing::TempDir& dir, const std::string& amount,
                        const std::string& currency = "SAR") {
  std::string path = dir.Sub("action.json");
  std::ofstream(path) << R"({"tenant": "al-noor", "agent": "support-bot",
    "tool": "create_coupon", "context": {"confidence": 0.95},
    "arguments": {"customer_id": {"stringValue": "c-77"},
      "value": {"moneyValue": {"amount": ")"
                      << amount << R"(", "currency": ")" << currency
                      << R"("}}}})";
  return path;
}

TEST_CASE("policy check passes the example policy", "[cli][policy]") {
  Captured c;
  CHECK(RunPolicyCheck({{kExample}}, c.io) == kExitOk);
  CHECK(c.out.str().find("ok: policy version 2026-11-21.1, 2 tenants") == 0);
}

TEST_CASE("policy check lists errors with their positions and exits 1",
          "[cli][policy]") {
  testing::TempDir dir;
  std::ofstream(dir.Sub("bad.policy"))
      << "policy \"p\" version \"1\"\ntenant \"t\" {\n  tool x {\n    arg v: "
         "monye\n  }\n}\n";
  Captured c;
  CHECK(RunPolicyCheck({{dir.Sub("bad.policy")}}, c.io) == kExitFailed);
  CHECK(c.out.str().find(dir.Sub("bad.policy") + ":4:") == 0);
  CHECK(c.out.str().find("1 error") != std::string::npos);
}

TEST_CASE("policy check exits 2 for paths it cannot read", "[cli][policy]") {
  testing::TempDir dir;
  Captured missing;
  CHECK(RunPolicyCheck({{dir.Sub("absent.policy")}}, missing.io) == kExitUsage);
  CHECK(missing.err.str().find("absent.policy") != std::string::npos);
  Captured none;
  CHECK(RunPolicyCheck({{}}, none.io) == kExitUsage);
}

TEST_CASE("policy explain shows the deciding rules at the given instant",
          "[cli][policy]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  Captured early;
  CHECK(RunPolicyExplain(
            {kExample, WriteAction(dir, "20.00"), "2026-11-22T08:59:00+03:00"},
            clock, early.io) == kExitOk);
  CHECK(early.out.str().find("decision: DENY") != std::string::npos);
  CHECK(early.out.str().find("coupon-hours") != std::string::npos);
  CHECK(early.out.str().find("action digest: ") != std::string::npos);

  Captured on_time;
  CHECK(RunPolicyExplain(
            {kExample, WriteAction(dir, "20.00"), "2026-11-22T09:00:00+03:00"},
            clock, on_time.io) == kExitOk);
  CHECK(on_time.out.str().find("decision: ALLOW") != std::string::npos);
  CHECK(on_time.out.str().find("[x] coupons") != std::string::npos);
}

// A recording of `n` coupons of `value` SAR for customer c-77 on
// 2026-11-22 from 09:00 (+03:00), a minute apart, recorded as allowed;
// and one of another shop's.
std::string WriteHistory(const testing::TempDir& dir, int n,
                         const std::string& value) {
  std::string path = dir.Sub("history.jsonl");
  std::ofstream out(path);
  for (int i = 0; i < n; ++i) {
    out << R"({"time": "2026-11-22T06:)" << (i < 10 ? "0" : "") << i
        << R"(:00Z", "action": {"tenant": "al-noor", "agent": "support-bot", )"
        << R"("tool": "create_coupon", "context": {"confidence": 0.95}, )"
        << R"("arguments": {"customer_id": {"stringValue": "c-77"}, )"
        << R"("value": {"moneyValue": {"amount": ")" << value
        << R"(", "currency": "SAR"}}}}, "decision": {"outcome": )"
        << R"("OUTCOME_ALLOW", "decidedBy": ["coupons"]}})"
        << "\n";
  }
  out << R"({"time": "2026-11-22T06:30:00Z", "action": {"tenant": "bayt", )"
      << R"("agent": "bot", "tool": "nothing", "arguments": {}}, "decision": )"
      << R"({"outcome": "OUTCOME_DENY", "decidedBy": )"
      << R"(["builtin:not-allowlisted"]}})"
      << "\n";
  return path;
}

TEST_CASE("policy explain with a history decides after the recorded actions",
          "[cli][policy]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  const std::string action = WriteAction(dir, "20.00");
  // 10 coupons of 50 SAR: c-77's 500 SAR a day is spent.
  const std::string history = WriteHistory(dir, 10, "50.00");
  Captured after;
  CHECK(
      RunPolicyExplain({kExample, action, "2026-11-22T10:00:00+03:00", history},
                       clock, after.io) == kExitOk);
  INFO(after.out.str());
  CHECK(after.out.str().find("decision: DENY") != std::string::npos);
  CHECK(after.out.str().find("500 SAR of 500 SAR per 1d used") !=
        std::string::npos);
  CHECK(after.out.str().find("history: 10 recorded actions of tenant "
                             "al-noor before it") != std::string::npos);
  // Only what was decided before --at counts.
  Captured earlier;
  CHECK(
      RunPolicyExplain({kExample, action, "2026-11-22T09:05:00+03:00", history},
                       clock, earlier.io) == kExitOk);
  CHECK(earlier.out.str().find("decision: ALLOW") != std::string::npos);
  CHECK(earlier.out.str().find("history: 5 recorded actions") !=
        std::string::npos);
  // Without a history the counters are empty.
  Captured alone;
  CHECK(RunPolicyExplain({kExample, action, "2026-11-22T10:00:00+03:00"}, clock,
                         alone.io) == kExitOk);
  CHECK(alone.out.str().find("decision: ALLOW") != std::string::npos);
  CHECK(alone.out.str().find("history:") == std::string::npos);
}

TEST_CASE("policy explain names the history line it cannot read",
          "[cli][policy]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::ofstream(dir.Sub("bad.jsonl")) << "{\"time\": 1}\n";
  Captured bad;
  CHECK(RunPolicyExplain({kExample, WriteAction(dir, "20.00"),
                          "2026-11-22T10:00:00+03:00", dir.Sub("bad.jsonl")},
                         clock, bad.io) == kExitUsage);
  CHECK(bad.err.str().find("bad.jsonl:1:") != std::string::npos);
  Captured missing;
  CHECK(RunPolicyExplain(
            {kExample, WriteAction(dir, "20.00"), "", dir.Sub("none.jsonl")},
            clock, missing.io) == kExitUsage);
}

TEST_CASE("policy explain rejects arguments that do not fit the tool",
          "[cli][policy]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  Captured c;
  CHECK(RunPolicyExplain({kExample, WriteAction(dir, "20.00", "USD"),
                          "2026-11-22T09:00:00+03:00"},
                         clock, c.io) == kExitFailed);
  CHECK(c.out.str().find("rejected: ") == 0);
  CHECK(c.out.str().find("SAR") != std::string::npos);
}

TEST_CASE("policy explain exits 2 on unreadable input", "[cli][policy]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  Captured no_flags;
  CHECK(RunPolicyExplain({"", "", ""}, clock, no_flags.io) == kExitUsage);
  Captured bad_time;
  CHECK(RunPolicyExplain({kExample, WriteAction(dir, "1"), "yesterday"}, clock,
                         bad_time.io) == kExitUsage);
  CHECK(bad_time.err.str().find("RFC 3339") != std::string::npos);
  std::ofstream(dir.Sub("junk.json")) << "{not json";
  Captured bad_json;
  CHECK(RunPolicyExplain({kExample, dir.Sub("junk.json"), ""}, clock,
                         bad_json.io) == kExitUsage);
  CHECK(bad_json.err.str().find("portcullis.v1.Action") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
