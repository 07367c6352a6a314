#include "gate/internal/decision_kernel.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace portcullis::gate::gate_internal {
namespace {

policy::Verdict Deny(policy::RuleCitation rule, std::string reason) {
  policy::Verdict verdict;
  verdict.outcome = policy::Outcome::kDeny;
  verdict.decided_by = {std::move(rule)};
  verdict.reasons = {std::move(reason)};
  return verdict;
}

// Charges an ALLOW's charges: to the shared store, which may refuse them
// (the verdict becomes a DENY and nothing is charged), then locally.
void Charge(const policy::Action& action, absl::Time now, Counters counters,
            policy::Verdict& verdict) {
  if (counters.shared != nullptr && !verdict.charges.empty()) {
    ChargeBatch batch{action.tenant, std::string(counters.batch_id), now,
                      verdict.charges};
    absl::StatusOr<ChargeOutcome> outcome = counters.shared->Charge(batch);
    if (!outcome.ok()) {
      verdict = Deny({std::string(kSharedCountersUnavailableRule),
                      std::string(kSharedCountersUnavailableDescription)},
                     "the limit counters shared with other replicas cannot "
                     "be reached, so nothing that charges a limit is allowed "
                     "until they can");
      return;
    }
    if (!outcome->charged) {
      const policy::UsageCharge& refused = verdict.charges[outcome->refused];
      // A store refuses only charges with a ceiling.
      policy::UsageCeiling ceiling =
          refused.ceiling.value_or(policy::UsageCeiling{});
      verdict =
          Deny(std::move(ceiling.rule),
               absl::StrCat(ceiling.reason, " (", outcome->usage_text, ")"));
      return;
    }
  }
  counters.local.Charge(verdict.charges, now);
}

}  // namespace

absl::StatusOr<policy::Verdict> Decide(const policy::CompiledPolicy& policy,
                                       const policy::Action& action,
                                       absl::Time now, Counters counters,
                                       StandingStep standing,
                                       std::vector<policy::RuleTrace>* trace) {
  absl::StatusOr<policy::Verdict> verdict =
      policy.Evaluate(action, now, counters.local, trace);
  if (!verdict.ok()) return verdict;
  if (verdict->outcome == policy::Outcome::kPendingApproval) {
    standing(*verdict);
  }
  if (verdict->outcome == policy::Outcome::kAllow) {
    Charge(action, now, counters, *verdict);
  }
  return verdict;
}

absl::StatusOr<policy::Verdict> Recheck(const policy::CompiledPolicy& policy,
                                        const policy::Action& action,
                                        absl::Time now, Counters counters) {
  absl::StatusOr<policy::Verdict> verdict =
      policy.Evaluate(action, now, counters.local);
  if (!verdict.ok()) return verdict;
  if (verdict->outcome != policy::Outcome::kDeny) {
    Charge(action, now, counters, *verdict);
  }
  return verdict;
}

void Uncharge(absl::string_view tenant,
              const std::vector<policy::UsageCharge>& charges, absl::Time at,
              Counters counters) {
  counters.local.Uncharge(charges, at);
  if (counters.shared != nullptr && !charges.empty()) {
    counters.shared
        ->Refund(ChargeBatch{std::string(tenant),
                             std::string(counters.batch_id), at, charges})
        .IgnoreError();
  }
}

}  // namespace portcullis::gate::gate_internal
