#include "crypto/sodium.h"

#include <sodium.h>

#include "crypto/internal/sodium_init.h"

namespace portcullis::crypto {

absl::Status Initialize() {
  if (!crypto_internal::SodiumReady()) {
    return absl::InternalError("libsodium failed to initialise");
  }
  return absl::OkStatus();
}

namespace crypto_internal {

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace crypto_internal
}  // namespace portcullis::crypto
