// JUnit XML from a replay, for CI systems' test reports (GitHub Actions
// reporters, GitLab's artifacts:reports:junit, Jenkins): one test case per
// changed decision, failing when no expectation accounts for it, and one
// passing case for all the decisions that did not change. Pure;
// thread-safe.
#ifndef PORTCULLIS_CLI_JUNIT_REPORT_H_
#define PORTCULLIS_CLI_JUNIT_REPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "gate/policy_snapshot.h"
#include "gate/replay/replay_report.h"

namespace portcullis::cli {

std::string ReplayJUnitXml(const gate::replay::ReplayReport& report,
                           absl::string_view input,
                           const gate::PolicySnapshot& policy);

// Escapes `text` for XML 1.0 character data and attribute values: & < > "
// and ' become entities; what XML 1.0 cannot carry (control characters
// other than tab, newline and carriage return, and bytes that are not
// UTF-8) becomes U+FFFD.
std::string XmlEscape(absl::string_view text);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_JUNIT_REPORT_H_
