// Internal to crypto/: lazily initialises libsodium exactly once.
#ifndef PORTCULLIS_CRYPTO_INTERNAL_SODIUM_INIT_H_
#define PORTCULLIS_CRYPTO_INTERNAL_SODIUM_INIT_H_

namespace portcullis::crypto::crypto_internal {

// Returns true once libsodium is initialised. sodium_init() is itself
// thread-safe and idempotent; this caches its result.
bool SodiumReady();

}  // namespace portcullis::crypto::crypto_internal

#endif  // PORTCULLIS_CRYPTO_INTERNAL_SODIUM_INIT_H_
