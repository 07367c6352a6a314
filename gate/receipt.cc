#include "gate/receipt.h"

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "crypto/key_file.h"

namespace portcullis::gate {
namespace {

constexpr absl::string_view kDomain("portcullis/receipt/v1\0", 22);

}  // namespace

std::string CanonicalReceiptMessage(const Receipt& r) {
  CanonicalWriter w;
  w.Fixed(kDomain);
  w.String(r.tenant);
  w.String(r.decision_id);
  w.String(r.action_digest);
  w.String(r.tool);
  w.String(r.idempotency_key);
  w.I64(absl::ToUnixNanos(r.executed_at));
  w.String(r.key_id);
  return w.Release();
}

void SignReceipt(Receipt& receipt, const crypto::SigningKey& key) {
  receipt.key_id = crypto::KeyId(key.verifying_key());
  receipt.signature = key.Sign(CanonicalReceiptMessage(receipt));
}

absl::Status VerifyReceipt(const Receipt& receipt,
                           const crypto::VerifyingKey& key) {
  std::string expected_id = crypto::KeyId(key);
  if (receipt.key_id != expected_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("the receipt names key ", receipt.key_id,
                     ", not this gate's key ", expected_id));
  }
  if (!key.Verify(CanonicalReceiptMessage(receipt), receipt.signature)) {
    return absl::PermissionDeniedError(
        "the receipt's signature does not verify: it was altered or not "
        "issued by this gate");
  }
  return absl::OkStatus();
}

}  // namespace portcullis::gate
