// SHA-256, for formats that outside tools check: RFC 6962 Merkle trees
// over the ledger and the key hashes of signed notes (checkpoints).
// Everything Portcullis hashes only for itself uses BLAKE2b (hash.h).
//
// Computed by OpenSSL's libcrypto, which uses the CPU's SHA extensions
// where they exist (libsodium 1.0.18's SHA-256 is portable C, about 3 times
// slower on a Merkle node; figures in docs/performance.md, "Hashing").
// Stateless functions are thread-safe; a Sha256Hasher is not.
#ifndef PORTCULLIS_CRYPTO_SHA256_H_
#define PORTCULLIS_CRYPTO_SHA256_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "crypto/hash.h"

// OpenSSL's digest context, kept opaque so no OpenSSL header leaks.
struct evp_md_ctx_st;

namespace portcullis::crypto {

// Returns SHA-256(data). The 32 bytes are held in a Digest (hash.h), which
// is only a fixed-size byte array.
Digest Sha256(absl::string_view data);

// Incremental SHA-256 for inputs built from several pieces.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(absl::string_view data);

  // Returns the digest. The hasher must not be used afterwards.
  Digest Finish();

 private:
  evp_md_ctx_st* context_;
};

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_SHA256_H_
