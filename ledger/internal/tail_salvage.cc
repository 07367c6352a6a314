#include "ledger/internal/tail_salvage.h"

#include <map>
#include <optional>
#include <utility>

#include "base/canonical_encoding.h"
#include "base/status_macros.h"
#include "crypto/hash.h"
#include "ledger/entry.h"
#include "ledger/internal/chain_state.h"
#include "ledger/internal/keys.h"

namespace portcullis::ledger::ledger_internal {
namespace {

struct KeptEnd {
  uint64_t sequence = 0;
  crypto::Digest hash{};
};

// With no head record: the entries from 1 that verify, up to the first
// that does not.
absl::StatusOr<KeptEnd> VerifiedPrefix(const KeyValueStore& store,
                                       absl::string_view tenant) {
  KeptEnd end;
  Entry entry;
  PORTCULLIS_RETURN_IF_ERROR(store.Scan(
      EntryKey(tenant, 1), PrefixEnd(TenantPrefix(kEntryTag, tenant)), false,
      [&](absl::string_view, absl::string_view value) {
        const uint64_t next = end.sequence + 1;
        if (!DecodeStoredEntry(value, entry).ok() || entry.sequence != next ||
            entry.tenant != tenant ||
            (next > 1 && entry.previous_hash != end.hash) ||
            StoredEntryHash(value) != entry.hash) {
          return false;
        }
        end = {next, entry.hash};
        return true;
      }));
  return end;
}

// Where `tenant`'s kept chain ends, writing a head into `batch` when it
// had none; nullopt for a head that does not decode or name its entry.
absl::StatusOr<std::optional<KeptEnd>> KeptChain(const KeyValueStore& store,
                                                 absl::string_view tenant,
                                                 WriteBatch& batch) {
  PORTCULLIS_ASSIGN_OR_RETURN(auto head_bytes, store.Get(HeadKey(tenant)));
  if (head_bytes.has_value()) {
    auto head = DecodeHead(*head_bytes);
    if (!head.ok()) return std::nullopt;
    PORTCULLIS_ASSIGN_OR_RETURN(auto stored,
                                store.Get(EntryKey(tenant, head->sequence)));
    if (head->sequence > 0) {
      auto entry = stored ? DecodeStoredEntry(*stored)
                          : absl::StatusOr<Entry>(absl::NotFoundError(""));
      if (!entry.ok() || entry->hash != head->hash) return std::nullopt;
    }
    return KeptEnd{head->sequence, head->hash};
  }
  PORTCULLIS_ASSIGN_OR_RETURN(KeptEnd end, VerifiedPrefix(store, tenant));
  if (end.sequence > 0) {
    // A version 1 head (no Merkle frontier): the loader rebuilds the tree
    // from the entries and writes it back.
    CanonicalWriter w;
    w.U64(end.sequence);
    w.Fixed(crypto::AsBytes(end.hash));
    batch.Put(HeadKey(tenant), w.Release());
  }
  return end;
}

// The latest kept entry of `kind` (at most `through`), or nullopt.
absl::StatusOr<std::optional<uint64_t>> LatestOfKind(const KeyValueStore& store,
                                                     absl::string_view tenant,
                                                     absl::string_view kind,
                                                     uint64_t through) {
  std::optional<uint64_t> found;
  Entry entry;
  PORTCULLIS_RETURN_IF_ERROR(store.Scan(
      EntryKey(tenant, 1), EntryKey(tenant, through + 1), true,
      [&](absl::string_view, absl::string_view value) {
        if (DecodeStoredEntry(value, entry).ok() && entry.kind == kind) {
          found = entry.sequence;
          return false;
        }
        return true;
      }));
  return found;
}

// Removes the entries of `tenant` past `kept` and what indexes them.
absl::StatusOr<std::optional<DroppedTail>> DropPast(const KeyValueStore& store,
                                                    absl::string_view tenant,
                                                    uint64_t kept,
                                                    WriteBatch& batch) {
  std::optional<DroppedTail> dropped;
  std::map<std::string, bool> kinds;  // kinds seen past the head
  Entry entry;
  PORTCULLIS_RETURN_IF_ERROR(store.Scan(
      EntryKey(tenant, kept + 1), PrefixEnd(TenantPrefix(kEntryTag, tenant)),
      false, [&](absl::string_view key, absl::string_view value) {
        auto parsed = ParseKey(key);
        const uint64_t sequence = parsed.ok() ? parsed->sequence : kept + 1;
        if (!dropped)
          dropped = DroppedTail{std::string(tenant), kept, sequence};
        dropped->dropped_through = std::max(dropped->dropped_through, sequence);
        batch.Delete(std::string(key));
        batch.Delete(PayloadKey(tenant, sequence));
        if (DecodeStoredEntry(value, entry).ok()) {
          if (!entry.decision_id.empty()) {
            batch.Delete(DecisionKey(tenant, entry.decision_id, sequence));
          }
          kinds[entry.kind] = true;
        }
        return true;
      }));
  if (!dropped) return dropped;
  for (const auto& [kind, unused] : kinds) {
    PORTCULLIS_ASSIGN_OR_RETURN(auto latest,
                                store.Get(LatestKey(tenant, kind)));
    if (!latest.has_value()) continue;
    CanonicalReader r(*latest);
    auto points_at = r.U64();
    if (points_at.ok() && *points_at <= kept) continue;
    PORTCULLIS_ASSIGN_OR_RETURN(auto before,
                                LatestOfKind(store, tenant, kind, kept));
    if (before.has_value()) {
      CanonicalWriter w;
      w.U64(*before);
      batch.Put(LatestKey(tenant, kind), w.Release());
    } else {
      batch.Delete(LatestKey(tenant, kind));
    }
  }
  return dropped;
}

}  // namespace

absl::StatusOr<std::vector<DroppedTail>> DropEntriesPastHeads(
    KeyValueStore& store) {
  PORTCULLIS_ASSIGN_OR_RETURN(std::vector<std::string> tenants,
                              StoredTenants(store, std::string{kEntryTag},
                                            /*include_ledger_chain=*/true));
  std::vector<DroppedTail> dropped;
  for (const std::string& tenant : tenants) {
    WriteBatch batch;
    PORTCULLIS_ASSIGN_OR_RETURN(std::optional<KeptEnd> kept,
                                KeptChain(store, tenant, batch));
    if (!kept.has_value()) continue;
    PORTCULLIS_ASSIGN_OR_RETURN(std::optional<DroppedTail> tail,
                                DropPast(store, tenant, kept->sequence, batch));
    if (!tail.has_value()) continue;
    PORTCULLIS_RETURN_IF_ERROR(store.Write(batch, /*sync=*/true));
    dropped.push_back(*std::move(tail));
  }
  return dropped;
}

}  // namespace portcullis::ledger::ledger_internal
