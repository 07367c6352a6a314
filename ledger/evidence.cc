#include "ledger/evidence.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "ledger/internal/chain_state.h"
#include "ledger/internal/keys.h"
#include "ledger/merkle.h"

namespace portcullis::ledger {

using ledger_internal::EntryKey;
using ledger_internal::PayloadKey;

absl::Status ReadStoredEntries(
    const KeyValueStore& store, absl::string_view tenant, uint64_t from,
    uint64_t to, absl::FunctionRef<bool(const StoredEntry&)> visit) {
  uint64_t expected = from;
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(
      store.Scan(EntryKey(tenant, from), EntryKey(tenant, to + 1), false,
                 [&](absl::string_view, absl::string_view value) {
                   StoredEntry stored;
                   auto entry = DecodeStoredEntry(value);
                   if (!entry.ok() || entry->sequence != expected ||
                       entry->tenant != tenant) {
                     problem = absl::DataLossError(absl::StrCat(
                         "entry ", tenant, "/", expected,
                         " is missing or out of place; run `portcullis "
                         "ledger verify`"));
                     return false;
                   }
                   stored.entry = *std::move(entry);
                   auto payload = store.Get(PayloadKey(tenant, expected));
                   if (!payload.ok()) {
                     problem = payload.status();
                     return false;
                   }
                   stored.stored_payload = *std::move(payload);
                   ++expected;
                   return visit(stored);
                 }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> CheckpointNotes(
    const KeyValueStore& store, absl::string_view tenant) {
  std::string prefix =
      ledger_internal::TenantPrefix(ledger_internal::kCheckpointTag, tenant);
  std::vector<std::string> notes;
  PORTCULLIS_RETURN_IF_ERROR(
      store.Scan(prefix, ledger_internal::PrefixEnd(prefix), false,
                 [&](absl::string_view, absl::string_view value) {
                   notes.emplace_back(value);
                   return true;
                 }));
  return notes;
}

absl::StatusOr<crypto::Digest> TreeRoot(const KeyValueStore& store,
                                        absl::string_view tenant,
                                        uint64_t size) {
  return MerkleRoot(size, [&](int level, uint64_t index) {
    return ledger_internal::ReadMerkleNode(store, tenant, level, index);
  });
}

absl::StatusOr<std::vector<crypto::Digest>> InclusionProof(
    const KeyValueStore& store, absl::string_view tenant, uint64_t sequence,
    uint64_t tree_size) {
  if (sequence == 0) {
    return absl::InvalidArgumentError("sequences start at 1");
  }
  return MerkleInclusionProof(
      sequence - 1, tree_size, [&](int level, uint64_t index) {
        return ledger_internal::ReadMerkleNode(store, tenant, level, index);
      });
}

absl::StatusOr<std::vector<crypto::Digest>> ConsistencyProof(
    const KeyValueStore& store, absl::string_view tenant, uint64_t old_size,
    uint64_t new_size) {
  return MerkleConsistencyProof(
      old_size, new_size, [&](int level, uint64_t index) {
        return ledger_internal::ReadMerkleNode(store, tenant, level, index);
      });
}

}  // namespace portcullis::ledger
