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
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gate/builtin_rules.h"
#include "gate/counter_store.h"
#include "gate/usage_counters.h"
#include "policy/action.h"
#include "policy/compiled_policy.h"
#include "policy/verdict.h"

namespace portcullis::gate::gate_internal {

// The limit counters a decision reads and charges: the tenant's own
// (`local`, this gate's projection of its ledger, which evaluation reads)
// and, when replicas share their limits, the CounterStore that shares them
// and the batch id naming this decision's charges there (the decision id).
struct Counters {
  UsageCounters& local;
  CounterStore* shared = nullptr;
  absl::string_view batch_id;
};

// Given a PENDING_APPROVAL verdict, may make it an ALLOW by a standing
// approval (gate::AllowByStanding) or leave it. Each caller knows its own
// standing approvals: the gate's tenant state, the recording's citation.
using StandingStep = absl::FunctionRef<void(policy::Verdict&)>;

// Decides `action` at `now` under `policy` with `counters`: evaluates
// against the local counters, hands a PENDING_APPROVAL verdict to
// `standing`, and charges the verdict's charges at `now` when the result
// is an ALLOW: to the shared store first, if any, then locally. A DENY or
// a PENDING_APPROVAL charges nothing (a pending action is charged when its
// approval is granted: Recheck). When `trace` is not null it receives how
// every rule fared.
//
// A shared store can turn the ALLOW into a DENY: one that cites the limit
// whose ceiling other replicas' charges leave no room under, or, when the
// store cannot be reached, kSharedCountersUnavailableRule (fail closed).
// Either way nothing is charged. A caller that took something for the
// ALLOW in `standing` gives it back when the verdict is no longer one.
//
// Returns the policy's error, with the counters untouched, when the action
// cannot be decided (InvalidArgument: its arguments do not fit the tool's
// declaration).
absl::StatusOr<policy::Verdict> Decide(
    const policy::CompiledPolicy& policy, const policy::Action& action,
    absl::Time now, Counters counters, StandingStep standing,
    std::vector<policy::RuleTrace>* trace = nullptr);

// Decides a pending `action` again at `now`, when its approval reaches
// quorum: hard limits of the policy hold even against approvals. Unless
// the verdict is a DENY, the approval stands and the verdict's charges are
// charged at `now` as Decide charges them (a verdict that still asks for
// approval is satisfied by the approval being granted), which a shared
// store can refuse as there. Returns the verdict; the caller undoes its
// charges (Uncharge) if the grant cannot be recorded. Errors as for
// Decide, with the counters untouched.
absl::StatusOr<policy::Verdict> Recheck(const policy::CompiledPolicy& policy,
                                        const policy::Action& action,
                                        absl::Time now, Counters counters);

// Takes back `charges`, charged by Decide or Recheck for `tenant` at `at`,
// when the decision could not be recorded: locally, and from the shared
// store. A shared store that cannot be reached keeps them until their
// window ends, which can only deny more, never allow more.
void Uncharge(absl::string_view tenant,
              const std::vector<policy::UsageCharge>& charges, absl::Time at,
              Counters counters);

}  // namespace portcullis::gate::gate_internal

#endif  // PORTCULLIS_GATE_INTERNAL_DECISION_KERNEL_H_
