// Text for people about one decision: what was decided, which rules decided
// it and why, what it demands (approvals) and consumes (limit counters),
// and how every rule fared. `portcullis policy explain` prints it; it is
// also fit for logs. Pure; thread-safe.
#ifndef PORTCULLIS_POLICY_EXPLAIN_H_
#define PORTCULLIS_POLICY_EXPLAIN_H_

#include <string>

#include "absl/types/span.h"
#include "policy/action.h"
#include "policy/compiled_policy.h"
#include "policy/verdict.h"

namespace portcullis::policy {

// Formats `verdict` for `action`, with `trace` as filled by
// CompiledPolicy::Evaluate (may be empty). Ends with a newline. Untrusted
// text from the action is quoted and escaped.
std::string FormatExplanation(const Action& action, const Verdict& verdict,
                              absl::Span<const RuleTrace> trace);

// One line per approval requirement: "refunds: approval by owner
// (quorum 1) within 24h".
std::string FormatApproval(const ApprovalRequirement& approval);

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_EXPLAIN_H_
