// The text `portcullis replay` prints for people: a summary of what changed
// by outcome ("2 ALLOW → DENY"), then each changed decision with the rules
// that decided before and after, then the verdict. Depends only on its
// arguments, so a replay prints the same bytes every time. Pure;
// thread-safe.
#ifndef PORTCULLIS_CLI_REPLAY_TEXT_H_
#define PORTCULLIS_CLI_REPLAY_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "gate/policy_snapshot.h"
#include "gate/replay/replay_report.h"

namespace portcullis::cli {

std::string FormatReplayText(const gate::replay::ReplayReport& report,
                             absl::string_view input,
                             const gate::PolicySnapshot& policy);

// "ALLOW by coupons, coupon-rate" or "REJECTED: <error>": a decision as
// recorded (rule ids only).
std::string DescribeRecorded(const gate::replay::RecordedDecision& decision);

// The candidate's decision: outcome and rule ids.
std::string DescribeReplayed(const gate::replay::ReplayedDecision& decision);

// "3 ALLOW → DENY" for a transition.
std::string DescribeTransition(const gate::replay::Transition& transition);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_REPLAY_TEXT_H_
