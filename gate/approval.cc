#include "gate/approval.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/identifiers.h"
#include "crypto/hash.h"

namespace portcullis::gate {
namespace {

constexpr absl::string_view kDomain("portcullis/approval/v1\0", 23);

absl::Status InField(absl::string_view field, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", s.message()));
}

}  // namespace

absl::Status ValidateApproval(const Approval& a) {
  if (absl::Status s = ValidateTenantId(a.tenant); !s.ok()) {
    return InField("approval.tenant", s);
  }
  if (absl::Status s = ValidateDecisionId(a.decision_id); !s.ok()) {
    return InField("approval.decision_id", s);
  }
  if (a.action_digest.size() != crypto::kDigestSize) {
    return absl::InvalidArgumentError(
        "approval.action_digest: must be the 32-byte digest of the action");
  }
  if (absl::Status s = ValidateAgentId(a.approver_id); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("approval.approver_id: ", s.message()));
  }
  if (a.comment.size() > kMaxCommentBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("approval.comment: ", a.comment.size(),
                     " bytes; the limit is ", kMaxCommentBytes));
  }
  if (!a.amendment.has_value()) return absl::OkStatus();
  const AmendmentProposal& p = *a.amendment;
  if (absl::Status s = ValidateToolName(p.tool); !s.ok()) {
    return InField("approval.amendment.tool", s);
  }
  if (p.rule.empty() || p.rule.size() > kMaxAmendmentRuleBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("approval.amendment.rule: one rule of 1 to ",
                     kMaxAmendmentRuleBytes, " bytes, found ", p.rule.size()));
  }
  if (p.rationale.empty() || p.rationale.size() > kMaxRationaleBytes ||
      std::any_of(p.rationale.begin(), p.rationale.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      })) {
    return absl::InvalidArgumentError(
        absl::StrCat("approval.amendment.rationale: one line of 1 to ",
                     kMaxRationaleBytes, " bytes without control characters"));
  }
  return absl::OkStatus();
}

std::string CanonicalApprovalMessage(const Approval& a) {
  CanonicalWriter w;
  w.Fixed(kDomain);
  w.String(a.tenant);
  w.String(a.decision_id);
  w.String(a.action_digest);
  w.Byte(a.verdict == ApprovalVerdict::kApprove ? 1 : 2);
  w.I64(absl::ToUnixNanos(a.expires_at));
  w.String(a.approver_id);
  w.String(a.comment);
  // Only a statement with an amendment has more: one without is encoded
  // exactly as before amendments existed.
  if (a.amendment.has_value()) {
    w.Byte(1);
    w.String(a.amendment->tool);
    w.String(a.amendment->rule);
    w.String(a.amendment->rationale);
  }
  return w.Release();
}

std::string ProposalId(const Approval& approval) {
  if (!approval.amendment.has_value()) return "";
  constexpr absl::string_view kAmendmentDomain("portcullis/amendment/v1\0", 24);
  crypto::Digest d = crypto::Blake2b256(
      absl::StrCat(kAmendmentDomain, CanonicalApprovalMessage(approval)));
  return crypto::ToHex(d).substr(0, 16);
}

std::string SignApproval(const Approval& approval,
                         const crypto::SigningKey& key) {
  return key.Sign(CanonicalApprovalMessage(approval));
}

bool VerifyApprovalSignature(const Approval& approval,
                             absl::string_view signature,
                             const crypto::VerifyingKey& key) {
  return key.Verify(CanonicalApprovalMessage(approval), signature);
}

}  // namespace portcullis::gate
