// What policy evaluation produces: the outcome, the rules that decided it and
// why, and the obligations that follow (approval requirements, the limit
// counters the action consumes). A deny is a Verdict, never an error.
// Plain values; thread-safe for concurrent const use.
#ifndef PORTCULLIS_POLICY_VERDICT_H_
#define PORTCULLIS_POLICY_VERDICT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "policy/decimal.h"

namespace portcullis::policy {

enum class Outcome { kAllow, kDeny, kPendingApproval };

// Returns "ALLOW", "DENY" or "PENDING_APPROVAL".
const char* OutcomeName(Outcome outcome);

// A rule that took part in a decision, as the policy author wrote it.
// Built-in rules (the default deny, the unattended-mode deny) have ids that
// start with "builtin:".
struct RuleCitation {
  std::string id;
  std::string description;
  // The amendment proposal the rule came from (`from proposal "ID"`,
  // docs/approvals.md); empty for other rules.
  std::string proposal;

  friend bool operator==(const RuleCitation&, const RuleCitation&) = default;
};

// After `after` has passed without a resolution, approvers holding one of
// `roles` may also approve.
struct Escalation {
  absl::Duration after;
  std::vector<std::string> roles;

  friend bool operator==(const Escalation&, const Escalation&) = default;
};

// One approval rule's demand: `quorum` distinct approvers, each holding at
// least one of `roles` (any approver of the tenant when `roles` is empty),
// within `expires_after` of the decision. A pending action needs every
// requirement of its Verdict satisfied.
struct ApprovalRequirement {
  std::string rule_id;
  std::vector<std::string> roles;
  int quorum = 1;
  absl::Duration expires_after;
  std::optional<Escalation> escalation;

  friend bool operator==(const ApprovalRequirement&,
                         const ApprovalRequirement&) = default;
};

// A limit counter that the action consumes once it is allowed: one event
// for rate limits, `amount` for spend limits. `counter` is a stable key
// naming the rule and its scope (for example the agent or an argument
// value); `window` is how long the event counts.
//
// When the counter belongs to a limit, `ceiling` says how much it may hold
// within its window: evaluation has checked it against this gate's own
// counters, and a shared CounterStore (gate/counter_store.h) checks it
// again against every replica's.
struct UsageCeiling {
  // The most the counter may hold with this charge added: events for a
  // rate limit (a charge without an amount is one event), the summed
  // amounts for a spend limit.
  Decimal max;
  // The limit rule, cited when a shared store refuses the charge, and the
  // reason it gives.
  RuleCitation rule;
  std::string reason;
  // The spend limit's currency; empty for a rate limit.
  std::string unit;

  friend bool operator==(const UsageCeiling&, const UsageCeiling&) = default;
};

struct UsageCharge {
  std::string counter;
  absl::Duration window;
  std::optional<Decimal> amount;
  std::optional<UsageCeiling> ceiling;

  friend bool operator==(const UsageCharge&, const UsageCharge&) = default;
};

struct Verdict {
  Outcome outcome = Outcome::kDeny;
  // The rules that decided the outcome: for DENY every matching deny (or
  // limit) rule, for PENDING_APPROVAL every matching approval rule, for
  // ALLOW the matching allow rules. Never empty.
  std::vector<RuleCitation> decided_by;
  // Sentences a person can act on, one per deciding rule.
  std::vector<std::string> reasons;
  // Set when outcome is kPendingApproval.
  std::vector<ApprovalRequirement> approvals;
  // Counters consumed when the action is allowed (now, or after approval).
  std::vector<UsageCharge> charges;
};

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_VERDICT_H_
