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
#include "absl/types/span.h"
#include "crypto/hash.h"

namespace portcullis::ledger {

crypto::Digest MerkleLeafHash(const crypto::Digest& entry_hash);
crypto::Digest MerkleNodeHash(const crypto::Digest& left,
                              const crypto::Digest& right);
// The root of the empty tree.
crypto::Digest MerkleEmptyRoot();

// Every node of a complete subtree of 2^k leaves, level by level (level 0
// the leaves, level k its root): what a run of a chain adds to the tree,
// hashed apart from the chain's order (the verifier hashes each range of
// a chain on its own thread). Not thread-safe; Build reuses its storage.
class MerkleSubtree {
 public:
  // Hashes every node above `leaves`, whose count must be a power of two
  // (InvalidArgument otherwise; the subtree is then empty).
  absl::Status Build(absl::Span<const crypto::Digest> leaves);

  // k, for 2^k leaves; -1 when empty.
  int top_level() const { return static_cast<int>(levels_.size()) - 1; }
  uint64_t leaves() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const crypto::Digest& Node(int level, uint64_t index) const {
    return levels_[level][index];
  }
  const crypto::Digest& Root() const { return levels_.back()[0]; }

 private:
  std::vector<std::vector<crypto::Digest>> levels_;
};

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

  // Appends a whole complete subtree of 2^`level` leaves whose root is
  // `root` (as MerkleSubtreeRoot computes it), as 2^`level` Appends of its
  // leaves would, without hashing inside it. InvalidArgument unless the
  // size is a multiple of 2^`level` (so the subtree is a node of the
  // tree) and `level` is 0 to 62.
  absl::Status AppendSubtree(int level, const crypto::Digest& root);

  // Appends the leaves of `subtree`, which covers leaves [first, first +
  // subtree.leaves()) of this tree, from the frontier's size up to `size`
  // leaves in all: as the subtree's largest aligned nodes (at most two per
  // level), not leaf by leaf, so it costs O(log) hashes rather than one per
  // leaf. InvalidArgument unless `first` is a multiple of
  // subtree.leaves() and first <= this->size() <= size <= first +
  // subtree.leaves().
  absl::Status AppendFrom(const MerkleSubtree& subtree, uint64_t first,
                          uint64_t size);

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
