// Internal to ledger/: what the Ledger keeps in memory per tenant, how the
// head record stores it, and how it is loaded and checked at open
// (docs/ledger.md, "Startup integrity").
//
// Head record (version 2): u64(sequence) || hash || the Merkle frontier
// (one 32-byte hash per set bit of the sequence). A version 1 head (40
// bytes, no frontier) was written before the Merkle tree existed; the
// loader then rebuilds the tree from the entries once.
#ifndef PORTCULLIS_LEDGER_INTERNAL_CHAIN_STATE_H_
#define PORTCULLIS_LEDGER_INTERNAL_CHAIN_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/key_value_store.h"
#include "ledger/merkle.h"

namespace portcullis::ledger::ledger_internal {

struct ChainState {
  uint64_t sequence = 0;         // of the last entry; 0 when empty
  crypto::Digest hash{};         // of the last entry
  MerkleFrontier tree;           // tree.size() == sequence
  uint64_t checkpoint_size = 0;  // of the latest signed checkpoint
  absl::Time checkpoint_time = absl::InfinitePast();
  uint64_t pruned_through = 0;
  // Non-empty when the tenant is refused: why.
  std::string refusal;
};

std::string EncodeHead(const ChainState& state);

struct DecodedHead {
  uint64_t sequence = 0;
  crypto::Digest hash{};
  std::optional<MerkleFrontier> tree;  // absent for a version 1 head
};
absl::StatusOr<DecodedHead> DecodeHead(absl::string_view bytes);

// Merkle nodes are stored from this level up: a quarter of a key per
// append in all, where storing every node took two. Below it,
// ReadMerkleNode hashes a node from the entries it covers (at most 4), so
// an inclusion proof reads 7 entries more and every append writes almost
// two keys fewer. Keys of lower levels that earlier versions wrote are
// ignored.
inline constexpr int kFirstStoredMerkleLevel = 3;

// Reads a Merkle node: stored from kFirstStoredMerkleLevel up, hashed
// from its entries below. DataLoss when it is missing or malformed.
absl::StatusOr<crypto::Digest> ReadMerkleNode(const KeyValueStore& store,
                                              absl::string_view tenant,
                                              int level, uint64_t index);

// The newest checkpoint note of `tenant` and its size, or nullopt.
absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>>
LatestCheckpointNote(const KeyValueStore& store, absl::string_view tenant);

// Every tenant with keys under one of `tags` (e.g. heads and checkpoints),
// sorted; the ledger's own chain only with `include_ledger_chain`. One
// seek per tenant.
absl::StatusOr<std::vector<std::string>> StoredTenants(
    const KeyValueStore& store, absl::string_view tags,
    bool include_ledger_chain);

// A signed checkpoint kept outside the database (checkpoint_files.h).
struct KeptCheckpoint {
  std::string note;   // the signed note text
  std::string where;  // its file, for messages
};

// Loads `tenant`'s state and checks it: the head record against its entry,
// every entry after the latest checkpoint recomputed (hash, link, payload
// digest) up to the head, and the chain against its latest checkpoint in
// the store and against `kept` (which may be null). A tenant that fails
// is returned with `refusal` set (never an error), and so is one whose
// entries cannot be read because the store reports them damaged
// (DataLoss), naming what. `key`, when given, must have signed checkpoints
// that name it. Rebuilds the Merkle tree of a version 1 head (writing to
// `store`). Returns an error only when the store cannot be read or written.
absl::StatusOr<ChainState> LoadChainState(KeyValueStore& store,
                                          absl::string_view tenant,
                                          const crypto::VerifyingKey* key,
                                          const KeptCheckpoint* kept = nullptr);

}  // namespace portcullis::ledger::ledger_internal

#endif  // PORTCULLIS_LEDGER_INTERNAL_CHAIN_STATE_H_
