#include "crypto/ed25519.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "crypto/internal/sodium_init.h"

namespace portcullis::crypto {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeySize);
static_assert(crypto_sign_SEEDBYTES == kEd25519SeedSize);
static_assert(crypto_sign_BYTES == kEd25519SignatureSize);

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<VerifyingKey> VerifyingKey::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 public key is 32 bytes, got ", bytes.size()));
  }
  VerifyingKey key;
  std::memcpy(key.key_.data(), bytes.data(), bytes.size());
  return key;
}

bool VerifyingKey::Verify(absl::string_view message,
                          absl::string_view signature) const {
  if (signature.size() != kEd25519SignatureSize) return false;
  crypto_internal::SodiumReady();
  return crypto_sign_verify_detached(Bytes(signature), Bytes(message),
                                     message.size(), key_.data()) == 0;
}

SigningKey SigningKey::Generate() {
  crypto_internal::SodiumReady();
  SecureBytes seed(kEd25519SeedSize);
  randombytes_buf(seed.data(), seed.size());
  return *FromSeed(seed.view());
}

absl::StatusOr<SigningKey> SigningKey::FromSeed(absl::string_view seed) {
  if (seed.size() != kEd25519SeedSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 seed is 32 bytes, got ", seed.size()));
  }
  crypto_internal::SodiumReady();
  SecureBytes secret(crypto_sign_SECRETKEYBYTES);
  unsigned char public_bytes[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(public_bytes, secret.data(), Bytes(seed));
  VerifyingKey public_key = *VerifyingKey::FromBytes(absl::string_view(
      reinterpret_cast<const char*>(public_bytes), sizeof(public_bytes)));
  return SigningKey(std::move(secret), public_key);
}

std::string SigningKey::Sign(absl::string_view message) const {
  std::string signature(kEd25519SignatureSize, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()),
                       nullptr, Bytes(message), message.size(), secret_.data());
  return signature;
}

absl::string_view SigningKey::seed() const {
  return secret_.view().substr(0, kEd25519SeedSize);
}

}  // namespace portcullis::crypto
