#include "ledger/internal/chain_state.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/status_macros.h"
#include "crypto/key_file.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/internal/keys.h"

namespace portcullis::ledger::ledger_internal {
namespace {

constexpr size_t kBackfillBatch = 4096;

std::string Refuse(absl::string_view tenant, absl::string_view why) {
  return absl::StrCat("tenant ", tenant, " is refused: ", why);
}

// Calls `visit` with the Merkle leaf of each of `tenant`'s entries from
// `first` up to (not including) `end`, in order; stops at its first error
// and returns it. DataLoss, naming the entries, when one is missing, does
// not decode or is out of place.
absl::Status ForEachLeaf(
    const KeyValueStore& store, absl::string_view tenant, uint64_t first,
    uint64_t end,
    absl::FunctionRef<absl::Status(const crypto::Digest& leaf)> visit) {
  uint64_t next = first;
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(
      store.Scan(EntryKey(tenant, first), EntryKey(tenant, end), false,
                 [&](absl::string_view, absl::string_view value) {
                   auto entry = DecodeStoredEntry(value);
                   if (!entry.ok() || entry->sequence != next) return false;
                   ++next;
                   problem = visit(MerkleLeafHash(entry->hash));
                   return problem.ok();
                 }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  if (next != end) {
    return absl::DataLossError(absl::StrCat("entries ", first, "-", end - 1,
                                            " of tenant ", tenant,
                                            " are missing or out of place"));
  }
  return absl::OkStatus();
}

// Rebuilds the Merkle tree of a chain written before the tree existed.
absl::StatusOr<MerkleFrontier> Backfill(KeyValueStore& store,
                                        absl::string_view tenant,
                                        uint64_t sequence) {
  MerkleFrontier tree;
  WriteBatch batch;
  PORTCULLIS_RETURN_IF_ERROR(ForEachLeaf(
      store, tenant, 1, sequence + 1, [&](const crypto::Digest& leaf) {
        tree.Append(leaf,
                    [&](int level, uint64_t index, const crypto::Digest& h) {
                      if (level < kFirstStoredMerkleLevel) return;
                      batch.Put(MerkleNodeKey(tenant, level, index),
                                std::string(crypto::AsBytes(h)));
                    });
        if (batch.puts.size() < kBackfillBatch) return absl::OkStatus();
        return store.Write(std::exchange(batch, WriteBatch()), false);
      }));
  if (!batch.empty()) PORTCULLIS_RETURN_IF_ERROR(store.Write(batch, false));
  return tree;
}

// A Merkle node below kFirstStoredMerkleLevel, hashed from the 2^level
// entries it covers.
absl::StatusOr<crypto::Digest> SubtreeFromEntries(const KeyValueStore& store,
                                                  absl::string_view tenant,
                                                  int level, uint64_t index) {
  const uint64_t first = (index << level) + 1;
  MerkleFrontier subtree;
  PORTCULLIS_RETURN_IF_ERROR(ForEachLeaf(
      store, tenant, first, first + (uint64_t{1} << level),
      [&](const crypto::Digest& leaf) {
        subtree.Append(leaf, [](int, uint64_t, const crypto::Digest&) {});
        return absl::OkStatus();
      }));
  return subtree.Root();
}

// Checks the head record against the entry it names, loading the tree.
absl::Status LoadHead(KeyValueStore& store, absl::string_view tenant,
                      ChainState& state) {
  PORTCULLIS_ASSIGN_OR_RETURN(auto head_bytes, store.Get(HeadKey(tenant)));
  if (!head_bytes.has_value()) return absl::OkStatus();
  auto head = DecodeHead(*head_bytes);
  if (!head.ok()) {
    state.refusal = Refuse(tenant, "its chain head record is malformed");
    return absl::OkStatus();
  }
  state.sequence = head->sequence;
  state.hash = head->hash;
  PORTCULLIS_ASSIGN_OR_RETURN(auto stored,
                              store.Get(EntryKey(tenant, head->sequence)));
  auto entry = stored ? DecodeStoredEntry(*stored)
                      : absl::StatusOr<Entry>(absl::NotFoundError(""));
  if (!entry.ok() || entry->hash != head->hash) {
    state.refusal =
        Refuse(tenant, absl::StrCat("its head names entry ", head->sequence,
                                    ", which is missing or differs; run "
                                    "`portcullis ledger verify`"));
    return absl::OkStatus();
  }
  if (head->tree.has_value()) {
    state.tree = *std::move(head->tree);
    return absl::OkStatus();
  }
  auto rebuilt = Backfill(store, tenant, head->sequence);
  if (!rebuilt.ok()) {
    if (!absl::IsDataLoss(rebuilt.status())) return rebuilt.status();
    state.refusal = Refuse(tenant, "its entries do not form a chain");
    return absl::OkStatus();
  }
  state.tree = *std::move(rebuilt);
  WriteBatch batch;
  batch.Put(HeadKey(tenant), EncodeHead(state));
  return store.Write(batch, true);
}

// Compares the chain with its latest checkpoint: a shorter chain was
// rolled back, a different one rewritten.
absl::Status CheckAgainstCheckpoint(const KeyValueStore& store,
                                    absl::string_view tenant,
                                    const crypto::VerifyingKey* key,
                                    ChainState& state) {
  PORTCULLIS_ASSIGN_OR_RETURN(auto latest, LatestCheckpointNote(store, tenant));
  if (!latest.has_value()) return absl::OkStatus();
  auto note = ParseCheckpoint(latest->second);
  if (!note.ok() || note->checkpoint.size != latest->first ||
      note->checkpoint.tenant != tenant) {
    state.refusal = Refuse(tenant,
                           "its latest checkpoint is malformed or "
                           "belongs elsewhere");
    return absl::OkStatus();
  }
  const Checkpoint& cp = note->checkpoint;
  if (key != nullptr && cp.key_id == crypto::KeyId(*key) &&
      !VerifyCheckpointSignature(*note, *key)) {
    state.refusal =
        Refuse(tenant, absl::StrCat("the signature of its checkpoint at ",
                                    cp.size, " does not verify"));
    return absl::OkStatus();
  }
  state.checkpoint_size = cp.size;
  state.checkpoint_time = cp.time;
  if (state.sequence < cp.size) {
    state.refusal = Refuse(
        tenant,
        absl::StrCat("its chain ends at ", state.sequence,
                     " but the gate signed a checkpoint of ", cp.size,
                     " entries at ",
                     absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", cp.time,
                                      absl::UTCTimeZone()),
                     ": the ledger was rolled back (an old backup restored?)"));
    return absl::OkStatus();
  }
  PORTCULLIS_ASSIGN_OR_RETURN(auto stored,
                              store.Get(EntryKey(tenant, cp.size)));
  auto entry = stored ? DecodeStoredEntry(*stored)
                      : absl::StatusOr<Entry>(absl::NotFoundError(""));
  auto root = MerkleRoot(cp.size, [&](int level, uint64_t index) {
    return ReadMerkleNode(store, tenant, level, index);
  });
  if (!entry.ok() || entry->hash != cp.head || !root.ok() || *root != cp.root) {
    state.refusal =
        Refuse(tenant, absl::StrCat("its chain differs from its checkpoint at ",
                                    cp.size, ": entries were rewritten"));
  }
  return absl::OkStatus();
}

// Recomputes every entry from the latest checkpoint (the entry it ends at
// included) to the head: each must decode, sit at its sequence, link to the
// one before, hash to its stored hash and match its payload, and the last
// must be the head. The stored hash fields alone prove nothing: an entry
// rewritten with its old hash kept would pass a comparison of fields.
absl::Status CheckTail(const KeyValueStore& store, absl::string_view tenant,
                       ChainState& state) {
  // Nothing may follow the head: an entry past it was never acknowledged
  // (a write torn between its entries and its head record, or an entry
  // added behind the gate's back). Building on it would hide it.
  std::optional<uint64_t> past;
  PORTCULLIS_RETURN_IF_ERROR(
      store.Scan(EntryKey(tenant, state.sequence + 1),
                 PrefixEnd(TenantPrefix(kEntryTag, tenant)), false,
                 [&](absl::string_view key, absl::string_view) {
                   auto parsed = ParseKey(key);
                   past = parsed.ok() ? parsed->sequence : state.sequence + 1;
                   return false;
                 }));
  if (past.has_value()) {
    state.refusal = Refuse(
        tenant, absl::StrCat("entry ", *past, " is stored past its head at ",
                             state.sequence,
                             ": a write was torn or the ledger was changed "
                             "outside the gate; run `portcullis ledger "
                             "verify`"));
    return absl::OkStatus();
  }
  const uint64_t first = std::max<uint64_t>(state.checkpoint_size, 1);
  if (state.sequence < first) return absl::OkStatus();
  uint64_t next = first;
  crypto::Digest previous{};
  std::string problem;
  Entry entry;
  std::vector<crypto::Digest> digests;  // payload digests, from `first`
  PORTCULLIS_RETURN_IF_ERROR(store.Scan(
      EntryKey(tenant, first), EntryKey(tenant, state.sequence + 1), false,
      [&](absl::string_view, absl::string_view value) {
        if (!DecodeStoredEntry(value, entry).ok() || entry.sequence != next ||
            entry.tenant != tenant) {
          problem = absl::StrCat("entry ", next, " is missing or malformed");
        } else if (next > first && entry.previous_hash != previous) {
          problem = absl::StrCat("entry ", next,
                                 " does not link to the entry before it");
        } else if (StoredEntryHash(value) != entry.hash) {
          problem = absl::StrCat("entry ", next,
                                 " does not hash to its recorded hash: it "
                                 "was modified");
        }
        if (!problem.empty()) return false;
        previous = entry.hash;
        digests.push_back(entry.payload_digest);
        ++next;
        return true;
      }));
  if (problem.empty() && next != state.sequence + 1) {
    problem = absl::StrCat("entry ", next, " is missing");
  }
  if (problem.empty() && previous != state.hash) {
    problem = "the last entry is not the head";
  }
  const uint64_t first_payload = std::max(first, state.pruned_through + 1);
  if (problem.empty() && first_payload <= state.sequence) {
    uint64_t expected = first_payload;
    PORTCULLIS_RETURN_IF_ERROR(
        store.Scan(PayloadKey(tenant, first_payload),
                   PayloadKey(tenant, state.sequence + 1), false,
                   [&](absl::string_view, absl::string_view payload) {
                     if (PayloadDigest(payload) != digests[expected - first]) {
                       problem = absl::StrCat("the payload of entry ", expected,
                                              " was modified");
                       return false;
                     }
                     ++expected;
                     return true;
                   }));
    if (problem.empty() && expected != state.sequence + 1) {
      problem = absl::StrCat("the payload of entry ", expected, " is missing");
    }
  }
  if (!problem.empty()) {
    state.refusal = Refuse(tenant, absl::StrCat(problem,
                                                "; run `portcullis ledger "
                                                "verify`"));
  }
  return absl::OkStatus();
}

// Compares the chain with the checkpoint kept outside the database: a
// chain behind it lost entries, even if the store's own checkpoints went
// with them.
void CheckAgainstKept(const KeyValueStore& store, absl::string_view tenant,
                      const crypto::VerifyingKey* key,
                      const KeptCheckpoint& kept, ChainState& state) {
  auto note = ParseCheckpoint(kept.note);
  if (!note.ok() || note->checkpoint.tenant != tenant) {
    state.refusal =
        Refuse(tenant, absl::StrCat("its checkpoint kept in ", kept.where,
                                    " is malformed or belongs "
                                    "elsewhere"));
    return;
  }
  const Checkpoint& cp = note->checkpoint;
  if (key != nullptr && cp.key_id == crypto::KeyId(*key) &&
      !VerifyCheckpointSignature(*note, *key)) {
    state.refusal =
        Refuse(tenant, absl::StrCat("the signature of its checkpoint kept in ",
                                    kept.where, " does not verify"));
    return;
  }
  if (cp.size > state.sequence) {
    state.refusal = Refuse(
        tenant, absl::StrCat(
                    "its chain ends at ", state.sequence,
                    " but the checkpoint kept in ", kept.where, " covers ",
                    cp.size, " entries, signed at ",
                    absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", cp.time,
                                     absl::UTCTimeZone()),
                    ": entries ", state.sequence + 1, "-", cp.size,
                    " were lost (a damaged write-ahead log, or an old backup "
                    "restored); `portcullis ledger recover` records the loss"));
    return;
  }
  if (cp.size == 0) return;
  auto stored = store.Get(EntryKey(tenant, cp.size));
  auto root = MerkleRoot(cp.size, [&](int level, uint64_t index) {
    return ReadMerkleNode(store, tenant, level, index);
  });
  bool same = stored.ok() && stored->has_value() &&
              StoredEntryHash(**stored) == cp.head && root.ok() &&
              *root == cp.root;
  if (!same) {
    state.refusal =
        Refuse(tenant, absl::StrCat("its chain differs from the checkpoint "
                                    "kept in ",
                                    kept.where, " at ", cp.size,
                                    ": entries were rewritten"));
  }
}

}  // namespace

std::string EncodeHead(const ChainState& state) {
  CanonicalWriter w;
  w.U64(state.sequence);
  w.Fixed(crypto::AsBytes(state.hash));
  for (const crypto::Digest& h : state.tree.hashes()) {
    w.Fixed(crypto::AsBytes(h));
  }
  return w.Release();
}

absl::StatusOr<DecodedHead> DecodeHead(absl::string_view bytes) {
  CanonicalReader r(bytes);
  DecodedHead head;
  PORTCULLIS_ASSIGN_OR_RETURN(head.sequence, r.U64());
  PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view hash,
                              r.Fixed(crypto::kDigestSize));
  crypto::DigestFromBytes(hash, head.hash);
  if (r.done()) return head;  // version 1: no tree yet
  std::vector<crypto::Digest> hashes(std::popcount(head.sequence));
  for (crypto::Digest& h : hashes) {
    PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view node,
                                r.Fixed(crypto::kDigestSize));
    crypto::DigestFromBytes(node, h);
  }
  if (!r.done()) return absl::DataLossError("head record too long");
  PORTCULLIS_ASSIGN_OR_RETURN(
      head.tree, MerkleFrontier::FromHashes(head.sequence, std::move(hashes)));
  return head;
}

