// How a version 2 entry's payload is stored (docs/ledger.md, "Payload
// encryption"):
//
//   0x00 || plaintext                                      not sealed
//   0x01 || u32(key version) || commitment[32] ||
//           nonce[24] || ciphertext || tag[16]             sealed
//
// A sealed payload is XChaCha20-Poly1305 under a key of its own entry:
//
//   entry key  = keyed-BLAKE2b(tenant key v,
//                  "portcullis/ledger/entry-key/v1" 0x00 || u64(sequence))
//   commitment = BLAKE2b-256("portcullis/ledger/key-commitment/v1" 0x00 ||
//                  entry key)
//   associated = "portcullis/ledger/payload/v1" 0x00 || str(tenant) ||
//                u64(sequence) || u32(key version)
//
// The entry hash commits to these stored bytes, commitment included, so an
// export may disclose one entry's key to an auditor, who can then check
// that the plaintext shown is the one on the ledger without learning any
// other entry's key. Pure functions; thread-safe.
#ifndef PORTCULLIS_LEDGER_SEALED_PAYLOAD_H_
#define PORTCULLIS_LEDGER_SEALED_PAYLOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"

namespace portcullis::ledger {

struct StoredPayloadView {
  bool sealed = false;
  uint32_t key_version = 0;     // sealed only
  crypto::Digest commitment{};  // sealed only
  absl::string_view body;       // plaintext, or nonce || ciphertext || tag
};

// Splits a stored payload of an entry of `entry_version`. Version 1
// payloads are plaintext as stored. Returns DataLoss for a frame that does
// not parse.
absl::StatusOr<StoredPayloadView> ParseStoredPayload(uint8_t entry_version,
                                                     absl::string_view stored);

// The stored form of an unsealed payload: 0x00 || plaintext.
std::string FramePlainPayload(absl::string_view plaintext);

// Derives the entry key of `sequence` from a tenant key into `out`.
absl::Status DeriveEntryKey(absl::string_view tenant_key, uint64_t sequence,
                            crypto::DerivedKey& out);

crypto::Digest KeyCommitment(absl::string_view entry_key);

// Seals `plaintext` for entry (`tenant`, `sequence`) under `entry_key`,
// derived from key version `key_version`; returns the stored form. Takes
// its nonce from `nonces` when given (see crypto::NonceBatch).
absl::StatusOr<std::string> SealPayload(absl::string_view entry_key,
                                        uint32_t key_version,
                                        absl::string_view tenant,
                                        uint64_t sequence,
                                        absl::string_view plaintext,
                                        crypto::NonceBatch* nonces = nullptr);

// Opens a sealed stored payload with its entry key. Returns DataLoss when
// the key does not match the commitment or the ciphertext does not
// authenticate for (`tenant`, `sequence`), InvalidArgument when `stored`
// is not sealed.
absl::StatusOr<std::string> OpenPayload(absl::string_view entry_key,
                                        absl::string_view tenant,
                                        uint64_t sequence,
                                        absl::string_view stored);

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_SEALED_PAYLOAD_H_
