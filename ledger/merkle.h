// The RFC 6962 Merkle tree kept beside each tenant's hash chain, so that
// one entry can be proven with O(log n) hashes and two checkpoints can be
// proven consistent (docs/ledger.md, "Merkle tree").
//
//   leaf i   = SHA-256(0x00 || hash of entry i+1)
//   node     = SHA-256(0x01 || left || right)
//   empty    = SHA-256("")
//
// SHA-256, not BLAKE2b, so that transparency-log tooling (RFC 6962 / 9162
// verifiers, tlog checkpoints) can check proofs unchanged. The leaf commits
// to the entry's chain hash, which commits to everything in the entry.
//
// Pure functions and a value type; thread-safe for concurrent const use.
#ifndef PORTCULLIS_LEDGER_MERKLE_H_
#define PORTCULLIS_LEDGER_MERKLE_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "crypto/hash.h"

namespace portcullis::ledger {

crypto::Digest MerkleLeafHash(const crypto::Digest& entry_hash);
crypto::Digest MerkleNodeHash(const crypto::Digest& left,
                              const crypto::Digest& right);
// The root of the empty tree.
crypto::Digest MerkleEmptyRoot();

// The roots of the complete subtrees that cover leaves [0, size), largest
// (leftmost) first: one per set bit of `size`. Enough to append leaves and
// compute the root without reading anything back.
class MerkleFrontier {
 public:
  MerkleFrontier() = default;
  // Returns InvalidArgument unless `hashes` has one hash per set bit of
  // `size`.
  static absl::StatusOr<MerkleFrontier> FromHashes(
      uint64_t size, std::vector<crypto::Digest> hashes);

  // Appends a leaf. Calls `completed(level, index, hash)` for the leaf
  // (level 0, index = old size) and for every subtree it completes (the
  // node covering leaves [index << level, (index + 1) << level)).
  void Append(const crypto::Digest& leaf,
              absl::FunctionRef<void(int level, uint64_t index,
                                     const crypto::Digest& hash)>
                  completed);

  crypto::Digest Root() const;
  uint64_t size() const { return size_; }
  const std::vector<crypto::Digest>& hashes() const { return hashes_; }

 private:
  uint64_t size_ = 0;
  std::vector<crypto::Digest> hashes_;
};

// Where proof generation reads complete subtrees: the node at `level`,
// `index` (as MerkleFrontier::Append reports them). Returns NotFound or
// DataLoss when it is missing.
using MerkleNodeSource = absl::FunctionRef<absl::StatusOr<crypto::Digest>(
    int level, uint64_t index)>;

// The root of the first `size` leaves. O(log size) node reads.
absl::StatusOr<crypto::Digest> MerkleRoot(uint64_t size,
                                          MerkleNodeSource nodes);

// RFC 9162 2.1.3.1: the audit path of leaf `leaf_index` in the tree of
// `tree_size` leaves, leaf level first. InvalidArgument unless
// leaf_index < tree_size.
absl::StatusOr<std::vector<crypto::Digest>> MerkleInclusionProof(
    uint64_t leaf_index, uint64_t tree_size, MerkleNodeSource nodes);

// RFC 9162 2.1.4.1: the proof that the tree of `new_size` leaves extends
// the tree of `old_size`. InvalidArgument unless old_size <= new_size.
// Empty when old_size is 0 or equals new_size.
absl::StatusOr<std::vector<crypto::Digest>> MerkleConsistencyProof(
    uint64_t old_size, uint64_t new_size, MerkleNodeSource nodes);

// RFC 9162 2.1.3.2: true when `proof` shows `leaf_hash` at `leaf_index` in
// the tree of `tree_size` leaves whose root is `root`.
bool VerifyMerkleInclusion(uint64_t leaf_index, uint64_t tree_size,
                           const crypto::Digest& leaf_hash,
                           const std::vector<crypto::Digest>& proof,
                           const crypto::Digest& root);

// RFC 9162 2.1.4.2: true when `proof` shows that the tree of `new_size`
// leaves with `new_root` extends the tree of `old_size` with `old_root`.
bool VerifyMerkleConsistency(uint64_t old_size, uint64_t new_size,
                             const crypto::Digest& old_root,
                             const crypto::Digest& new_root,
                             const std::vector<crypto::Digest>& proof);

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_MERKLE_H_
