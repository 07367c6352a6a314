// The rules the gate itself cites, beside the policy's own built-in rules
// (policy/builtin_rules.h): they stand for an operator's act or the
// gate's state, not for anything the policy says. Verdicts cite them like
// written rules; their ids start with "builtin:", which written rule ids
// may not. Constants; thread-safe.
#ifndef PORTCULLIS_GATE_BUILTIN_RULES_H_
#define PORTCULLIS_GATE_BUILTIN_RULES_H_

#include "absl/strings/string_view.h"

namespace portcullis::gate {

// The tenant, or the whole gate, is halted (the kill switch): DENY, and
// Execute fails. Replay keeps such a decision as recorded.
inline constexpr absl::string_view kHaltedRule = "builtin:halted";
inline constexpr absl::string_view kHaltedDescription =
    "a halted tenant's actions are denied until it is resumed";

// Halts made at the other replicas cannot be learnt (sharedState, the
// store unread for longer than kSharedHaltsMaxAge): DENY every action.
inline constexpr absl::string_view kSharedHaltsUnknownRule =
    "builtin:shared-halts-unknown";
inline constexpr absl::string_view kSharedHaltsUnknownDescription =
    "while halts made at the other replicas cannot be learnt, every action "
    "is denied";

// The action would charge a limit shared with the other replicas and
// their store cannot be reached: DENY.
inline constexpr absl::string_view kSharedCountersUnavailableRule =
    "builtin:shared-counters-unavailable";
inline constexpr absl::string_view kSharedCountersUnavailableDescription =
    "Limits shared with other replicas are charged in a store this gate "
    "cannot reach; nothing that would charge one is allowed until it can.";

// A pending action's approval deadline passed: DENY.
inline constexpr absl::string_view kApprovalExpiredRule =
    "builtin:approval-expired";
inline constexpr absl::string_view kApprovalExpiredDescription =
    "pending actions are denied when their approval deadline passes";

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_BUILTIN_RULES_H_
