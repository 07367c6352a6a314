#include "ledger/verifier.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/status_macros.h"
#include "ledger/entry.h"
#include "ledger/internal/keys.h"

namespace portcullis::ledger {
namespace {

using ledger_internal::PrefixEnd;

struct Head {
  uint64_t sequence = 0;
  crypto::Digest hash{};
};

// The walk over one tenant's entries, in key order.
class ChainWalk {
 public:
  ChainWalk(std::string tenant, const KeyValueStore& store)
      : tenant_(std::move(tenant)), store_(store) {}

  // Checks the entry stored under sequence `key_sequence`. Returns false
  // once the chain is broken; later entries are then not examined.
  bool Visit(uint64_t key_sequence, absl::string_view value) {
    if (broken_) return false;
    uint64_t expected = last_sequence_ + 1;
    if (key_sequence != expected) {
      return Break(expected, absl::StrCat("entry ", expected,
                                          " is missing (the next stored is ",
                                          key_sequence, "): entries deleted"));
    }
    auto entry = DecodeStoredEntry(value);
    if (!entry.ok()) {
      return Break(key_sequence, absl::StrCat("entry does not decode (",
                                              entry.status().message(), ")"));
    }
    if (entry->tenant != tenant_) {
      return Break(key_sequence,
                   absl::StrCat("entry belongs to tenant \"", entry->tenant,
                                "\": copied from another chain"));
    }
    if (entry->sequence != key_sequence) {
      return Break(key_sequence,
                   absl::StrCat("entry claims sequence ", entry->sequence,
                                ": entries reordered or moved"));
    }
    if (entry->previous_hash != last_hash_) {
      return Break(key_sequence,
                   "previous hash does not match the entry before: chain "
                   "broken");
    }
    if (ComputeEntryHash(*entry) != entry->hash) {
      return Break(key_sequence,
                   "entry hash does not match its contents: entry modified");
    }
    if (!CheckPayload(*entry)) return false;
    last_sequence_ = key_sequence;
    last_hash_ = entry->hash;
    return true;
  }

  // Checks that the chain ends where the head record says.
  void Finish(const std::optional<Head>& head) {
    if (broken_) return;
    if (!head.has_value()) {
      Break(last_sequence_, "the chain has no head record");
      return;
    }
    if (head->sequence > last_sequence_) {
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
  }

  uint64_t entries() const { return last_sequence_; }
  const std::optional<ChainBreak>& chain_break() const { return break_; }

 private:
  bool CheckPayload(const Entry& entry) {
    auto payload =
        store_.Get(ledger_internal::PayloadKey(tenant_, entry.sequence));
    if (!payload.ok()) {
      return Break(entry.sequence, absl::StrCat("payload unreadable: ",
                                                payload.status().message()));
    }
    if (!payload->has_value()) {
      return Break(entry.sequence, "payload is missing");
    }
    if (PayloadDigest(**payload) != entry.payload_digest) {
      return Break(entry.sequence,
                   "payload does not match its digest: payload modified");
    }
    return true;
  }

  bool Break(uint64_t sequence, std::string reason) {
    broken_ = true;
    break_ = ChainBreak{tenant_, sequence, std::move(reason)};
    return false;
  }

  std::string tenant_;
  const KeyValueStore& store_;
  uint64_t last_sequence_ = 0;
  crypto::Digest last_hash_{};
  bool broken_ = false;
  std::optional<ChainBreak> break_;
};

absl::StatusOr<std::map<std::string, Head>> LoadHeads(
    const KeyValueStore& store, std::vector<ChainBreak>& breaks) {
  std::map<std::string, Head> heads;
  std::string begin(1, ledger_internal::kHeadTag);
  PORTCULLIS_RETURN_IF_ERROR(store.Scan(
      begin, PrefixEnd(begin), false,
      [&](absl::string_view key, absl::string_view value) {
        auto parsed = ledger_internal::ParseKey(key);
        if (!parsed.ok()) return true;  // not a head key we can name
        CanonicalReader r(value);
        auto sequence = r.U64();
        auto hash = r.Fixed(crypto::kDigestSize);
        Head head;
        if (!sequence.ok() || !hash.ok() || !r.done()) {
          breaks.push_back({parsed->tenant, 0, "head record is malformed"});
          return true;
        }
        head.sequence = *sequence;
        crypto::DigestFromBytes(*hash, head.hash);
        heads[parsed->tenant] = head;
        return true;
      }));
  return heads;
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyLedger(const KeyValueStore& store,
                                          const VerifyOptions& options) {
  VerifyReport report;
  PORTCULLIS_ASSIGN_OR_RETURN(auto heads, LoadHeads(store, report.breaks));

  std::string begin(1, ledger_internal::kEntryTag);
  std::string end = PrefixEnd(begin);
  if (!options.tenant.empty()) {
    begin = ledger_internal::TenantPrefix(ledger_internal::kEntryTag,
                                          options.tenant);
    end = PrefixEnd(begin);
  }

  std::optional<ChainWalk> walk;
  std::map<std::string, bool> seen;
  std::string current;
  auto close_walk = [&]() {
    if (!walk) return;
    auto it = heads.find(current);
    walk->Finish(it == heads.end() ? std::nullopt
                                   : std::optional<Head>(it->second));
    report.entries += walk->entries();
    if (walk->chain_break()) report.breaks.push_back(*walk->chain_break());
    ++report.tenants;
    walk.reset();
  };

  PORTCULLIS_RETURN_IF_ERROR(store.Scan(
      begin, end, false, [&](absl::string_view key, absl::string_view value) {
        auto parsed = ledger_internal::ParseKey(key);
        if (!parsed.ok()) {
          report.breaks.push_back({"", 0, "a ledger key is malformed"});
          return true;
        }
        if (!walk || parsed->tenant != current) {
          close_walk();
          current = parsed->tenant;
          seen[current] = true;
          walk.emplace(current, store);
        }
        walk->Visit(parsed->sequence, value);
        if (options.progress)
          options.progress(report.entries + walk->entries());
        return true;
      }));
  close_walk();

  // Heads whose tenant has no entries at all.
  for (const auto& [tenant, head] : heads) {
    if (seen.count(tenant) > 0) continue;
    if (!options.tenant.empty() && tenant != options.tenant) continue;
    ++report.tenants;
    report.breaks.push_back(
        {tenant, 1,
         absl::StrCat("the head names ", head.sequence,
                      " entries but none exist: entries deleted")});
  }
  return report;
}

}  // namespace portcullis::ledger
