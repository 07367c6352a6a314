#include "policy/explain.h"

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "policy/internal/literals.h"
#include "policy/internal/quote.h"
#include "policy/internal/value_text.h"
#include "policy/internal/verdict_builder.h"

namespace portcullis::policy {

using policy_internal::Quote;

std::string FormatApproval(const ApprovalRequirement& approval) {
  return absl::StrCat(approval.rule_id, ": ",
                      policy_internal::DescribeApproval(approval));
}

std::string FormatExplanation(const Action& action, const Verdict& verdict,
                              absl::Span<const RuleTrace> trace) {
  std::string out =
      absl::StrCat("action: tenant ", Quote(action.tenant), ", tool ",
                   Quote(action.tool), ", agent ", Quote(action.agent), "\n");
  for (const auto& [name, value] : action.arguments) {
    absl::StrAppend(&out, "  args.",
                    ValidateArgumentName(name).ok() ? name : Quote(name), " = ",
                    policy_internal::FormatValue(value), "\n");
  }
  absl::StrAppend(&out, "decision: ", OutcomeName(verdict.outcome), "\n");
  absl::StrAppend(&out, "decided by:\n");
  for (size_t i = 0; i < verdict.decided_by.size(); ++i) {
    const RuleCitation& rule = verdict.decided_by[i];
    absl::StrAppend(&out, "  ", rule.id, " \"", rule.description, "\"",
                    rule.proposal.empty()
                        ? ""
                        : absl::StrCat(" (from proposal ", rule.proposal, ")"),
                    "\n");
    if (i < verdict.reasons.size()) {
      absl::StrAppend(&out, "    reason: ", verdict.reasons[i], "\n");
    }
  }
  if (!verdict.approvals.empty()) {
    absl::StrAppend(&out, "approvals required:\n");
    for (const ApprovalRequirement& approval : verdict.approvals) {
      absl::StrAppend(&out, "  ", FormatApproval(approval), "\n");
    }
  }
  if (!verdict.charges.empty()) {
    absl::StrAppend(&out, "counts against:\n");
    for (const UsageCharge& charge : verdict.charges) {
      absl::StrAppend(
          &out, "  ", charge.counter, " (",
          charge.amount.has_value() ? charge.amount->ToString() : "1", " for ",
          policy_internal::DurationText(charge.window), ")\n");
    }
  }
  if (!trace.empty()) {
    absl::StrAppend(&out, "rules:\n");
    for (const RuleTrace& rule : trace) {
      absl::StrAppend(&out, "  [", rule.matched ? "x" : " ", "] ", rule.rule_id,
                      ": ", rule.explanation, "\n");
    }
  }
  return out;
}

}  // namespace portcullis::policy
