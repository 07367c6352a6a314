// Unpredictable bytes and identifiers from the operating system's CSPRNG
// (libsodium's randombytes). Thread-safe.
#ifndef PORTCULLIS_CRYPTO_RANDOM_H_
#define PORTCULLIS_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

namespace portcullis::crypto {

// Returns `n` random bytes.
std::string RandomBytes(size_t n);

// Returns a 128-bit random identifier as 32 lowercase hex characters, the
// format of decision ids.
std::string RandomId();

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_RANDOM_H_
