#include "ledger/merkle.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "crypto/sha256.h"

// MerkleNodeSource is a FunctionRef: the lambda must outlive the call.
#define SOURCE(t) \
  [&](int level, uint64_t index) { return (t).Node(level, index); }

namespace portcullis::ledger {
namespace {

using crypto::Digest;

Digest RawLeaf(const std::string& data) {
  return crypto::Sha256(std::string(1, '\0') + data);
}

// MTH from RFC 6962 section 2.1, written directly from the definition.
Digest ReferenceRoot(const std::vector<Digest>& leaves, size_t begin,
                     size_t end) {
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return MerkleNodeHash(ReferenceRoot(leaves, begin, begin + k),
                        ReferenceRoot(leaves, begin + k, end));
}

// A tree built through the frontier, keeping every node it reports.
struct Tree {
  MerkleFrontier frontier;
  std::map<std::pair<int, uint64_t>, Digest> nodes;
  std::vector<Digest> leaves;

  void Add(const Digest& leaf) {
    leaves.push_back(leaf);
    frontier.Append(leaf, [&](int level, uint64_t index, const Digest& h) {
      nodes[{level, index}] = h;
    });
  }
  absl::StatusOr<Digest> Node(int level, uint64_t index) const {
    auto it = nodes.find({level, index});
    if (it == nodes.end()) return absl::NotFoundError("no node");
    return it->second;
  }
};

Tree TreeOf(int n) {
  Tree t;
  for (int i = 0; i < n; ++i) t.Add(RawLeaf(std::to_string(i)));
  return t;
}

TEST_CASE("the Merkle root matches the RFC 6962 test vector", "[merkle]") {
  const char* inputs[] = {"",
                          "00",
                          "10",
                          "2021",
                          "3031",
                          "40414243",
                          "5051525354555657",
                          "606162636465666768696a6b6c6d6e6f"};
  Tree t;
  for (const char* hex : inputs) t.Add(RawLeaf(absl::HexStringToBytes(hex)));
  CHECK(crypto::ToHex(t.frontier.Root()) ==
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  CHECK(crypto::ToHex(*MerkleRoot(3, SOURCE(t))) ==
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
  CHECK(crypto::ToHex(MerkleEmptyRoot()) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("frontier, stored nodes and the definition agree on every root",
          "[merkle]") {
  Tree t;
  for (int n = 1; n <= 70; ++n) {
    t.Add(RawLeaf(std::to_string(n)));
    Digest expected = ReferenceRoot(t.leaves, 0, t.leaves.size());
    CHECK(t.frontier.Root() == expected);
    CHECK(*MerkleRoot(n, SOURCE(t)) == expected);
    auto reloaded = MerkleFrontier::FromHashes(n, t.frontier.hashes());
    REQUIRE(reloaded.ok());
    CHECK(reloaded->Root() == expected);
  }
  CHECK(MerkleFrontier::FromHashes(3, {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a subtree hashed apart extends the tree as its leaves would",
          "[merkle]") {
  // The verifier hashes each range of 2^k leaves on its own thread and
  // then brings the tree up to any size inside the range from the range's
  // nodes. Every size must give the root the leaves one by one give.
  std::vector<Digest> leaves;
  for (int i = 0; i < 48; ++i) leaves.push_back(RawLeaf(std::to_string(i)));
  for (int level : {0, 1, 3, 4}) {
    const size_t span = size_t{1} << level;
    for (size_t stop = 1; stop <= leaves.size(); ++stop) {
      INFO("ranges of " << span << ", up to " << stop);
      MerkleFrontier tree;
      MerkleSubtree range;
      for (size_t first = 0; first < stop; first += span) {
        REQUIRE(
            range.Build(absl::MakeConstSpan(leaves).subspan(first, span)).ok());
        // Up to the middle of the range first, as a checkpoint would.
        size_t end = std::min(first + span, stop);
        REQUIRE(tree.AppendFrom(range, first, first + (end - first) / 2).ok());
        REQUIRE(tree.AppendFrom(range, first, end).ok());
      }
      CHECK(tree.size() == stop);
      CHECK(tree.Root() == ReferenceRoot(leaves, 0, stop));
    }
  }
  // A range must start at a multiple of its size, and cannot take the
  // tree past its end.
  MerkleSubtree two;
  REQUIRE(two.Build(absl::MakeConstSpan(leaves).first(2)).ok());
  MerkleFrontier tree;
  tree.Append(leaves[0], [](int, uint64_t, const Digest&) {});
  CHECK(tree.AppendFrom(two, 1, 3).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(tree.AppendFrom(two, 0, 3).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(tree.AppendSubtree(1, two.Root()).code() ==
        absl::StatusCode::kInvalidArgument);
  MerkleSubtree three;
  CHECK(three.Build(absl::MakeConstSpan(leaves).first(3)).code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("every inclusion proof verifies and a wrong one does not",
          "[merkle]") {
  for (int n = 1; n <= 33; ++n) {
    Tree t = TreeOf(n);
    Digest root = t.frontier.Root();
    for (int i = 0; i < n; ++i) {
      auto proof = MerkleInclusionProof(i, n, SOURCE(t));
      REQUIRE(proof.ok());
      INFO("size " << n << " leaf " << i);
      CHECK(proof->size() <= 6);
      CHECK(VerifyMerkleInclusion(i, n, t.leaves[i], *proof, root));
      CHECK_FALSE(VerifyMerkleInclusion(i, n, RawLeaf("x"), *proof, root));
      if (n > 1) {
        CHECK_FALSE(
            VerifyMerkleInclusion((i + 1) % n, n, t.leaves[i], *proof, root));
      }
      if (!proof->empty()) {
        std::vector<Digest> bad = *proof;
        bad.back()[0] ^= 1;
        CHECK_FALSE(VerifyMerkleInclusion(i, n, t.leaves[i], bad, root));
      }
    }
  }
  Tree t = TreeOf(4);
  CHECK(MerkleInclusionProof(4, 4, SOURCE(t)).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(VerifyMerkleInclusion(4, 4, t.leaves[0], {}, t.frontier.Root()));
}

TEST_CASE("every consistency proof verifies and a wrong one does not",
          "[merkle]") {
  Tree t = TreeOf(40);
  std::vector<Digest> roots = {MerkleEmptyRoot()};
  for (size_t n = 1; n <= 40; ++n) {
    roots.push_back(ReferenceRoot(t.leaves, 0, n));
  }
  for (uint64_t m = 0; m <= 40; ++m) {
    for (uint64_t n = m; n <= 40; ++n) {
      auto proof = MerkleConsistencyProof(m, n, SOURCE(t));
      REQUIRE(proof.ok());
      INFO("from " << m << " to " << n);
      CHECK(VerifyMerkleConsistency(m, n, roots[m], roots[n], *proof));
      if (m > 0 && m < n) {
        CHECK_FALSE(
            VerifyMerkleConsistency(m, n, roots[m - 1], roots[n], *proof));
        CHECK_FALSE(
            VerifyMerkleConsistency(m, n, roots[m], RawLeaf("forged"), *proof));
      }
    }
  }
  CHECK(MerkleConsistencyProof(5, 4, SOURCE(t)).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(VerifyMerkleConsistency(5, 4, roots[5], roots[4], {}));
}

TEST_CASE("proofs fail when a stored node is missing", "[merkle]") {
  Tree t = TreeOf(8);
  t.nodes.erase({1, 1});
  CHECK_FALSE(MerkleInclusionProof(0, 8, SOURCE(t)).ok());
}

}  // namespace
}  // namespace portcullis::ledger
