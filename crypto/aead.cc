#include "crypto/aead.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "crypto/internal/sodium_init.h"
#include "crypto/random.h"

namespace portcullis::crypto {
namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kAeadKeySize);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kAeadNonceSize);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kAeadTagSize);

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status CheckKey(absl::string_view key) {
  if (key.size() != kAeadKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an AEAD key is 32 bytes, got ", key.size()));
  }
  return absl::OkStatus();
}

}  // namespace

NonceBatch::NonceBatch(size_t count)
    : bytes_(RandomBytes(count * kAeadNonceSize)) {}

absl::string_view NonceBatch::Take() {
  const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
  if (i >= bytes_.size() / kAeadNonceSize) return {};
  return absl::string_view(bytes_).substr(i * kAeadNonceSize, kAeadNonceSize);
}

absl::StatusOr<std::string> AeadSeal(absl::string_view key,
                                     absl::string_view plaintext,
                                     absl::string_view associated_data,
                                     NonceBatch* nonces) {
  if (absl::Status s = CheckKey(key); !s.ok()) return s;
  crypto_internal::SodiumReady();
  std::string out(kAeadNonceSize + plaintext.size() + kAeadTagSize, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  const absl::string_view taken =
      nonces != nullptr ? nonces->Take() : absl::string_view();
  if (taken.size() == kAeadNonceSize) {
    std::copy(taken.begin(), taken.end(), out.begin());
  } else {
    randombytes_buf(nonce, kAeadNonceSize);
  }
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kAeadNonceSize, &written, Bytes(plaintext), plaintext.size(),
      Bytes(associated_data), associated_data.size(), nullptr, nonce,
      Bytes(key));
  out.resize(kAeadNonceSize + written);
  return out;
}

namespace {

// Decrypts into `out`, which must hold sealed.size() - kAeadOverhead
// bytes; returns the plaintext's length.
absl::StatusOr<size_t> OpenInto(absl::string_view key, absl::string_view sealed,
                                absl::string_view associated_data,
                                unsigned char* out) {
  crypto_internal::SodiumReady();
  unsigned long long written = 0;
  const unsigned char* nonce = Bytes(sealed);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out, &written, nullptr, nonce + kAeadNonceSize,
          sealed.size() - kAeadNonceSize, Bytes(associated_data),
          associated_data.size(), nonce, Bytes(key)) != 0) {
    return absl::DataLossError(
        "sealed payload does not authenticate: wrong key, or moved or "
        "modified");
  }
  return static_cast<size_t>(written);
}

absl::Status CheckSealed(absl::string_view key, absl::string_view sealed) {
  if (absl::Status s = CheckKey(key); !s.ok()) return s;
  if (sealed.size() < kAeadOverhead) {
    return absl::DataLossError("sealed payload is shorter than its overhead");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> AeadOpen(absl::string_view key,
                                     absl::string_view sealed,
                                     absl::string_view associated_data) {
  if (absl::Status s = CheckSealed(key, sealed); !s.ok()) return s;
  std::string out(sealed.size() - kAeadOverhead, '\0');
  absl::StatusOr<size_t> written =
      OpenInto(key, sealed, associated_data,
               reinterpret_cast<unsigned char*>(out.data()));
  if (!written.ok()) return written.status();
  out.resize(*written);
  return out;
}

absl::StatusOr<SecureBytes> AeadOpenSecure(absl::string_view key,
                                           absl::string_view sealed,
                                           absl::string_view associated_data) {
  if (absl::Status s = CheckSealed(key, sealed); !s.ok()) return s;
  SecureBytes buffer(sealed.size() - kAeadOverhead);
  absl::StatusOr<size_t> written =
      OpenInto(key, sealed, associated_data, buffer.data());
  if (!written.ok()) return written.status();
  // XChaCha20-Poly1305 plaintexts are exactly the ciphertext's length.
  return buffer;
}

}  // namespace portcullis::crypto
