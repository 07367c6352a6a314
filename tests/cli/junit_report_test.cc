#include "cli/junit_report.h"

#include <catch2/catch.hpp>

namespace portcullis::cli {
namespace {

TEST_CASE("XmlEscape makes any text safe inside XML", "[cli][junit]") {
  CHECK(XmlEscape("plain text, ünïcode → ok") == "plain text, ünïcode → ok");
  CHECK(XmlEscape(R"(<a href="x">Tom & 'Jerry'</a>)") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;");
  CHECK(XmlEscape("tab\tnew\nline\rok") == "tab\tnew\nline\rok");
  // Control characters XML 1.0 cannot carry, even as references.
  CHECK(XmlEscape(std::string("a\0b\x01\x1b", 5)) ==
        "a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD\xEF\xBF\xBD");
  // Bytes that are not UTF-8: a stray continuation, a truncated sequence,
  // an overlong encoding, a surrogate, U+FFFE.
  CHECK(XmlEscape("\x80") == "\xEF\xBF\xBD");
  CHECK(XmlEscape("x\xE2\x82") == "x\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(XmlEscape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(XmlEscape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(XmlEscape("\xEF\xBF\xBE") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(XmlEscape("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");  // an emoji
}

TEST_CASE("a JUnit report escapes what comes from the policy and input",
          "[cli][junit]") {
  gate::replay::RecordedAction recorded;
  recorded.action.tenant = "shop";
  recorded.action.tool = "t";
  recorded.decision.outcome = gate::replay::ReplayOutcome::kAllow;
  recorded.decision.decided_by = {"ok"};
  gate::replay::ReplayedDecision after;
  after.outcome = gate::replay::ReplayOutcome::kDeny;
  after.decided_by = {{"cap", "caps <& >"}};
  after.reasons = {"amount > 50 & \"big\""};
  gate::replay::ReplayReport report;
  report.Add(1, recorded, after);
  gate::PolicySnapshot policy;
  policy.version = "v<1>";
  policy.content_hash = std::string(64, 'a');
  std::string xml = ReplayJUnitXml(report, "in&out.jsonl", policy);
  CHECK(xml.find("against policy version v&lt;1&gt;") != std::string::npos);
  CHECK(xml.find("name=\"in&amp;out.jsonl:1 ALLOW → DENY\"") !=
        std::string::npos);
  CHECK(xml.find("reason: amount &gt; 50 &amp; &quot;big&quot;</failure>") !=
        std::string::npos);
  CHECK(xml.find("name=\"0 decisions unchanged\"") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
