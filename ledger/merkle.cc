#include "ledger/merkle.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "crypto/sha256.h"

namespace portcullis::ledger {
namespace {

using crypto::Digest;

// The largest power of two smaller than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[begin:end]) where every range the RFC recursion produces starts at
// a multiple of its largest complete part, so complete parts are nodes.
absl::StatusOr<Digest> RangeHash(uint64_t begin, uint64_t end,
                                 MerkleNodeSource nodes) {
  uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    int level = std::countr_zero(n);
    return nodes(level, begin >> level);
  }
  uint64_t k = SplitPoint(n);
  absl::StatusOr<Digest> left = RangeHash(begin, begin + k, nodes);
  if (!left.ok()) return left.status();
  absl::StatusOr<Digest> right = RangeHash(begin + k, end, nodes);
  if (!right.ok()) return right.status();
  return MerkleNodeHash(*left, *right);
}

absl::Status Path(uint64_t m, uint64_t begin, uint64_t end,
                  MerkleNodeSource nodes, std::vector<Digest>& out) {
  if (end - begin <= 1) return absl::OkStatus();
  uint64_t k = SplitPoint(end - begin);
  absl::StatusOr<Digest> sibling;
  if (m < k) {
    if (absl::Status s = Path(m, begin, begin + k, nodes, out); !s.ok()) {
      return s;
    }
    sibling = RangeHash(begin + k, end, nodes);
  } else {
    if (absl::Status s = Path(m - k, begin + k, end, nodes, out); !s.ok()) {
      return s;
    }
    sibling = RangeHash(begin, begin + k, nodes);
  }
  if (!sibling.ok()) return sibling.status();
  out.push_back(*sibling);
  return absl::OkStatus();
}

absl::Status SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                      MerkleNodeSource nodes, std::vector<Digest>& out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (whole) return absl::OkStatus();
    absl::StatusOr<Digest> h = RangeHash(begin, end, nodes);
    if (!h.ok()) return h.status();
    out.push_back(*h);
    return absl::OkStatus();
  }
  uint64_t k = SplitPoint(n);
  absl::StatusOr<Digest> sibling;
  if (m <= k) {
    if (absl::Status s = SubProof(m, begin, begin + k, whole, nodes, out);
        !s.ok()) {
      return s;
    }
    sibling = RangeHash(begin + k, end, nodes);
  } else {
    if (absl::Status s = SubProof(m - k, begin + k, end, false, nodes, out);
        !s.ok()) {
      return s;
    }
    sibling = RangeHash(begin, begin + k, nodes);
  }
  if (!sibling.ok()) return sibling.status();
  out.push_back(*sibling);
  return absl::OkStatus();
}

