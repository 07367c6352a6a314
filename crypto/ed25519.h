// Ed25519 signatures: the gate signs execution receipts and checkpoints,
// approvers sign approvals. Every signed message is domain-separated by the
// caller ("portcullis/approval/v1", ...). Keys are immutable after creation,
// so both classes are thread-safe for concurrent const use.
#ifndef PORTCULLIS_CRYPTO_ED25519_H_
#define PORTCULLIS_CRYPTO_ED25519_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secure_bytes.h"

namespace portcullis::crypto {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

class VerifyingKey {
 public:
  // Returns InvalidArgument unless `bytes` is exactly 32 bytes.
  static absl::StatusOr<VerifyingKey> FromBytes(absl::string_view bytes);

  // Returns true when `signature` is a valid signature of `message`.
  bool Verify(absl::string_view message, absl::string_view signature) const;

  absl::string_view bytes() const {
    return {reinterpret_cast<const char*>(key_.data()), key_.size()};
  }

 private:
  VerifyingKey() = default;
  std::array<uint8_t, kEd25519PublicKeySize> key_{};
};

class SigningKey {
 public:
  // Returns a fresh key from the system CSPRNG.
  static SigningKey Generate();

  // Returns the key derived from a 32-byte seed; InvalidArgument otherwise.
  static absl::StatusOr<SigningKey> FromSeed(absl::string_view seed);

  SigningKey(SigningKey&&) noexcept = default;
  SigningKey& operator=(SigningKey&&) noexcept = default;

  // Returns the 64-byte signature of `message`.
  std::string Sign(absl::string_view message) const;

  const VerifyingKey& verifying_key() const { return public_key_; }

  // The 32-byte seed, for writing a key file. Secret: never log it.
  absl::string_view seed() const;

 private:
  SigningKey(SecureBytes secret, VerifyingKey public_key)
      : secret_(std::move(secret)), public_key_(public_key) {}

  SecureBytes secret_;  // libsodium's 64-byte secret key (seed || public).
  VerifyingKey public_key_;
};

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_ED25519_H_
