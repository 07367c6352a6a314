#include "crypto/random.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "crypto/internal/sodium_init.h"

namespace portcullis::crypto {

std::string RandomBytes(size_t n) {
  crypto_internal::SodiumReady();
  std::string out(n, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

std::string RandomId() { return absl::BytesToHexString(RandomBytes(16)); }

}  // namespace portcullis::crypto
