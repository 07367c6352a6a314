// The master key file: the root of the ledger's payload encryption. Per
// tenant keys are derived from a master key together with a random secret
// kept in the ledger (ledger/payload_keyring.h), so neither the file nor
// the database alone opens a payload.
//
// The file holds one or more lines, each a base64 32-byte key; blank lines
// and lines starting with '#' are ignored. The LAST key is the current one
// (new tenant keys derive from it); earlier keys are retired but kept so
// that entries sealed under them stay readable. Rotating the master key is
// appending a line. The file must be mode 0600 or stricter: anything else
// is refused. Keys never leave secure memory once read. Thread-safe.
#ifndef PORTCULLIS_CRYPTO_MASTER_KEY_FILE_H_
#define PORTCULLIS_CRYPTO_MASTER_KEY_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/secure_bytes.h"

namespace portcullis::crypto {

inline constexpr size_t kMasterKeySize = 32;

struct MasterKey {
  // MasterKeyId(key): names the key in stored records without revealing it.
  std::string id;
  SecureBytes key;
};

// Reads every key, oldest first (so back() is the current key). Returns
// NotFound when the file cannot be read, PermissionDenied when group or
// others may access it, InvalidArgument when a line is not a base64
// 32-byte key, the file holds no key, or a key appears twice.
absl::StatusOr<std::vector<MasterKey>> ReadMasterKeyFile(
    const std::string& path);

// Creates `path` (mode 0600) holding one fresh random key. Returns
// AlreadyExists rather than overwrite a key, Unavailable when it cannot be
// written.
absl::Status CreateMasterKeyFile(const std::string& path);

// 16 hex characters of keyed BLAKE2b of a fixed label under `key`: a stable
// public name for a master key that reveals nothing about it.
std::string MasterKeyId(const SecureBytes& key);

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_MASTER_KEY_FILE_H_