absl::StatusOr<crypto::Digest> ReadMerkleNode(const KeyValueStore& store,
                                              absl::string_view tenant,
                                              int level, uint64_t index) {
  if (level < kFirstStoredMerkleLevel) {
    return SubtreeFromEntries(store, tenant, level, index);
  }
  PORTCULLIS_ASSIGN_OR_RETURN(auto stored,
                              store.Get(MerkleNodeKey(tenant, level, index)));
  crypto::Digest d;
  if (!stored.has_value() || !crypto::DigestFromBytes(*stored, d)) {
    return absl::DataLossError(absl::StrCat("Merkle node ", level, "/", index,
                                            " of tenant ", tenant,
                                            " is missing or malformed"));
  }
  return d;
}

absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>>
LatestCheckpointNote(const KeyValueStore& store, absl::string_view tenant) {
  std::string prefix = TenantPrefix(kCheckpointTag, tenant);
  std::optional<std::pair<uint64_t, std::string>> out;
  PORTCULLIS_RETURN_IF_ERROR(
      store.Scan(prefix, PrefixEnd(prefix), /*reverse=*/true,
                 [&](absl::string_view key, absl::string_view value) {
                   auto parsed = ParseKey(key);
                   if (parsed.ok()) {
                     out.emplace(parsed->sequence, std::string(value));
                   }
                   return false;
                 }));
  return out;
}

