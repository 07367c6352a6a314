#include "cli/activity_format.h"

#include <catch2/catch.hpp>

namespace portcullis::cli {
namespace {

v1::ActivityEvent Allowed() {
  v1::ActivityEvent e;
  e.set_tenant("al-noor");
  e.set_sequence(42);
  e.mutable_time()->set_seconds(1795000000);  // 2026-11-18T11:06:40Z
  e.mutable_time()->set_nanos(123456789);
  e.set_kind("action.evaluated");
  e.set_decision_id("0123456789abcdef0123456789abcdef");
  e.set_tool("reply");
  e.set_agent("bot");
  e.set_outcome("ALLOW");
  e.add_rule_ids("replies");
  e.add_rule_ids("hours");
  e.set_principal("agent-1");
  return e;
}

TEST_CASE("an activity event becomes one RFC 5424 message", "[activity]") {
  std::string m = SyslogMessage(Allowed(), {"gate-host", "4242"});
  CHECK(m ==
        "<110>1 2026-11-18T11:06:40.123456Z gate-host portcullis 4242 "
        "action.evaluated [portcullis@32473 tenant=\"al-noor\" seq=\"42\" "
        "decisionId=\"0123456789abcdef0123456789abcdef\" tool=\"reply\" "
        "agent=\"bot\" outcome=\"ALLOW\" rules=\"replies,hours\" "
        "principal=\"agent-1\"] action.evaluated al-noor#42 reply ALLOW by "
        "agent-1");
}

TEST_CASE("syslog severity follows the outcome", "[activity]") {
  v1::ActivityEvent e = Allowed();
  CHECK(SyslogSeverity(e) == 6);
  e.set_outcome("DENY");
  CHECK(SyslogSeverity(e) == 4);
  CHECK(SyslogMessage(e, {"h", "1"}).rfind("<108>1 ", 0) == 0);
  e.set_outcome("PERMISSION_DENIED");
  CHECK(SyslogSeverity(e) == 4);
  e.set_outcome("PENDING_APPROVAL");
  CHECK(SyslogSeverity(e) == 5);
  e.set_outcome("");
  e.set_kind("tenant.halted");
  CHECK(SyslogSeverity(e) == 5);
}

TEST_CASE("syslog structured data is escaped and stays on one line",
          "[activity]") {
  v1::ActivityEvent e = Allowed();
  e.set_principal("a\"b]c\\d\ne");
  e.set_request_id("");
  std::string m = SyslogMessage(e, {"", "-"});
  CHECK(m.find("principal=\"a\\\"b\\]c\\\\d?e\"") != std::string::npos);
  CHECK(m.find('\n') == std::string::npos);
  CHECK(m.find("requestId") == std::string::npos);  // empty: left out
  // The nil value stands in for an unknown host name.
  CHECK(m.find("Z - portcullis - action.evaluated ") != std::string::npos);
}

TEST_CASE("header fields are printable ASCII and bounded", "[activity]") {
  v1::ActivityEvent e = Allowed();
  e.set_kind(std::string(40, 'k'));
  std::string m = SyslogMessage(e, {"host name", "1"});
  CHECK(m.find(" host_name portcullis 1 " + std::string(32, 'k') + " [") !=
        std::string::npos);
}

TEST_CASE("octet counting frames a message with its length", "[activity]") {
  CHECK(OctetCounted("<110>1 - - - - - -") == "18 <110>1 - - - - - -");
  CHECK(OctetCounted("") == "0 ");
}

}  // namespace
}  // namespace portcullis::cli
