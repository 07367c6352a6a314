// How `portcullis activity tail` writes an activity event (issue 18): as a
// JSON line (protobuf's JSON mapping of portcullis.v1.ActivityEvent), or as
// an RFC 5424 syslog message for a SIEM's shipper, optionally framed by
// octet counting (RFC 6587) for syslog over TCP. Pure functions;
// thread-safe.
#ifndef PORTCULLIS_CLI_ACTIVITY_FORMAT_H_
#define PORTCULLIS_CLI_ACTIVITY_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "portcullis/v1/admin.pb.h"

namespace portcullis::cli {

// The syslog facility of every message: 13, "log audit" (RFC 5424 6.2.1).
inline constexpr int kSyslogFacility = 13;

// The SD-ID of the structured data element every message carries.
// 32473 is the private enterprise number RFC 5612 sets aside for
// documentation: Portcullis has none of its own.
inline constexpr char kSyslogSdId[] = "portcullis@32473";

// Where a syslog message says it comes from.
struct SyslogOrigin {
  std::string hostname;  // this machine's name; "-" when unknown
  std::string procid;    // the sending process's id; "-" when unknown
};

// This process: its host name (as gethostname gives it, cut to RFC 5424's
// printable ASCII and 255 characters) and its pid.
SyslogOrigin LocalSyslogOrigin();

// One RFC 5424 message, without a trailing newline:
//   <PRI>1 TIMESTAMP HOSTNAME portcullis PROCID KIND [portcullis@32473
//   tenant=".." seq=".." decisionId=".." ...] MESSAGE
// PRI is facility 13 with severity warning (4) for a DENY, a failed
// execution or a refusal, notice (5) for a halt, resume or pending approval,
// and informational (6) otherwise. TIMESTAMP is the entry's time in UTC with
// microseconds. MSGID is the entry's kind. Empty fields are left out of the
// structured data; values are escaped as RFC 5424 6.3.3 says and control
// characters become '?', so a message is always one line.
std::string SyslogMessage(const v1::ActivityEvent& event,
                          const SyslogOrigin& origin);

// `message` framed by octet counting (RFC 6587 3.4.1): "LEN SP MESSAGE".
std::string OctetCounted(absl::string_view message);

// The severity SyslogMessage gives `event` (0-7).
int SyslogSeverity(const v1::ActivityEvent& event);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_ACTIVITY_FORMAT_H_