absl::StatusOr<std::vector<std::string>> StoredTenants(
    const KeyValueStore& store, absl::string_view tags,
    bool include_ledger_chain) {
  std::vector<std::string> tenants;
  for (char tag : tags) {
    std::string begin(1, tag);
    std::string end = PrefixEnd(begin);
    // Skip from one tenant's range to the next: one seek per tenant.
    while (true) {
      std::optional<std::string> found;
      PORTCULLIS_RETURN_IF_ERROR(store.Scan(
          begin, end, false, [&](absl::string_view key, absl::string_view) {
            if (key.size() >= 2 &&
                key.size() >= 2u + static_cast<uint8_t>(key[1])) {
              found = std::string(key.substr(2, static_cast<uint8_t>(key[1])));
            }
            return false;
          }));
      if (!found) break;
      if (include_ledger_chain || *found != kLedgerChain) {
        tenants.push_back(*found);
      }
      begin = PrefixEnd(TenantPrefix(tag, *found));
    }
  }
  std::sort(tenants.begin(), tenants.end());
  tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  return tenants;
}

namespace {

absl::StatusOr<ChainState> LoadAndCheck(KeyValueStore& store,
                                        absl::string_view tenant,
                                        const crypto::VerifyingKey* key,
                                        const KeptCheckpoint* kept) {
  ChainState state;
  PORTCULLIS_RETURN_IF_ERROR(LoadHead(store, tenant, state));
  PORTCULLIS_ASSIGN_OR_RETURN(auto pruned, store.Get(PrunedKey(tenant)));
  if (pruned.has_value()) {
    CanonicalReader r(*pruned);
    auto through = r.U64();
    if (through.ok()) state.pruned_through = *through;
  }
  if (!state.refusal.empty()) return state;
  PORTCULLIS_RETURN_IF_ERROR(CheckAgainstCheckpoint(store, tenant, key, state));
  if (!state.refusal.empty()) return state;
  if (kept != nullptr) CheckAgainstKept(store, tenant, key, *kept, state);
  if (!state.refusal.empty()) return state;
  PORTCULLIS_RETURN_IF_ERROR(CheckTail(store, tenant, state));
  return state;
}

}  // namespace

absl::StatusOr<ChainState> LoadChainState(KeyValueStore& store,
                                          absl::string_view tenant,
                                          const crypto::VerifyingKey* key,
                                          const KeptCheckpoint* kept) {
  absl::StatusOr<ChainState> state = LoadAndCheck(store, tenant, key, kept);
  if (!absl::IsDataLoss(state.status())) return state;
  // The store says this tenant's records are damaged (a table file that
  // fails its checksum): refuse it, name what, and let the others serve.
  ChainState refused;
  refused.refusal = Refuse(
      tenant,
      absl::StrCat("its records cannot be read: ", state.status().message(),
                   "; run `portcullis ledger verify`"));
  return refused;
}

}  // namespace portcullis::ledger::ledger_internal
