// Amendments: a rule an approver proposed with a verdict (docs/approvals.md,
// "Approvals that become policy"), written into the policy in force. The
// rule is parsed on its own first — it must be exactly one rule — then
// inserted at the end of the tool block it names, with a `from proposal
// "ID"` clause that makes every decision it takes part in cite the
// proposal, and the amended policy is compiled. Pure; thread-safe.
#ifndef PORTCULLIS_POLICY_AMENDMENT_H_
#define PORTCULLIS_POLICY_AMENDMENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "policy/compiled_policy.h"
#include "policy/compiler.h"

namespace portcullis::policy {

// The path that labels errors in the proposed rule's own text:
// "proposal:1:40: ...".
inline constexpr char kProposalPath[] = "proposal";

// One rule proposed for a tool of a tenant.
struct RuleProposal {
  std::string tenant;
  std::string tool;
  // One rule's source, `rule ID "DESCRIPTION" EFFECT [clauses]`, without a
  // `from proposal` clause (the amendment adds it).
  std::string rule;
  // Cited by the amended rule: `from proposal "ID"`.
  std::string proposal_id;
};

struct AmendResult {
  // Set exactly when `errors` is empty: the files given, with the one that
  // declares the tool amended (files[amended_file]).
  std::vector<SourceFile> files;
  size_t amended_file = 0;
  std::string rule_id;  // the proposed rule's id
  std::shared_ptr<const CompiledPolicy> policy;
  // Errors in the proposed rule are labelled kProposalPath with the line and
  // column in `rule`; others with the policy file's path.
  std::vector<Diagnostic> errors;
};

// Inserts the proposed rule into `sources` and compiles the result.
AmendResult AmendPolicy(absl::Span<const SourceFile> sources,
                        const RuleProposal& proposal);

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_AMENDMENT_H_
