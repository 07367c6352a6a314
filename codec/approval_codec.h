// Translation between the API's Approval and ExecutionReceipt and the gate
// core's. Pure functions; thread-safe.
#ifndef PORTCULLIS_CODEC_APPROVAL_CODEC_H_
#define PORTCULLIS_CODEC_APPROVAL_CODEC_H_

#include "absl/status/statusor.h"
#include "gate/approval.h"
#include "gate/receipt.h"
#include "gate/standing_approval.h"
#include "portcullis/v1/gate.pb.h"

namespace portcullis::codec {

// Returns InvalidArgument for an unspecified verdict or a missing expiry.
absl::StatusOr<gate::Approval> ApprovalFromProto(const v1::Approval& proto);
void ApprovalToProto(const gate::Approval& approval, v1::Approval* proto);

// Standing approvals (issue 21). FromProto: InvalidArgument naming the
// field for a missing timestamp, operator or value.
absl::StatusOr<gate::StandingApproval> StandingFromProto(
    const v1::StandingApproval& proto);
void StandingToProto(const gate::StandingApproval& standing,
                     v1::StandingApproval* proto);
gate::StandingRevocation RevocationFromProto(
    const v1::StandingRevocation& proto);
void RevocationToProto(const gate::StandingRevocation& revocation,
                       v1::StandingRevocation* proto);

gate::Receipt ReceiptFromProto(const v1::ExecutionReceipt& proto);
void ReceiptToProto(const gate::Receipt& receipt, v1::ExecutionReceipt* proto);

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_APPROVAL_CODEC_H_
