// VerdictBuilder collects what the rules said about one action and combines
// it into a Verdict: any deny (or exceeded limit) wins; otherwise any
// approval demand makes the action PENDING_APPROVAL (or DENY when the run
// is unattended); otherwise any allow makes it ALLOW; otherwise the built-in
// default deny decides. Not thread-safe; one per evaluation.
#ifndef PORTCULLIS_POLICY_INTERNAL_VERDICT_BUILDER_H_
#define PORTCULLIS_POLICY_INTERNAL_VERDICT_BUILDER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "policy/action.h"
#include "policy/compiled_policy.h"
#include "policy/internal/rule.h"
#include "policy/verdict.h"

namespace portcullis::policy::policy_internal {

class VerdictBuilder {
 public:
  // Rules must outlive the builder.
  void Allow(const Rule& rule) { allows_.push_back(&rule); }
  void Deny(const Rule& rule, std::string reason) {
    denies_.emplace_back(&rule, std::move(reason));
  }
  void RequireApproval(const Rule& rule) { approvals_.push_back(&rule); }
  void Charge(UsageCharge charge) { charges_.push_back(std::move(charge)); }

  // Combines what was collected. Appends the built-in rule that decided, if
  // any, to `trace` when it is not null.
  Verdict Finish(const Action& action, std::vector<RuleTrace>* trace) &&;

  // A DENY decided by one built-in rule alone.
  static Verdict BuiltinDeny(absl::string_view id,
                             absl::string_view description, std::string reason,
                             std::vector<RuleTrace>* trace);

 private:
  Verdict FinishPending(const Action& action, std::vector<RuleTrace>* trace) &&;

  absl::InlinedVector<const Rule*, 4> allows_;
  absl::InlinedVector<const Rule*, 4> approvals_;
  absl::InlinedVector<std::pair<const Rule*, std::string>, 2> denies_;
  std::vector<UsageCharge> charges_;
};

// How a verdict cites `rule`.
RuleCitation Cite(const Rule& rule);

// "approval by owner (quorum 1) within 24h" for one requirement.
std::string DescribeApproval(const ApprovalRequirement& approval);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_VERDICT_BUILDER_H_
