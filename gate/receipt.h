// A Receipt is the gate's signed proof that a grant was consumed for
// exactly one action. A downstream tool server verifies it with the gate's
// public key before acting (docs/receipts.md). Ed25519 over a canonical,
// domain-separated encoding ("portcullis/receipt/v1"). Plain values and
// pure functions; thread-safe.
#ifndef PORTCULLIS_GATE_RECEIPT_H_
#define PORTCULLIS_GATE_RECEIPT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"

namespace portcullis::gate {

struct Receipt {
  std::string tenant;
  std::string decision_id;
  std::string action_digest;  // 32 bytes
  std::string tool;
  std::string idempotency_key;
  absl::Time executed_at;
  std::string key_id;     // crypto::KeyId of the signing key
  std::string signature;  // 64 bytes
  // Where the execution is recorded. Not signed: the receipt is signed
  // before the entry exists.
  uint64_t ledger_sequence = 0;
};

// The signed bytes: every field but the signature and the ledger sequence.
std::string CanonicalReceiptMessage(const Receipt& receipt);

// Sets key_id and signature.
void SignReceipt(Receipt& receipt, const crypto::SigningKey& key);

// Returns OK when `key` signed `receipt`; PermissionDenied naming what is
// wrong (another key, an altered receipt) otherwise.
absl::Status VerifyReceipt(const Receipt& receipt,
                           const crypto::VerifyingKey& key);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_RECEIPT_H_
