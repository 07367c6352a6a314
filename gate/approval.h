// An Approval is an approver's signed statement on one pending decision:
// approve or deny, bound to the tenant, the decision and the exact action
// digest, valid until its own expiry. The signature is Ed25519 over a
// canonical, domain-separated encoding (docs/approvals.md), so no field
// can be changed and no approval moved to another tenant, decision or
// action. Plain values and pure functions; thread-safe.
#ifndef PORTCULLIS_GATE_APPROVAL_H_
#define PORTCULLIS_GATE_APPROVAL_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"

namespace portcullis::gate {

enum class ApprovalVerdict { kApprove, kDeny };

inline constexpr size_t kMaxCommentBytes = 1024;
inline constexpr size_t kMaxAmendmentRuleBytes = 4096;
inline constexpr size_t kMaxRationaleBytes = 200;

// A rule the approver proposes for the tenant's policy with the verdict
// (docs/approvals.md, "Approvals that become policy").
struct AmendmentProposal {
  std::string tool;       // the tool block it goes into
  std::string rule;       // one rule's source
  std::string rationale;  // one line

  friend bool operator==(const AmendmentProposal&,
                         const AmendmentProposal&) = default;
};

struct Approval {
  std::string tenant;
  std::string decision_id;
  std::string action_digest;  // 32 bytes
  ApprovalVerdict verdict = ApprovalVerdict::kApprove;
  absl::Time expires_at;  // the statement is void from this instant on
  std::string approver_id;
  std::string comment;
  std::optional<AmendmentProposal> amendment;
};

// Checks the statement's shape: ids, a 32-byte digest, comment length.
// Returns InvalidArgument naming the field.
absl::Status ValidateApproval(const Approval& approval);

// The bytes that are signed, domain tag "portcullis/approval/v1" included.
std::string CanonicalApprovalMessage(const Approval& approval);

// The id an approval's amendment is recorded and cited under: the first 8
// bytes of BLAKE2b-256 over "portcullis/amendment/v1" 0x00 and the
// statement's canonical encoding, as 16 lowercase hex characters. Empty
// without an amendment.
std::string ProposalId(const Approval& approval);

// Signs for an approver (the CLI and tests); returns the 64-byte signature.
std::string SignApproval(const Approval& approval,
                         const crypto::SigningKey& key);

// True when `signature` is the approver key's signature of `approval`.
bool VerifyApprovalSignature(const Approval& approval,
                             absl::string_view signature,
                             const crypto::VerifyingKey& key);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_APPROVAL_H_
