// Library initialisation. Every function in crypto/ calls EnsureSodium()
// itself, so callers never need to; main() calls Initialize() once to fail
// fast with a clear message if the library cannot start. Thread-safe.
#ifndef PORTCULLIS_CRYPTO_SODIUM_H_
#define PORTCULLIS_CRYPTO_SODIUM_H_

#include "absl/status/status.h"

namespace portcullis::crypto {

// Initialises libsodium. Returns Internal if it cannot (no entropy source).
absl::Status Initialize();

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_SODIUM_H_
