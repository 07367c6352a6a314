// Authenticated encryption of ledger payloads: XChaCha20-Poly1305 (IETF)
// with a random 192-bit nonce per message, so nonces never need a counter
// and a reused key stays safe. Associated data is authenticated but not
// encrypted: callers bind the context (tenant, sequence) there, so a
// ciphertext moved elsewhere does not open. Thread-safe.
#ifndef PORTCULLIS_CRYPTO_AEAD_H_
#define PORTCULLIS_CRYPTO_AEAD_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secure_bytes.h"

namespace portcullis::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 24;
inline constexpr size_t kAeadTagSize = 16;
// What sealing adds to a plaintext.
inline constexpr size_t kAeadOverhead = kAeadNonceSize + kAeadTagSize;

// Encrypts `plaintext` under `key` (32 bytes; pass SecureBytes::view() or
// DerivedKey::view()) and returns
// nonce || ciphertext || tag. Returns InvalidArgument for a key of the
// wrong size.
absl::StatusOr<std::string> AeadSeal(absl::string_view key,
                                     absl::string_view plaintext,
                                     absl::string_view associated_data);

// Reverses AeadSeal. Returns InvalidArgument for a key of the wrong size
// and DataLoss when `sealed` is too short or does not authenticate under
// `key` and `associated_data` (wrong key, moved or modified ciphertext).
absl::StatusOr<std::string> AeadOpen(absl::string_view key,
                                     absl::string_view sealed,
                                     absl::string_view associated_data);

// AeadOpen into secure memory, for secrets: the plaintext never sits in an
// ordinary heap buffer.
absl::StatusOr<SecureBytes> AeadOpenSecure(absl::string_view key,
                                           absl::string_view sealed,
                                           absl::string_view associated_data);

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_AEAD_H_
