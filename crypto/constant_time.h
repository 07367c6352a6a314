// Comparison whose running time does not depend on where inputs differ, for
// digests, token hashes and MACs. Thread-safe.
#ifndef PORTCULLIS_CRYPTO_CONSTANT_TIME_H_
#define PORTCULLIS_CRYPTO_CONSTANT_TIME_H_

#include "absl/strings/string_view.h"

namespace portcullis::crypto {

// Returns true when `a` and `b` hold the same bytes. The lengths are not
// secret: different lengths return false at once.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_CONSTANT_TIME_H_
