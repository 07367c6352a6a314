// Bearer tokens. A token is "pcl_" and 43 characters of URL-safe base64 (32
// random bytes); the gate keeps only its hash, written in configuration as
// "blake2b:" and 64 hex characters:
//
//   hash = BLAKE2b-256("portcullis/token/v1" 0x00 || token)
//
// Pure functions; thread-safe.
#ifndef PORTCULLIS_IDENTITY_TOKEN_H_
#define PORTCULLIS_IDENTITY_TOKEN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace portcullis::identity {

// A fresh random token. Secret: print it once, never log it.
std::string NewToken();

// "blake2b:<64 hex>" for `token`.
std::string TokenHash(absl::string_view token);

// Checks the configuration form of a hash; InvalidArgument otherwise.
absl::Status ValidateTokenHash(absl::string_view hash);

}  // namespace portcullis::identity

#endif  // PORTCULLIS_IDENTITY_TOKEN_H_
