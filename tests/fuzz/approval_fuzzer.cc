// libFuzzer target: the approval statement verifier, as Approve does it.
// Arbitrary bytes are parsed as an ApproveRequest (binary, or JSON when
// they start with '{'); the statement goes through the codec
// (ApprovalFromProto), the shape check (ValidateApproval) and the Ed25519
// check against a fixed approver key. Invariants: a rejection has a
// message; what the key signs verifies; a statement that verifies stops
// verifying when its verdict, tenant or expiry changes.
#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "codec/approval_codec.h"
#include "gate/approval.h"
#include "portcullis/v1/gate.pb.h"
#include "tests/fuzz/fuzz_support.h"

namespace v1 = portcullis::v1;
namespace gate = portcullis::gate;
using portcullis::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::ApproveRequest request;
  if (!portcullis::fuzz::ParseRequest(
          {reinterpret_cast<const char*>(data), size}, &request)) {
    return 0;
  }
  auto approval = portcullis::codec::ApprovalFromProto(request.approval());
  if (!approval.ok()) {
    Check(!approval.status().message().empty());
    return 0;
  }
  absl::Status valid = gate::ValidateApproval(*approval);
  if (!valid.ok()) {
    Check(!valid.message().empty());
    return 0;
  }
  const portcullis::crypto::SigningKey& key = portcullis::fuzz::FixedKey();
  const bool verified = gate::VerifyApprovalSignature(
      *approval, request.signature(), key.verifying_key());

  // What the key signs verifies, whatever the fields hold.
  std::string signature = gate::SignApproval(*approval, key);
  Check(
      gate::VerifyApprovalSignature(*approval, signature, key.verifying_key()));
  if (!verified) return 0;

  // A verified statement binds its fields.
  gate::Approval flipped = *approval;
  flipped.verdict = flipped.verdict == gate::ApprovalVerdict::kApprove
                        ? gate::ApprovalVerdict::kDeny
                        : gate::ApprovalVerdict::kApprove;
  Check(!gate::VerifyApprovalSignature(flipped, request.signature(),
                                       key.verifying_key()));
  gate::Approval moved = *approval;
  moved.tenant += "x";
  Check(!gate::VerifyApprovalSignature(moved, request.signature(),
                                       key.verifying_key()));
  gate::Approval extended = *approval;
  extended.expires_at += absl::Seconds(1);
  Check(!gate::VerifyApprovalSignature(extended, request.signature(),
                                       key.verifying_key()));
  return 0;
}
