// Key files: an Ed25519 signing key is stored as its 32-byte seed, base64,
// in a file of mode 0600; a public key as 32 bytes, base64, in a file
// anyone may read. One key per file, one line. The signing key never
// leaves secure memory once read.
#ifndef PORTCULLIS_CRYPTO_KEY_FILE_H_
#define PORTCULLIS_CRYPTO_KEY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ed25519.h"
#include "crypto/secure_bytes.h"

namespace portcullis::crypto {

// Reads a signing key. Returns NotFound when the file cannot be read,
// PermissionDenied when group or others may read it (it must be 0600 or
// stricter), InvalidArgument when it does not hold a base64 32-byte seed.
absl::StatusOr<SigningKey> ReadSigningKeyFile(const std::string& path);

// Reads a password (for a service the gate logs in to) from a file of at
// most 256 bytes, without its trailing newline. NotFound and
// PermissionDenied as for ReadSigningKeyFile; InvalidArgument when empty.
absl::StatusOr<SecureBytes> ReadPasswordFile(const std::string& path);

// Writes `key`'s seed to a new file with mode 0600. Returns AlreadyExists
// rather than overwrite a key, Unavailable when it cannot be written.
absl::Status WriteSigningKeyFile(const std::string& path,
                                 const SigningKey& key);

// Reads a public key: NotFound or InvalidArgument as above.
absl::StatusOr<VerifyingKey> ReadVerifyingKeyFile(const std::string& path);

// Writes a public key (mode 0644); AlreadyExists rather than overwrite.
absl::Status WriteVerifyingKeyFile(const std::string& path,
                                   const VerifyingKey& key);

// Parses a base64 public key as written in configuration files.
absl::StatusOr<VerifyingKey> ParseVerifyingKey(absl::string_view base64);

// The base64 text of a public key.
std::string FormatVerifyingKey(const VerifyingKey& key);

// A short, stable name for a public key: the first 8 bytes of BLAKE2b-256
// of the key, as 16 hex characters.
std::string KeyId(const VerifyingKey& key);

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_KEY_FILE_H_
