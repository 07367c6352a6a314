#include "gate/internal/decision_kernel.h"

namespace portcullis::gate::gate_internal {

absl::StatusOr<policy::Verdict> Decide(const policy::CompiledPolicy& policy,
                                       const policy::Action& action,
                                       absl::Time now, UsageCounters& usage,
                                       StandingStep standing,
                                       std::vector<policy::RuleTrace>* trace) {
  absl::StatusOr<policy::Verdict> verdict =
      policy.Evaluate(action, now, usage, trace);
  if (!verdict.ok()) return verdict;
  if (verdict->outcome == policy::Outcome::kPendingApproval) {
    standing(*verdict);
  }
  if (verdict->outcome == policy::Outcome::kAllow) {
    usage.Charge(verdict->charges, now);
  }
  return verdict;
}

absl::StatusOr<policy::Verdict> Recheck(const policy::CompiledPolicy& policy,
                                        const policy::Action& action,
                                        absl::Time now, UsageCounters& usage) {
  absl::StatusOr<policy::Verdict> verdict = policy.Evaluate(action, now, usage);
  if (!verdict.ok()) return verdict;
  if (verdict->outcome != policy::Outcome::kDeny) {
    usage.Charge(verdict->charges, now);
  }
  return verdict;
}

}  // namespace portcullis::gate::gate_internal
