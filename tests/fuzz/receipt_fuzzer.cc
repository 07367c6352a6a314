// libFuzzer target: receipt verification, as `portcullis receipt verify`
// and a downstream tool server do it. Arbitrary bytes are parsed as an
// ExecutionReceipt (JSON when they start with '{', as the CLI reads it;
// binary otherwise), converted (ReceiptFromProto) and checked against the
// fixed gate key (VerifyReceipt). Invariants: a refusal has a message; a
// receipt the key signs verifies, and stops verifying when a signed field
// changes.
#include <cstddef>
#include <cstdint>

#include "codec/approval_codec.h"
#include "gate/receipt.h"
#include "portcullis/v1/gate.pb.h"
#include "tests/fuzz/fuzz_support.h"

namespace v1 = portcullis::v1;
namespace gate = portcullis::gate;
using portcullis::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::ExecutionReceipt proto;
  if (!portcullis::fuzz::ParseRequest(
          {reinterpret_cast<const char*>(data), size}, &proto)) {
    return 0;
  }
  gate::Receipt receipt = portcullis::codec::ReceiptFromProto(proto);
  const portcullis::crypto::SigningKey& key = portcullis::fuzz::FixedKey();
  absl::Status verified = gate::VerifyReceipt(receipt, key.verifying_key());
  if (!verified.ok()) Check(!verified.message().empty());

  gate::Receipt signed_receipt = receipt;
  gate::SignReceipt(signed_receipt, key);
  Check(gate::VerifyReceipt(signed_receipt, key.verifying_key()).ok());

  gate::Receipt altered = signed_receipt;
  altered.tool += "x";
  Check(!gate::VerifyReceipt(altered, key.verifying_key()).ok());
  altered = signed_receipt;
  altered.idempotency_key += "x";
  Check(!gate::VerifyReceipt(altered, key.verifying_key()).ok());
  return 0;
}
