// Translation between the API's Approval and ExecutionReceipt and the gate
// core's. Pure functions; thread-safe.
#ifndef PORTCULLIS_SERVER_CODEC_APPROVAL_CODEC_H_
#define PORTCULLIS_SERVER_CODEC_APPROVAL_CODEC_H_

#include "absl/status/statusor.h"
#include "gate/approval.h"
#include "gate/receipt.h"
#include "portcullis/v1/gate.pb.h"

namespace portcullis::server {

// Returns InvalidArgument for an unspecified verdict or a missing expiry.
absl::StatusOr<gate::Approval> ApprovalFromProto(const v1::Approval& proto);
void ApprovalToProto(const gate::Approval& approval, v1::Approval* proto);

gate::Receipt ReceiptFromProto(const v1::ExecutionReceipt& proto);
void ReceiptToProto(const gate::Receipt& receipt, v1::ExecutionReceipt* proto);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_CODEC_APPROVAL_CODEC_H_
