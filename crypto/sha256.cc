#include "crypto/sha256.h"

#include <sodium.h>

#include "crypto/internal/sodium_init.h"

namespace portcullis::crypto {
namespace {

static_assert(crypto_hash_sha256_BYTES == kDigestSize);
static_assert(sizeof(crypto_hash_sha256_state) <= 128);
static_assert(alignof(crypto_hash_sha256_state) <= 16);

crypto_hash_sha256_state* State(unsigned char* storage) {
  return reinterpret_cast<crypto_hash_sha256_state*>(storage);
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Digest Sha256(absl::string_view data) {
  crypto_internal::SodiumReady();
  Digest out;
  crypto_hash_sha256(out.data(), Bytes(data), data.size());
  return out;
}

Sha256Hasher::Sha256Hasher() {
  crypto_internal::SodiumReady();
  crypto_hash_sha256_init(State(state_));
}

void Sha256Hasher::Update(absl::string_view data) {
  crypto_hash_sha256_update(State(state_), Bytes(data), data.size());
}

Digest Sha256Hasher::Finish() {
  Digest out;
  crypto_hash_sha256_final(State(state_), out.data());
  return out;
}

}  // namespace portcullis::crypto
