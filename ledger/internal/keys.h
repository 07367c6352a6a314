// Internal to ledger/: the RocksDB key layout.
//
//   'E' len(tenant):u8 tenant seq:u64be  -> encoded entry (entry.h)
//   'P' len(tenant):u8 tenant seq:u64be  -> payload bytes
//   'H' len(tenant):u8 tenant            -> head: seq:u64be hash[32]
//   'D' len(tenant):u8 tenant decision_id seq:u64be -> "" (an index: the
//       entries that concern a decision, derived from the 'E' entries)
//   'K' len(tenant):u8 tenant kind      -> seq:u64be of the latest entry of
//       that kind (derived, like 'D')
//   'M' len(tenant):u8 tenant level:u8 index:u64be -> a complete Merkle
//       subtree's 32-byte hash, levels 1 and up (derived from the entries;
//       leaves come from the entries themselves)
//   'C' len(tenant):u8 tenant size:u64be -> a signed checkpoint note
//   'S' len(tenant):u8 tenant version:u32be -> a payload key record
//   'R' len(tenant):u8 tenant           -> u64be: payloads of entries up to
//       this sequence were pruned by retention
//   'N' len(tenant):u8 tenant           -> the gate's state snapshot:
//       covered seq:u64be, then a framed payload (sealed like entries')
//   'I' 0x07 "replica"                  -> the name of the replica whose
//       ledger this is (absent for a lone gate's): no tenant's, and under
//       no tag a tenant has keys under
//
// The length byte makes each tenant's range disjoint from every other's:
// the prefix of tenant "a" is 'E' 0x01 'a' and that of "ab" is 'E' 0x02 'a'
// 'b', so a scan of "a" can never reach "ab". Big-endian sequences sort in
// numeric order. Tenant ids are validated before they get here.
#ifndef PORTCULLIS_LEDGER_INTERNAL_KEYS_H_
#define PORTCULLIS_LEDGER_INTERNAL_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::ledger::ledger_internal {

inline constexpr char kEntryTag = 'E';
inline constexpr char kPayloadTag = 'P';
inline constexpr char kHeadTag = 'H';
inline constexpr char kDecisionTag = 'D';
inline constexpr char kLatestTag = 'K';
inline constexpr char kMerkleTag = 'M';
inline constexpr char kCheckpointTag = 'C';
inline constexpr char kKeyTag = 'S';
inline constexpr char kPrunedTag = 'R';
inline constexpr char kSnapshotTag = 'N';
inline constexpr char kIdentityTag = 'I';

// Every tag under which a tenant has keys: deleting a tenant removes them
// all.
inline constexpr char kAllTenantTags[] = {
    kEntryTag,  kPayloadTag,    kHeadTag, kDecisionTag, kLatestTag,
    kMerkleTag, kCheckpointTag, kKeyTag,  kPrunedTag,   kSnapshotTag};

// The chain the ledger keeps for itself (records of deleted tenants). Not
// a valid tenant id, so no tenant can name it.
inline constexpr char kLedgerChain[] = "_ledger";

// tag, the tenant's length byte and the tenant.
std::string TenantPrefix(char tag, absl::string_view tenant);

std::string EntryKey(absl::string_view tenant, uint64_t sequence);
std::string PayloadKey(absl::string_view tenant, uint64_t sequence);
std::string HeadKey(absl::string_view tenant);

// The prefix of a decision's index keys, and one index key. Decision ids
// have a fixed length (32), so no decision's prefix contains another's.
std::string DecisionPrefix(absl::string_view tenant,
                           absl::string_view decision_id);
std::string DecisionKey(absl::string_view tenant, absl::string_view decision_id,
                        uint64_t sequence);

// The key naming the latest entry of `kind` in `tenant`'s chain.
std::string LatestKey(absl::string_view tenant, absl::string_view kind);

std::string MerkleNodeKey(absl::string_view tenant, int level, uint64_t index);
std::string CheckpointKey(absl::string_view tenant, uint64_t size);
std::string KeyRecordKey(absl::string_view tenant, uint32_t version);
std::string PrunedKey(absl::string_view tenant);
std::string SnapshotKey(absl::string_view tenant);
// Where the ledger keeps the name of its replica (LedgerOptions::replica).
std::string ReplicaKey();

// The length of `key`'s insertion run: its tag and tenant, and for tree
// nodes also the level. Within a run the ledger writes keys in ascending
// order (sequences, tree indexes), so the store can place each one after
// the last instead of searching for it.
//
// 0, no run, for the keys a range deletion may begin at (see
// RocksDbStore::Write): a key no longer than its run's prefix (a bare
// tenant prefix, where a tenant's deletion begins; a head key) and every
// payload key (where retention's pruning begins, in this and in earlier
// versions' write-ahead logs). And 0 for a key too short to have a run.
size_t InsertionRunLength(absl::string_view key);

// The smallest key greater than every key that starts with `prefix`.
std::string PrefixEnd(absl::string_view prefix);

struct ParsedKey {
  std::string tenant;
  uint64_t sequence = 0;  // 0 for head keys
};

// Parses an 'E', 'P' or 'C' key (with a sequence) or an 'H' key (without).
// Returns DataLoss for anything else.
absl::StatusOr<ParsedKey> ParseKey(absl::string_view key);

}  // namespace portcullis::ledger::ledger_internal

#endif  // PORTCULLIS_LEDGER_INTERNAL_KEYS_H_
