// BLAKE2b-256, the one hash function of Portcullis: action digests, ledger
// entry hashes, policy content hashes and payload digests all use it.
// Domain separation is the caller's job: every caller prefixes a tag such as
// "portcullis/action/v1". Stateless functions are thread-safe; a Hasher is
// not (use one per thread).
#ifndef PORTCULLIS_CRYPTO_HASH_H_
#define PORTCULLIS_CRYPTO_HASH_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace portcullis::crypto {

inline constexpr size_t kDigestSize = 32;

// A 32-byte BLAKE2b-256 output.
using Digest = std::array<uint8_t, kDigestSize>;

// Views a digest as bytes, for concatenation and storage.
inline absl::string_view AsBytes(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// Returns the digest as 64 lowercase hex characters.
std::string ToHex(const Digest& d);

// Copies exactly 32 bytes into a Digest. Returns false (and leaves `out`
// untouched) when `bytes` has any other length.
bool DigestFromBytes(absl::string_view bytes, Digest& out);

// Returns BLAKE2b-256(data).
Digest Blake2b256(absl::string_view data);

// Incremental BLAKE2b-256 for inputs built from several pieces.
class Hasher {
 public:
  Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(absl::string_view data);

  // Returns the digest. The Hasher must not be used afterwards.
  Digest Finish();

 private:
  // crypto_generichash_state, kept opaque so no sodium header leaks.
  alignas(64) unsigned char state_[384];
};

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_HASH_H_
