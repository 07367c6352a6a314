// A StandingApproval is an approver's signed statement that covers a
// bounded class of actions instead of one pending decision (issue 21):
// one tool of one tenant, argument constraints that every covered action
// must meet (`amount <= 100 SAR`, `customer_id == "c-77"`), a validity
// window and a number of uses. The signature is Ed25519 over a canonical,
// domain-separated encoding of every field (docs/approvals.md, "Standing
// approvals"), as for one-off approvals. A StandingRevocation ends one.
// Plain values and pure functions; thread-safe.
#ifndef PORTCULLIS_GATE_STANDING_APPROVAL_H_
#define PORTCULLIS_GATE_STANDING_APPROVAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "policy/action.h"
#include "policy/compiled_policy.h"
#include "policy/verdict.h"

namespace portcullis::gate {

// The wire values are part of the signed encoding: never renumber.
enum class ConstraintOp : uint8_t {
  kEq = 1,
  kNe = 2,
  kLt = 3,
  kLe = 4,
  kGt = 5,
  kGe = 6,
};

// "==", "!=", "<", "<=", ">", ">=".
const char* ConstraintOpText(ConstraintOp op);

// One condition on one typed argument of the tool.
struct StandingConstraint {
  std::string argument;
  ConstraintOp op = ConstraintOp::kEq;
  policy::Value value;

  friend bool operator==(const StandingConstraint&,
                         const StandingConstraint&) = default;
};

inline constexpr size_t kMaxStandingConstraints = 16;
inline constexpr uint32_t kMaxStandingUses = 100000;
inline constexpr size_t kMaxStandingIdLength = 63;
// The prefix of the rule id a decision allowed by a standing approval
// cites: "standing:<id>".
inline constexpr char kStandingCitationPrefix[] = "standing:";

struct StandingApproval {
  std::string tenant;
  std::string id;  // chosen by the approver; unique within the tenant
  std::string tool;
  std::vector<StandingConstraint> constraints;  // all must hold
  absl::Time not_before;  // covers actions decided in [not_before,
  absl::Time not_after;   //                            not_after)
  uint32_t max_uses = 0;  // 1..kMaxStandingUses
  std::string approver_id;
  std::string comment;

  friend bool operator==(const StandingApproval&,
                         const StandingApproval&) = default;
};

// Ends a standing approval before its window does.
struct StandingRevocation {
  std::string tenant;
  std::string id;
  std::string approver_id;
  std::string reason;
};

// A standing approval id is 1..63 characters of [a-z0-9-_], starting with
// [a-z0-9] (it becomes part of ledger citations and state keys).
absl::Status ValidateStandingId(absl::string_view id);

// Checks the statement's shape: ids, tool name, constraint count and
// argument names, a window that is not empty, 1..kMaxStandingUses uses, the
// comment's length. Returns InvalidArgument naming the field.
absl::Status ValidateStandingApproval(const StandingApproval& standing);
absl::Status ValidateStandingRevocation(const StandingRevocation& revocation);

// The bytes that are signed, domain tags "portcullis/standing/v1" and
// "portcullis/standing-revocation/v1" included.
std::string CanonicalStandingMessage(const StandingApproval& standing);
std::string CanonicalRevocationMessage(const StandingRevocation& revocation);

std::string SignStanding(const StandingApproval& standing,
                         const crypto::SigningKey& key);
bool VerifyStandingSignature(const StandingApproval& standing,
                             absl::string_view signature,
                             const crypto::VerifyingKey& key);
std::string SignRevocation(const StandingRevocation& revocation,
                           const crypto::SigningKey& key);
bool VerifyRevocationSignature(const StandingRevocation& revocation,
                               absl::string_view signature,
                               const crypto::VerifyingKey& key);

// Checks every constraint against the tool's declared arguments: the
// argument exists, the value has its type (money of its currency, a member
// of its enum), and ordering is used only on int and money. Returns
// InvalidArgument naming the constraint.
absl::Status CheckConstraintTypes(const StandingApproval& standing,
                                  const policy::ToolInfo& tool);

// True when every constraint holds for `action`'s arguments. An argument
// the action does not carry, or of another type, fails its constraint.
bool ConstraintsHold(const StandingApproval& standing,
                     const policy::Action& action);

// "amount <= 100 SAR", `customer_id == "c-77"`.
std::string DescribeConstraint(const StandingConstraint& constraint);

// True when an approver holding `roles` meets every requirement alone:
// each has quorum 1 and names one of `roles` (or none). A standing
// approval never satisfies a quorum above 1.
bool SatisfiesAlone(absl::Span<const std::string> roles,
                    absl::Span<const policy::ApprovalRequirement> required);

// The rule citation of a decision allowed by standing approval `id` of
// `approver`: "standing:<id>", "standing approval <id> by <approver>".
policy::RuleCitation StandingCitation(absl::string_view id,
                                      absl::string_view approver);

// Makes a PENDING_APPROVAL `verdict` an ALLOW by a standing approval:
// `citation` and `reason` come first, and the approvals it stood in for
// are dropped; the rules that asked for them stay cited, and the charges
// stay. The gate, shadow mode and replay all allow this way.
void AllowByStanding(policy::RuleCitation citation, std::string reason,
                     policy::Verdict& verdict);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_STANDING_APPROVAL_H_
