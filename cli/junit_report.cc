#include "cli/junit_report.h"

#include "absl/strings/str_cat.h"
#include "cli/replay_text.h"

namespace portcullis::cli {
namespace {

using gate::replay::ChangedDecision;

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// The length of the UTF-8 sequence starting at text[i] that XML 1.0 may
// carry, or 0 when there is none.
size_t ValidSequence(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  unsigned char c = byte(i);
  if (c < 0x80) return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > text.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  bool shortest = (n == 2 && cp >= 0x80) || (n == 3 && cp >= 0x800) ||
                  (n == 4 && cp >= 0x10000);
  bool allowed = cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) &&
                 cp != 0xFFFE && cp != 0xFFFF;
  return shortest && allowed ? n : 0;
}

std::string Attribute(absl::string_view name, absl::string_view value) {
  return absl::StrCat(" ", name, "=\"", XmlEscape(value), "\"");
}

std::string ChangeCase(const ChangedDecision& change, absl::string_view input) {
  std::string title =
      absl::StrCat(ReplayOutcomeName(change.before.outcome), " → ",
                   ReplayOutcomeName(change.after.outcome));
  std::string detail =
      absl::StrCat("before: ", DescribeRecorded(change.before),
                   "\nafter: ", DescribeReplayed(change.after));
  for (const std::string& reason : change.after.reasons) {
    absl::StrAppend(&detail, "\nreason: ", reason);
  }
  std::string out = absl::StrCat(
      "    <testcase",
      Attribute("classname",
                absl::StrCat("replay.", change.tenant, ".", change.tool)),
      Attribute("name", absl::StrCat(input, ":", change.line, " ", title)),
      ">\n");
  if (change.expectation == 0) {
    absl::StrAppend(&out, "      <failure",
                    Attribute("message", absl::StrCat("unexpected: ", title)),
                    Attribute("type", "unexpected-change"), ">",
                    XmlEscape(detail), "</failure>\n");
  } else {
    absl::StrAppend(&out, "      <system-out>",
                    XmlEscape(absl::StrCat("expected by expectation ",
                                           change.expectation, "\n", detail)),
                    "</system-out>\n");
  }
  absl::StrAppend(&out, "    </testcase>\n");
  return out;
}

}  // namespace

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = ValidSequence(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    switch (text[i]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.append(text.data() + i, n);
    }
    i += n;
  }
  return out;
}

std::string ReplayJUnitXml(const gate::replay::ReplayReport& report,
                           absl::string_view input,
                           const gate::PolicySnapshot& policy) {
  const uint64_t tests = report.changed() + 1;
  const std::string counts =
      absl::StrCat(Attribute("tests", absl::StrCat(tests)),
                   Attribute("failures", absl::StrCat(report.unexpected())),
                   Attribute("errors", "0"));
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites",
      Attribute("name", "portcullis replay"), counts, ">\n  <testsuite",
      Attribute("name",
                absl::StrCat("replay of ", input, " against policy version ",
                             policy.version)),
      counts, Attribute("skipped", "0"), ">\n    <properties>\n");
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"policy.version", policy.version},
        {"policy.content_hash", policy.content_hash},
        {"actions", absl::StrCat(report.actions())}}) {
    absl::StrAppend(&out, "      <property", Attribute("name", name),
                    Attribute("value", value), "/>\n");
  }
  absl::StrAppend(&out, "    </properties>\n");
  for (const ChangedDecision& change : report.changes()) {
    out += ChangeCase(change, input);
  }
  absl::StrAppend(
      &out, "    <testcase", Attribute("classname", "replay"),
      Attribute("name", absl::StrCat(report.actions() - report.changed(),
                                     " decisions unchanged")),
      "/>\n  </testsuite>\n</testsuites>\n");
  return out;
}

}  // namespace portcullis::cli
