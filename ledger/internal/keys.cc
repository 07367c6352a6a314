#include "ledger/internal/keys.h"

#include "base/canonical_encoding.h"

namespace portcullis::ledger::ledger_internal {

std::string TenantPrefix(char tag, absl::string_view tenant) {
  std::string key;
  key.reserve(2 + tenant.size() + 8);
  key.push_back(tag);
  key.push_back(static_cast<char>(tenant.size()));
  key.append(tenant.data(), tenant.size());
  return key;
}

namespace {

std::string SequencedKey(char tag, absl::string_view tenant, uint64_t seq) {
  CanonicalWriter w;
  w.Fixed(TenantPrefix(tag, tenant));
  w.U64(seq);
  return w.Release();
}

}  // namespace

std::string EntryKey(absl::string_view tenant, uint64_t sequence) {
  return SequencedKey(kEntryTag, tenant, sequence);
}

std::string PayloadKey(absl::string_view tenant, uint64_t sequence) {
  return SequencedKey(kPayloadTag, tenant, sequence);
}

std::string HeadKey(absl::string_view tenant) {
  return TenantPrefix(kHeadTag, tenant);
}

std::string DecisionPrefix(absl::string_view tenant,
                           absl::string_view decision_id) {
  std::string key = TenantPrefix(kDecisionTag, tenant);
  key.append(decision_id.data(), decision_id.size());
  return key;
}

std::string DecisionKey(absl::string_view tenant, absl::string_view decision_id,
                        uint64_t sequence) {
  CanonicalWriter w;
  w.Fixed(DecisionPrefix(tenant, decision_id));
  w.U64(sequence);
  return w.Release();
}

std::string LatestKey(absl::string_view tenant, absl::string_view kind) {
  std::string key = TenantPrefix(kLatestTag, tenant);
  key.append(kind.data(), kind.size());
  return key;
}

std::string MerkleNodeKey(absl::string_view tenant, int level, uint64_t index) {
  CanonicalWriter w;
  w.Fixed(TenantPrefix(kMerkleTag, tenant));
  w.Byte(static_cast<uint8_t>(level));
  w.U64(index);
  return w.Release();
}

std::string CheckpointKey(absl::string_view tenant, uint64_t size) {
  return SequencedKey(kCheckpointTag, tenant, size);
}

std::string KeyRecordKey(absl::string_view tenant, uint32_t version) {
  CanonicalWriter w;
  w.Fixed(TenantPrefix(kKeyTag, tenant));
  w.U32(version);
  return w.Release();
}

std::string PrunedKey(absl::string_view tenant) {
  return TenantPrefix(kPrunedTag, tenant);
}

std::string SnapshotKey(absl::string_view tenant) {
  return TenantPrefix(kSnapshotTag, tenant);
}

std::string ReplicaKey() { return TenantPrefix(kIdentityTag, "replica"); }

size_t InsertionRunLength(absl::string_view key) {
  if (key.size() < 2 || key[0] == kPayloadTag) return 0;
  size_t length = 2 + static_cast<uint8_t>(key[1]);
  if (key[0] == kMerkleTag) ++length;
  return length < key.size() ? length : 0;
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;  // Every key: only reachable for an all-0xff prefix.
}

absl::StatusOr<ParsedKey> ParseKey(absl::string_view key) {
  CanonicalReader r(key);
  auto tag = r.Byte();
  auto length = r.Byte();
  if (!tag.ok() || !length.ok()) return absl::DataLossError("short key");
  auto tenant = r.Fixed(*length);
  if (!tenant.ok()) return absl::DataLossError("key shorter than its tenant");
  ParsedKey parsed{std::string(*tenant), 0};
  if (*tag == kHeadTag || *tag == kPrunedTag) {
    if (!r.done()) return absl::DataLossError("head key too long");
    return parsed;
  }
  if (*tag != kEntryTag && *tag != kPayloadTag && *tag != kCheckpointTag) {
    return absl::DataLossError("unknown key kind");
  }
  auto seq = r.U64();
  if (!seq.ok() || !r.done()) {
    return absl::DataLossError("malformed sequence in key");
  }
  parsed.sequence = *seq;
  return parsed;
}

}  // namespace portcullis::ledger::ledger_internal
