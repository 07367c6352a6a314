#include "policy/internal/verdict_builder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/builtin_rules.h"
#include "policy/internal/literals.h"
#include "policy/internal/quote.h"

namespace portcullis::policy::policy_internal {
RuleCitation Cite(const Rule& rule) {
  return RuleCitation{rule.id, rule.description, rule.proposal};
}

std::string DescribeApproval(const ApprovalRequirement& approval) {
  std::string out = absl::StrCat("approval by ",
                                 approval.roles.empty()
                                     ? std::string("anyone")
                                     : absl::StrJoin(approval.roles, " or "),
                                 " (quorum ", approval.quorum, ") within ",
                                 DurationText(approval.expires_after));
  if (approval.escalation.has_value()) {
    absl::StrAppend(&out, ", escalating after ",
                    DurationText(approval.escalation->after), " to ",
                    absl::StrJoin(approval.escalation->roles, " or "));
  }
  return out;
}

Verdict VerdictBuilder::BuiltinDeny(absl::string_view id,
                                    absl::string_view description,
                                    std::string reason,
                                    std::vector<RuleTrace>* trace) {
  Verdict verdict;
  verdict.outcome = Outcome::kDeny;
  verdict.decided_by.push_back(
      RuleCitation{std::string(id), std::string(description)});
  if (trace != nullptr)
    trace->push_back(RuleTrace{std::string(id), true, reason});
  verdict.reasons.push_back(std::move(reason));
  return verdict;
}

Verdict VerdictBuilder::Finish(const Action& action,
                               std::vector<RuleTrace>* trace) && {
  if (!denies_.empty()) {
    Verdict verdict;
    verdict.outcome = Outcome::kDeny;
    verdict.decided_by.reserve(denies_.size());
    verdict.reasons.reserve(denies_.size());
    for (auto& [rule, reason] : denies_) {
      verdict.decided_by.push_back(Cite(*rule));
      verdict.reasons.push_back(std::move(reason));
    }
    return verdict;
  }
  if (!approvals_.empty()) return std::move(*this).FinishPending(action, trace);
  if (!allows_.empty()) {
    Verdict verdict;
    verdict.outcome = Outcome::kAllow;
    verdict.decided_by.reserve(allows_.size());
    verdict.reasons.reserve(allows_.size());
    for (const Rule* rule : allows_) {
      verdict.decided_by.push_back(Cite(*rule));
      verdict.reasons.push_back(rule->description);
    }
    verdict.charges = std::move(charges_);
    return verdict;
  }
  return BuiltinDeny(kBuiltinDefaultDeny, kBuiltinDefaultDenyDescription,
                     absl::StrCat("no rule allows tool ", action.tool,
                                  " for tenant ", action.tenant),
                     trace);
}

Verdict VerdictBuilder::FinishPending(const Action& action,
                                      std::vector<RuleTrace>* trace) && {
  Verdict verdict;
  bool unattended = action.context.run_mode == RunMode::kUnattended;
  verdict.outcome = unattended ? Outcome::kDeny : Outcome::kPendingApproval;
  verdict.decided_by.reserve(approvals_.size() + 1);
  verdict.reasons.reserve(approvals_.size() + 1);
  for (const Rule* rule : approvals_) {
    verdict.decided_by.push_back(Cite(*rule));
    verdict.reasons.push_back(absl::StrCat(rule->description, ": needs ",
                                           DescribeApproval(rule->approval)));
    if (!unattended) verdict.approvals.push_back(rule->approval);
  }
  if (!unattended) {
    verdict.charges = std::move(charges_);
    return verdict;
  }
  std::string reason =
      "the action needs approval, but the run is unattended and no one can "
      "approve it";
  verdict.decided_by.push_back(
      RuleCitation{std::string(kBuiltinUnattended),
                   std::string(kBuiltinUnattendedDescription)});
  if (trace != nullptr) {
    trace->push_back(RuleTrace{std::string(kBuiltinUnattended), true, reason});
  }
  verdict.reasons.push_back(std::move(reason));
  return verdict;
}

}  // namespace portcullis::policy::policy_internal
