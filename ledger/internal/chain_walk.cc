#include "ledger/internal/chain_walk.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/identifiers.h"
#include "ledger/internal/ledger_records.h"
#include "ledger/sealed_payload.h"

namespace portcullis::ledger::ledger_internal {
namespace {

std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

void ComputeFacts(absl::string_view stored, EntryFacts& facts) {
  facts.decoded = DecodeStoredEntry(stored, facts.entry);
  if (!facts.decoded.ok()) return;
  facts.hash_matches = StoredEntryHash(stored) == facts.entry.hash;
  facts.payload_matches =
      facts.payload.has_value() &&
      PayloadDigest(*facts.payload) == facts.entry.payload_digest;
  facts.leaf = MerkleLeafHash(facts.entry.hash);
}

std::optional<std::string> EntryProblem(
    const std::string& tenant, uint64_t key_sequence, const EntryFacts& facts,
    const crypto::Digest& previous_hash, uint64_t pruned_hint,
    std::optional<uint64_t>& pruned_through) {
  const Entry& entry = facts.entry;
  if (!facts.decoded.ok()) {
    return absl::StrCat("entry does not decode (", facts.decoded.message(),
                        ")");
  }
  if (entry.tenant != tenant) {
    return absl::StrCat("entry belongs to tenant \"", entry.tenant,
                        "\": copied from another chain");
  }
  if (entry.version == kEntryVersion3 &&
      !ValidateReplicaName(entry.replica).ok()) {
    return "entry names no valid replica: entry malformed";
  }
  if (entry.sequence != key_sequence) {
    return absl::StrCat("entry claims sequence ", entry.sequence,
                        ": entries reordered or moved");
  }
  if (entry.previous_hash != previous_hash) {
    return "previous hash does not match the entry before: chain broken";
  }
  if (!facts.hash_matches) {
    return "entry hash does not match its contents: entry modified";
  }
  pruned_through.reset();
  if (!facts.payload.has_value()) {
    if (entry.sequence > pruned_hint) return "payload is missing";
    return std::nullopt;  // removed by retention, if it recorded so
  }
  if (!facts.payload_matches) {
    return "payload does not match its digest: payload modified";
  }
  auto view = ParseStoredPayload(entry.version, *facts.payload);
  if (!view.ok()) return "payload frame is malformed";
  if (entry.kind == kPrunedKind && !view->sealed) {
    pruned_through = PrunedThrough(view->body);
  }
  return std::nullopt;
}

void ChainTally::Clear() {
  last_replica.clear();
  replicas.clear();
  missing.clear();
  pruned = 0;
  recorded_pruned = 0;
}

void ChainTally::Add(const EntryFacts& facts,
                     const std::optional<uint64_t>& pruned_through) {
  const Entry& entry = facts.entry;
  // Compared with the one before first: a chain names few replicas.
  if (!entry.replica.empty() && entry.replica != last_replica) {
    last_replica = entry.replica;
    replicas.insert(last_replica);
  }
  if (!facts.payload.has_value()) {
    AddMissing(entry.sequence, entry.sequence);
    ++pruned;
  }
  if (pruned_through.has_value()) {
    recorded_pruned = std::max(recorded_pruned, *pruned_through);
  }
}

void ChainTally::Append(const ChainTally& later) {
  if (!later.last_replica.empty()) last_replica = later.last_replica;
  replicas.insert(later.replicas.begin(), later.replicas.end());
  for (const auto& [first, last] : later.missing) AddMissing(first, last);
  pruned += later.pruned;
  recorded_pruned = std::max(recorded_pruned, later.recorded_pruned);
}

void ChainTally::AddMissing(uint64_t first, uint64_t last) {
  if (!missing.empty() && missing.back().second + 1 == first) {
    missing.back().second = last;
  } else {
    missing.emplace_back(first, last);
  }
}

ChainWalk::ChainWalk(std::string tenant,
                     std::vector<SignedCheckpoint> checkpoints,
                     uint64_t pruned_hint)
    : tenant_(std::move(tenant)),
      checkpoints_(std::move(checkpoints)),
      pruned_hint_(pruned_hint) {}

bool ChainWalk::Visit(uint64_t key_sequence, const EntryFacts& facts) {
  if (broken_) return false;
  uint64_t expected = last_sequence_ + 1;
  if (key_sequence != expected) {
    return Break(expected, absl::StrCat("entry ", expected,
                                        " is missing (the next stored is ",
                                        key_sequence, "): entries deleted"));
  }
  std::optional<uint64_t> pruned_through;
  if (auto problem = EntryProblem(tenant_, key_sequence, facts, last_hash_,
                                  pruned_hint_, pruned_through)) {
    return Break(key_sequence, *std::move(problem));
  }
  tally_.Add(facts, pruned_through);
  last_sequence_ = key_sequence;
  last_hash_ = facts.entry.hash;
  if (range_ == nullptr) {
    tree_.Append(facts.leaf, [](int, uint64_t, const crypto::Digest&) {});
  } else if (next_checkpoint_ < checkpoints_.size() &&
             checkpoints_[next_checkpoint_].checkpoint.size == key_sequence &&
             !TreeFromRange(key_sequence)) {
    return false;
  }
  return CheckCheckpointsAt(key_sequence);
}

bool ChainWalk::VisitRange(uint64_t first, absl::Span<const EntryFacts> facts,
                           const MerkleSubtree& tree,
                           const RangeChecks& checks) {
  const bool ranged = BeginRange(tree, first);
  bool intact = Visit(first, facts[0]);
  size_t next = 1;
  if (intact && ranged && checks.intact && StitchRange(first, facts)) {
    tally_.Append(checks.tally);
    last_sequence_ = first + facts.size() - 1;
    last_hash_ = facts.back().entry.hash;
    next = facts.size();
  }
  for (size_t i = next; i < facts.size() && intact; ++i) {
    intact = Visit(first + i, facts[i]);
  }
  if (ranged) intact = EndRange(first + facts.size() - 1) && intact;
  return intact;
}

void ChainWalk::Finish(const std::optional<DecodedHead>& head,
                       bool head_malformed) {
  if (broken_) return;
  if (head_malformed) {
    Break(last_sequence_, "head record is malformed");
  } else if (!head.has_value()) {
    if (last_sequence_ > 0) {
      Break(last_sequence_, "the chain has no head record");
    }
  } else if (head->sequence > last_sequence_) {
    Break(last_sequence_ + 1,
          absl::StrCat("the chain ends at ", last_sequence_,
                       " but its head names ", head->sequence,
                       ": entries removed from the end"));
  } else if (head->sequence < last_sequence_) {
    Break(head->sequence + 1,
          absl::StrCat("entries follow the head (", head->sequence,
                       "): appended outside the gate"));
  } else if (head->hash != last_hash_) {
    Break(last_sequence_, "the head's hash differs from the last entry's");
  }
  if (broken_) return;
  if (next_checkpoint_ < checkpoints_.size()) {
    const Checkpoint& c = checkpoints_.back().checkpoint;
    Break(last_sequence_ + 1,
          absl::StrCat("the chain ends at ", last_sequence_,
                       " but the gate signed a checkpoint of ", c.size,
                       " entries at ", Time(c.time),
                       ": entries removed behind a checkpoint"));
    return;
  }
  // Payloads may be missing only where a ledger.pruned entry of this
  // chain says retention removed them.
  for (const auto& [first, last] : tally_.missing) {
    if (last <= tally_.recorded_pruned) continue;
    Break(std::max(first, tally_.recorded_pruned + 1),
          absl::StrCat("payloads are missing up to ", last,
                       " but retention recorded pruning only up to ",
                       tally_.recorded_pruned, ": payloads deleted"));
    return;
  }
}

bool ChainWalk::StitchRange(uint64_t first,
                            absl::Span<const EntryFacts> facts) {
  const uint64_t last = first + facts.size() - 1;
  const size_t next_checkpoint = next_checkpoint_;
  std::optional<MerkleFrontier> tree_before;
  // A checkpoint is checked when the walk reaches its size: only those
  // from the one at hand on, in order.
  for (uint64_t at = first + 1; next_checkpoint_ < checkpoints_.size();) {
    const Checkpoint& c = checkpoints_[next_checkpoint_].checkpoint;
    if (c.size < at || c.size > last) break;
    if (!tree_before.has_value()) tree_before = tree_;
    if (!tree_.AppendFrom(*range_, range_first_leaf_, c.size).ok() ||
        c.head != facts[c.size - first].entry.hash || c.root != tree_.Root()) {
      tree_ = *std::move(tree_before);
      next_checkpoint_ = next_checkpoint;
      return false;
    }
    at = c.size;
    ++next_checkpoint_;
  }
  return true;
}

bool ChainWalk::BeginRange(const MerkleSubtree& tree, uint64_t first) {
  if (first < 1 || tree_.size() != first - 1 ||
      (first - 1) % tree.leaves() != 0) {
    return false;
  }
  range_ = &tree;
  range_first_leaf_ = first - 1;
  return true;
}

bool ChainWalk::EndRange(uint64_t last) {
  bool added = !broken_ && TreeFromRange(last);
  range_ = nullptr;
  return added;
}

bool ChainWalk::TreeFromRange(uint64_t size) {
  if (!tree_.AppendFrom(*range_, range_first_leaf_, size).ok()) {
    return Break(size, "the Merkle tree lost count: verifier fault");
  }
  return true;
}

bool ChainWalk::CheckCheckpointsAt(uint64_t sequence) {
  while (next_checkpoint_ < checkpoints_.size() &&
         checkpoints_[next_checkpoint_].checkpoint.size == sequence) {
    const Checkpoint& c = checkpoints_[next_checkpoint_].checkpoint;
    if (c.head != last_hash_ || c.root != tree_.Root()) {
      return Break(sequence, absl::StrCat("the checkpoint of ", c.size,
                                          " signed at ", Time(c.time),
                                          " does not match the chain: entries "
                                          "rewritten"));
    }
    ++next_checkpoint_;
  }
  return true;
}

bool ChainWalk::Break(uint64_t sequence, std::string reason) {
  broken_ = true;
  break_ = ChainBreak{tenant_, sequence, std::move(reason)};
  return false;
}

}  // namespace portcullis::ledger::ledger_internal
