#include "gate/approval.h"

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
  return w.Release();
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
