#include "cli/activity_format.h"

#include <unistd.h>

#include <climits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace portcullis::cli {
namespace {

constexpr size_t kMaxHostname = 255;
constexpr size_t kMaxMsgId = 32;

// RFC 5424's PRINTUSASCII (%d33-126) for header fields: anything else
// becomes '_'; empty becomes the nil value "-".
std::string HeaderField(absl::string_view value, size_t max) {
  std::string out;
  for (char c : value.substr(0, max)) {
    out.push_back(c >= 33 && c <= 126 ? c : '_');
  }
  return out.empty() ? "-" : out;
}

// A PARAM-VALUE: '"', '\' and ']' escaped with a backslash (6.3.3); control
// characters replaced, so the message stays on one line.
std::string ParamValue(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out.push_back('\\');
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  return out;
}

std::string Printable(absl::string_view value) {
  std::string out;
  for (char c : value) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  return out;
}

void Param(std::string& sd, absl::string_view name, absl::string_view value) {
  if (value.empty()) return;
  absl::StrAppend(&sd, " ", name, "=\"", ParamValue(value), "\"");
}

// A person's one-line summary, e.g. "action.evaluated a#7 reply ALLOW".
std::string Summary(const v1::ActivityEvent& event) {
  std::string text =
      absl::StrCat(event.kind(), " ", event.tenant(), "#", event.sequence());
  for (absl::string_view part :
       {absl::string_view(event.method()), absl::string_view(event.tool()),
        absl::string_view(event.outcome())}) {
    if (!part.empty()) absl::StrAppend(&text, " ", part);
  }
  if (!event.principal().empty()) {
    absl::StrAppend(&text, " by ", event.principal());
  }
  return Printable(text);
}

}  // namespace

SyslogOrigin LocalSyslogOrigin() {
  char name[HOST_NAME_MAX + 1] = {};
  SyslogOrigin origin;
  origin.hostname = ::gethostname(name, sizeof(name) - 1) == 0
                        ? HeaderField(name, kMaxHostname)
                        : "-";
  origin.procid = absl::StrCat(::getpid());
  return origin;
}

int SyslogSeverity(const v1::ActivityEvent& event) {
  const std::string& outcome = event.outcome();
  if (outcome == "DENY" || outcome == "FAILED" ||
      (!outcome.empty() && outcome != "ALLOW" && outcome != "SUCCEEDED" &&
       outcome != "PENDING_APPROVAL")) {
    return 4;  // warning
  }
  if (outcome == "PENDING_APPROVAL" || event.kind() == "tenant.halted" ||
      event.kind() == "tenant.resumed") {
    return 5;  // notice
  }
  return 6;  // informational
}

std::string SyslogMessage(const v1::ActivityEvent& event,
                          const SyslogOrigin& origin) {
  absl::Time time = absl::FromUnixSeconds(event.time().seconds()) +
                    absl::Nanoseconds(event.time().nanos());
  std::string sd = absl::StrCat("[", kSyslogSdId);
  Param(sd, "tenant", event.tenant());
  Param(sd, "seq", absl::StrCat(event.sequence()));
  Param(sd, "decisionId", event.decision_id());
  Param(sd, "requestId", event.request_id());
  Param(sd, "correlationId", event.correlation_id());
  Param(sd, "tool", event.tool());
  Param(sd, "agent", event.agent());
  Param(sd, "outcome", event.outcome());
  Param(sd, "rules", absl::StrJoin(event.rule_ids(), ","));
  Param(sd, "principal", event.principal());
  Param(sd, "method", event.method());
  sd.push_back(']');
  return absl::StrCat(
      "<", kSyslogFacility * 8 + SyslogSeverity(event), ">1 ",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone()), " ",
      HeaderField(origin.hostname, kMaxHostname), " portcullis ",
      HeaderField(origin.procid, 128), " ",
      HeaderField(event.kind(), kMaxMsgId), " ", sd, " ", Summary(event));
}

std::string OctetCounted(absl::string_view message) {
  return absl::StrCat(message.size(), " ", message);
}

}  // namespace portcullis::cli
