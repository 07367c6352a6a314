// Authenticated encryption of ledger payloads: XChaCha20-Poly1305 (IETF)
// with a random 192-bit nonce per message, so nonces never need a counter
// and a reused key stays safe. Associated data is authenticated but not
// encrypted: callers bind the context (tenant, sequence) there, so a
// ciphertext moved elsewhere does not open. Thread-safe.
#ifndef PORTCULLIS_CRYPTO_AEAD_H_
#define PORTCULLIS_CRYPTO_AEAD_H_

#include <atomic>
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

// Random nonces for a batch of seals, drawn from the CSPRNG in one call:
// each getrandom is a system call (about 1.4 µs on the development VM, a
// quarter of sealing a ledger payload), so the ledger draws one batch per
// group. Each nonce is handed out once; Take is thread-safe.
class NonceBatch {
 public:
  explicit NonceBatch(size_t count);
  NonceBatch(const NonceBatch&) = delete;
  NonceBatch& operator=(const NonceBatch&) = delete;

  // The next unused nonce (kAeadNonceSize bytes), or empty once all are
  // taken.
  absl::string_view Take();

 private:
  const std::string bytes_;
  std::atomic<size_t> next_{0};
};

// Encrypts `plaintext` under `key` (32 bytes; pass SecureBytes::view() or
// DerivedKey::view()) and returns
// nonce || ciphertext || tag, with a nonce taken from `nonces` when given
// and one is left, else drawn alone. Returns InvalidArgument for a key of
// the wrong size.
absl::StatusOr<std::string> AeadSeal(absl::string_view key,
                                     absl::string_view plaintext,
                                     absl::string_view associated_data,
                                     NonceBatch* nonces = nullptr);

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
