#include "crypto/constant_time.h"

#include <sodium.h>

namespace portcullis::crypto {

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace portcullis::crypto