// Right-shifts fn and sn together until fn's lowest bit is set or fn is 0.
void ShiftToSetBit(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Digest MerkleLeafHash(const Digest& entry_hash) {
  char buffer[1 + crypto::kDigestSize];
  buffer[0] = 0x00;
  std::copy(entry_hash.begin(), entry_hash.end(), buffer + 1);
  return crypto::Sha256(absl::string_view(buffer, sizeof(buffer)));
}

Digest MerkleNodeHash(const Digest& left, const Digest& right) {
  char buffer[1 + 2 * crypto::kDigestSize];
  buffer[0] = 0x01;
  std::copy(left.begin(), left.end(), buffer + 1);
  std::copy(right.begin(), right.end(), buffer + 1 + crypto::kDigestSize);
  return crypto::Sha256(absl::string_view(buffer, sizeof(buffer)));
}

Digest MerkleEmptyRoot() { return crypto::Sha256(""); }

absl::StatusOr<MerkleFrontier> MerkleFrontier::FromHashes(
    uint64_t size, std::vector<Digest> hashes) {
  if (hashes.size() != static_cast<size_t>(std::popcount(size))) {
    return absl::InvalidArgumentError(
        absl::StrCat("a Merkle frontier of ", size, " leaves has ",
                     std::popcount(size), " hashes, not ", hashes.size()));
  }
  MerkleFrontier f;
  f.size_ = size;
  f.hashes_ = std::move(hashes);
  return f;
}

void MerkleFrontier::Append(
    const Digest& leaf,
    absl::FunctionRef<void(int, uint64_t, const Digest&)> completed) {
  Digest h = leaf;
  uint64_t index = size_;
  int level = 0;
  completed(level, index, h);
  while ((size_ >> level) & 1) {
    h = MerkleNodeHash(hashes_.back(), h);
    hashes_.pop_back();
    ++level;
    index >>= 1;
    completed(level, index, h);
  }
  hashes_.push_back(h);
  ++size_;
}

absl::Status MerkleFrontier::AppendSubtree(int level, const Digest& root) {
  if (level < 0 || level > 62 || size_ % (uint64_t{1} << level) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a subtree of 2^", level, " leaves cannot follow ", size_, " leaves"));
  }
  // As Append does for a leaf, one level up: size_ has no bit below
  // `level`, so the subtree merges with the frontier's complete subtrees of
  // its own size and up.
  const uint64_t leaves = uint64_t{1} << level;
  Digest h = root;
  while ((size_ >> level) & 1) {
    h = MerkleNodeHash(hashes_.back(), h);
    hashes_.pop_back();
    ++level;
  }
  hashes_.push_back(h);
  size_ += leaves;
  return absl::OkStatus();
}

absl::Status MerkleSubtree::Build(absl::Span<const Digest> leaves) {
  if (!std::has_single_bit(leaves.size())) {
    levels_.clear();
    return absl::InvalidArgumentError(absl::StrCat(
        "a complete subtree has a power of two leaves, not ", leaves.size()));
  }
  const size_t count = std::countr_zero(leaves.size()) + 1;
  levels_.resize(count);
  levels_[0].assign(leaves.begin(), leaves.end());
  for (size_t level = 1; level < count; ++level) {
    const std::vector<Digest>& below = levels_[level - 1];
    std::vector<Digest>& nodes = levels_[level];
    nodes.resize(below.size() / 2);
    for (size_t i = 0; i < nodes.size(); ++i) {
      nodes[i] = MerkleNodeHash(below[2 * i], below[2 * i + 1]);
    }
  }
  return absl::OkStatus();
}

absl::Status MerkleFrontier::AppendFrom(const MerkleSubtree& subtree,
                                        uint64_t first, uint64_t size) {
  const uint64_t span = subtree.leaves();
  if (span == 0 || first % span != 0 || size_ < first || size < size_ ||
      size - first > span) {
    return absl::InvalidArgumentError(
        absl::StrCat("a subtree of ", span, " leaves from ", first,
                     " cannot take a tree of ", size_, " leaves to ", size));
  }
  while (size_ < size) {
    // The largest node of the subtree that starts here and ends in time:
    // its size divides the offset, so it is a node of the whole tree too.
    const uint64_t offset = size_ - first;
    int level = offset == 0 ? subtree.top_level() : std::countr_zero(offset);
    while ((uint64_t{1} << level) > size - size_) --level;
    absl::Status appended =
        AppendSubtree(level, subtree.Node(level, offset >> level));
    if (!appended.ok()) return appended;
  }
  return absl::OkStatus();
}

Digest MerkleFrontier::Root() const {
  if (hashes_.empty()) return MerkleEmptyRoot();
  Digest root = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) {
    root = MerkleNodeHash(hashes_[i], root);
  }
  return root;
}

absl::StatusOr<Digest> MerkleRoot(uint64_t size, MerkleNodeSource nodes) {
  if (size == 0) return MerkleEmptyRoot();
  return RangeHash(0, size, nodes);
}

absl::StatusOr<std::vector<Digest>> MerkleInclusionProof(
    uint64_t leaf_index, uint64_t tree_size, MerkleNodeSource nodes) {
  if (leaf_index >= tree_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf ", leaf_index, " is not in a tree of ", tree_size, " leaves"));
  }
  std::vector<Digest> proof;
  if (absl::Status s = Path(leaf_index, 0, tree_size, nodes, proof); !s.ok()) {
    return s;
  }
  return proof;
}

absl::StatusOr<std::vector<Digest>> MerkleConsistencyProof(
    uint64_t old_size, uint64_t new_size, MerkleNodeSource nodes) {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a tree of ", old_size, " leaves cannot extend to one of ", new_size));
  }
  std::vector<Digest> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  if (absl::Status s = SubProof(old_size, 0, new_size, true, nodes, proof);
      !s.ok()) {
    return s;
  }
  return proof;
}

bool VerifyMerkleInclusion(uint64_t leaf_index, uint64_t tree_size,
                           const Digest& leaf_hash,
                           const std::vector<Digest>& proof,
                           const Digest& root) {
  if (leaf_index >= tree_size) return false;
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  Digest r = leaf_hash;
  for (const Digest& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = MerkleNodeHash(p, r);
      if (!(fn & 1)) ShiftToSetBit(fn, sn);
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyMerkleConsistency(uint64_t old_size, uint64_t new_size,
                             const Digest& old_root, const Digest& new_root,
                             const std::vector<Digest>& proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();
  if (proof.empty()) return false;
  std::vector<Digest> path;
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = path[0];
  Digest sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Digest& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      if (!(fn & 1)) ShiftToSetBit(fn, sn);
    } else {
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

}  // namespace portcullis::ledger
