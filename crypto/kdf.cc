#include "crypto/kdf.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "crypto/internal/sodium_init.h"

namespace portcullis::crypto {

static_assert(crypto_kdf_KEYBYTES == kKdfKeySize);
static_assert(crypto_kdf_CONTEXTBYTES == kKdfContextSize);

absl::StatusOr<SecureBytes> DeriveSubkey(const SecureBytes& master,
                                         uint64_t subkey_id,
                                         absl::string_view context) {
  if (master.size() != kKdfKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("a master key is 32 bytes, got ", master.size()));
  }
  if (context.size() != kKdfContextSize) {
    return absl::InvalidArgumentError("a KDF context is exactly 8 bytes");
  }
  crypto_internal::SodiumReady();
  SecureBytes out(kKdfKeySize);
  char ctx[kKdfContextSize];
  for (size_t i = 0; i < kKdfContextSize; ++i) ctx[i] = context[i];
  crypto_kdf_derive_from_key(out.data(), out.size(), subkey_id, ctx,
                             master.data());
  return out;
}

namespace {

absl::Status KeyedHashRaw(absl::string_view key, absl::string_view message,
                          uint8_t* out) {
  if (key.size() < crypto_generichash_KEYBYTES_MIN ||
      key.size() > crypto_generichash_KEYBYTES_MAX) {
    return absl::InvalidArgumentError("a hash key is 16..64 bytes");
  }
  crypto_internal::SodiumReady();
  crypto_generichash(
      out, 32, reinterpret_cast<const unsigned char*>(message.data()),
      message.size(), reinterpret_cast<const unsigned char*>(key.data()),
      key.size());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SecureBytes> KeyedHash(absl::string_view key,
                                      absl::string_view message) {
  SecureBytes out(32);
  absl::Status s = KeyedHashRaw(key, message, out.data());
  if (!s.ok()) return s;
  return out;
}

DerivedKey::~DerivedKey() { sodium_memzero(bytes_, sizeof(bytes_)); }

absl::Status KeyedHashInto(absl::string_view key, absl::string_view message,
                           DerivedKey& out) {
  return KeyedHashRaw(key, message, out.data());
}

}  // namespace portcullis::crypto
