// The decision kernel (issue 20): the one place where a policy's verdict
// and a tenant's limit counters meet. Live evaluation (Gate), the re-check
// when an approval is granted (ApprovalDesk), shadow mode (ShadowPolicy)
// and offline replay (replay::Replayer) all decide through these two
// functions, so CI replay charges exactly as production does.
//
// Plain functions, no locks: `usage` belongs to the caller, who holds
// whatever lock guards it (the gate's tenant lock, the shadow's counter
// lock) for the whole call, which makes check-and-charge atomic.
#ifndef PORTCULLIS_GATE_INTERNAL_DECISION_KERNEL_H_
#define PORTCULLIS_GATE_INTERNAL_DECISION_KERNEL_H_

#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gate/usage_counters.h"
#include "policy/action.h"
#include "policy/compiled_policy.h"
#include "policy/verdict.h"

namespace portcullis::gate::gate_internal {

// Given a PENDING_APPROVAL verdict, may make it an ALLOW by a standing
// approval (gate::AllowByStanding) or leave it. Each caller knows its own
// standing approvals: the gate's tenant state, the recording's citation.
using StandingStep = absl::FunctionRef<void(policy::Verdict&)>;

// Decides `action` at `now` under `policy` with `usage`: evaluates, hands
// a PENDING_APPROVAL verdict to `standing`, and charges the verdict's
// charges to `usage` at `now` when the result is an ALLOW. A DENY or a
// PENDING_APPROVAL charges nothing (a pending action is charged when its
// approval is granted: Recheck). When `trace` is not null it receives how
// every rule fared.
//
// Returns the policy's error, with `usage` untouched, when the action
// cannot be decided (InvalidArgument: its arguments do not fit the tool's
// declaration).
absl::StatusOr<policy::Verdict> Decide(
    const policy::CompiledPolicy& policy, const policy::Action& action,
    absl::Time now, UsageCounters& usage, StandingStep standing,
    std::vector<policy::RuleTrace>* trace = nullptr);

// Decides a pending `action` again at `now`, when its approval reaches
// quorum: hard limits of the policy hold even against approvals. Unless
// the verdict is a DENY, the approval stands and the verdict's charges are
// charged to `usage` at `now` (a verdict that still asks for approval is
// satisfied by the approval being granted). Returns the verdict; the
// caller undoes its charges (UsageCounters::Uncharge) if the grant cannot
// be recorded. Errors as for Decide, with `usage` untouched.
absl::StatusOr<policy::Verdict> Recheck(const policy::CompiledPolicy& policy,
                                        const policy::Action& action,
                                        absl::Time now, UsageCounters& usage);

}  // namespace portcullis::gate::gate_internal

#endif  // PORTCULLIS_GATE_INTERNAL_DECISION_KERNEL_H_
