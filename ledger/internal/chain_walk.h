// The in-order walk that verifies one tenant's chain (ledger/verifier.cc):
// what checking an entry needs that does not depend on the entries before
// it (EntryFacts, computed on any thread), the checks of one entry against
// the one before it (EntryProblem), what a run of intact entries adds to
// the walk's counts (ChainTally), and the walk itself (ChainWalk), which
// checks the links, the Merkle tree, the checkpoints, the head and
// retention, entry by entry or a whole range at a time.
//
// A ChainWalk is used by one thread at a time; the rest are values.
#ifndef PORTCULLIS_LEDGER_INTERNAL_CHAIN_WALK_H_
#define PORTCULLIS_LEDGER_INTERNAL_CHAIN_WALK_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/hash.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/internal/chain_state.h"
#include "ledger/merkle.h"
#include "ledger/verifier.h"

namespace portcullis::ledger::ledger_internal {

// What checking one entry needs that does not depend on the entries
// before it: computed for a whole chunk in parallel, then used by the walk
// in order.
struct EntryFacts {
  Entry entry;  // reused from chunk to chunk: decoding reuses its strings
  absl::Status decoded;
  bool hash_matches = false;  // its stored hash is the hash of its bytes
  std::optional<absl::string_view> payload;  // stored for it, if any
  bool payload_matches = false;  // the payload's digest is the recorded one
  crypto::Digest leaf{};         // its Merkle leaf
};

// Fills `facts` (but its payload, set by the caller) from `stored`, an
// entry's stored bytes.
void ComputeFacts(absl::string_view stored, EntryFacts& facts);

// Why the entry of `facts`, stored under `key_sequence`, breaks the chain
// on its own or against `previous_hash` (the hash of the entry before it),
// in the order the walk checks it; nullopt when it does not. Needs nothing
// else from the entries before it, so a whole range's entries are checked
// on the range's own thread. Sets `pruned_through` to what a ledger.pruned
// entry records.
std::optional<std::string> EntryProblem(
    const std::string& tenant, uint64_t key_sequence, const EntryFacts& facts,
    const crypto::Digest& previous_hash, uint64_t pruned_hint,
    std::optional<uint64_t>& pruned_through);

// What a run of intact entries adds to a walk's counts: the replicas they
// name and the payloads missing among them.
struct ChainTally {
  std::string last_replica;
  std::set<std::string> replicas;
  // Runs of entries without a payload, first..last.
  std::vector<std::pair<uint64_t, uint64_t>> missing;
  uint64_t pruned = 0;           // entries without a payload
  uint64_t recorded_pruned = 0;  // the most a ledger.pruned entry records

  void Clear();
  // Adds an entry that passed EntryProblem.
  void Add(const EntryFacts& facts,
           const std::optional<uint64_t>& pruned_through);
  // Adds the entries counted in `later`, which follow these.
  void Append(const ChainTally& later);

 private:
  void AddMissing(uint64_t first, uint64_t last);
};

// What a whole range's own thread found about its entries after the first,
// each checked alone and against the one before it in the range.
struct RangeChecks {
  bool intact = false;  // every one passes EntryProblem
  ChainTally tally;     // of those entries, when intact
};

// The walk over one tenant's entries, in key order.
class ChainWalk {
 public:
  ChainWalk(std::string tenant, std::vector<SignedCheckpoint> checkpoints,
            uint64_t pruned_hint);

  // Checks the entry stored under `key_sequence` against the entries before
  // it, with what was computed for it alone (`facts`). Returns false once
  // the chain is broken. Inside a range (BeginRange), the leaf comes from
  // the range's subtree, when a checkpoint needs it or at EndRange.
  bool Visit(uint64_t key_sequence, const EntryFacts& facts);

  // Checks a whole range of entries, stored under `first` on in order, with
  // the Merkle subtree of their leaves (`tree`) and what the range's own
  // thread found about the entries after the first (`checks`). Visits the
  // first entry and, when the others are intact, only stitches them on:
  // the checkpoints inside the range and the counts, a few steps per range
  // rather than per entry. Otherwise (or when a checkpoint inside does not
  // match) visits them one by one, so that a break is reported exactly as
  // Visit reports it. Returns false once the chain is broken.
  // `tree` must hold facts.size() leaves, a power of two.
  bool VisitRange(uint64_t first, absl::Span<const EntryFacts> facts,
                  const MerkleSubtree& tree, const RangeChecks& checks);

  // Checks that the chain ends where the head record and the checkpoints
  // say, and that retention was recorded.
  void Finish(const std::optional<DecodedHead>& head, bool head_malformed);

  uint64_t entries() const { return last_sequence_; }
  const std::set<std::string>& replicas() const { return tally_.replicas; }
  uint64_t pruned() const { return tally_.pruned; }
  uint64_t checkpoints_checked() const { return next_checkpoint_; }
  const std::optional<ChainBreak>& chain_break() const { return break_; }

 private:
  // Checks the checkpoints inside the range begun at `first`, after its
  // first entry, as visiting its intact entries would, taking the tree from
  // the range's subtree. Returns false, with the walk as it was, when one
  // does not match or the tree cannot be taken: the entries are then
  // visited one by one, which says where and why.
  bool StitchRange(uint64_t first, absl::Span<const EntryFacts> facts);
  // Until EndRange, the Merkle leaves of the entries from `first` on are
  // taken from `tree`, the subtree of their leaves hashed beside the reads,
  // as whole nodes: a few hashes per range instead of one per entry. Only
  // when they are the next leaves and their subtree is a node of the tree;
  // returns false (and the walk adds leaves one by one) otherwise.
  bool BeginRange(const MerkleSubtree& tree, uint64_t first);
  // Adds the leaves of the range's entries visited up to `last`.
  bool EndRange(uint64_t last);
  // Brings the tree up to `size` leaves from the range's subtree.
  bool TreeFromRange(uint64_t size);
  bool CheckCheckpointsAt(uint64_t sequence);
  bool Break(uint64_t sequence, std::string reason);

  std::string tenant_;
  std::vector<SignedCheckpoint> checkpoints_;
  size_t next_checkpoint_ = 0;
  uint64_t pruned_hint_ = 0;
  ChainTally tally_;  // of the entries visited
  uint64_t last_sequence_ = 0;
  crypto::Digest last_hash_{};
  MerkleFrontier tree_;
  const MerkleSubtree* range_ = nullptr;  // between BeginRange and EndRange
  uint64_t range_first_leaf_ = 0;
  bool broken_ = false;
  std::optional<ChainBreak> break_;
};

}  // namespace portcullis::ledger::ledger_internal

#endif  // PORTCULLIS_LEDGER_INTERNAL_CHAIN_WALK_H_
