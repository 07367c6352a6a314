// Key derivation: subkeys of a master key (libsodium's crypto_kdf, a
// BLAKE2b construction with an 8-byte context and a 64-bit subkey id) and
// keyed BLAKE2b-256 for deriving keys bound to longer inputs (a tenant id,
// a random per-tenant secret, a sequence number). Derived keys live in
// secure memory. Thread-safe.
#ifndef PORTCULLIS_CRYPTO_KDF_H_
#define PORTCULLIS_CRYPTO_KDF_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secure_bytes.h"

namespace portcullis::crypto {

inline constexpr size_t kKdfKeySize = 32;
inline constexpr size_t kKdfContextSize = 8;

// Returns the 32-byte subkey `subkey_id` of `master` (32 bytes) under
// `context` (exactly 8 bytes, e.g. "pcltenan"). Returns InvalidArgument
// for a master key or context of the wrong size.
absl::StatusOr<SecureBytes> DeriveSubkey(const SecureBytes& master,
                                         uint64_t subkey_id,
                                         absl::string_view context);

// Returns keyed BLAKE2b-256(key, message) in secure memory: a PRF, used to
// derive a key from another key and public inputs. Returns InvalidArgument
// unless `key` is 16..64 bytes.
absl::StatusOr<SecureBytes> KeyedHash(absl::string_view key,
                                      absl::string_view message);

// A 32-byte derived key on the stack, for hot paths where SecureBytes (one
// guarded mapping per allocation) would cost more than the cryptography.
// Wiped when destroyed. Not copyable; not thread-safe.
class DerivedKey {
 public:
  DerivedKey() = default;
  ~DerivedKey();
  DerivedKey(const DerivedKey&) = delete;
  DerivedKey& operator=(const DerivedKey&) = delete;

  absl::string_view view() const {
    return {reinterpret_cast<const char*>(bytes_), sizeof(bytes_)};
  }
  uint8_t* data() { return bytes_; }

 private:
  alignas(16) uint8_t bytes_[32] = {};
};

// KeyedHash into a DerivedKey. InvalidArgument as KeyedHash.
absl::Status KeyedHashInto(absl::string_view key, absl::string_view message,
                           DerivedKey& out);

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_KDF_H_
