// Internal to ledger/: the payloads of the entries the ledger writes for
// itself. They are small JSON objects (UTF-8, stored unsealed: they hold no
// customer data) so an auditor can read them in an export:
//
//   ledger.pruned   {"prunedFrom":1,"prunedThrough":1234,
//                    "cutoff":"2025-01-04T12:00:00Z"}
//   tenant.deleted  {"tenant":"acme","entries":1234,
//                    "head":"<hex>","root":"<hex>"}    (on chain "_ledger")
//   ledger.recovered {"lostFrom":4,"lostThrough":136,"keptHead":"<hex>",
//                    "keptRoot":"<hex>","keptTime":"2026-...Z",
//                    "reason":"..."}
//   ledger.key_rotated {"keyVersion":2,"trigger":"master-key-change"}
//                    (KeyRotationRecord, ledger.h; sealed with the new key)
#ifndef PORTCULLIS_LEDGER_INTERNAL_LEDGER_RECORDS_H_
#define PORTCULLIS_LEDGER_INTERNAL_LEDGER_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/hash.h"
#include "ledger/entry.h"

namespace portcullis::ledger::ledger_internal {

// A draft of one of the ledger's own records on `tenant`'s chain, indexed
// as the latest of its kind: rare, and what operators look up.
EntryDraft LedgerRecord(std::string tenant, const char* kind, absl::Time now);

inline constexpr char kPrunedKind[] = "ledger.pruned";
inline constexpr char kTenantDeletedKind[] = "tenant.deleted";
inline constexpr char kRecoveredKind[] = "ledger.recovered";

// `text` as printable ASCII without quotes or backslashes, at most 512
// bytes: safe inside a JSON string as it is.
std::string PlainText(absl::string_view text);

std::string PruneRecord(uint64_t from, uint64_t through, absl::Time cutoff);

// The "prunedThrough" of a ledger.pruned payload; nullopt when absent.
std::optional<uint64_t> PrunedThrough(absl::string_view payload);

std::string TenantDeletedRecord(absl::string_view tenant, uint64_t entries,
                                const crypto::Digest& head,
                                const crypto::Digest& root);

// What `portcullis ledger recover` found lost: entries lost_from..
// lost_through, which the kept checkpoint (head, root, time) covered.
// `reason` is JSON-escaped.
std::string RecoveredRecord(uint64_t lost_from, uint64_t lost_through,
                            const crypto::Digest& kept_head,
                            const crypto::Digest& kept_root,
                            absl::Time kept_time, absl::string_view reason);

// What `portcullis ledger recover` removed from past a chain's head:
// entries dropped_from..dropped_through, never acknowledged as part of the
// chain. `reason` is JSON-escaped.
std::string DroppedRecord(uint64_t dropped_from, uint64_t dropped_through,
                          absl::string_view reason);

}  // namespace portcullis::ledger::ledger_internal

#endif  // PORTCULLIS_LEDGER_INTERNAL_LEDGER_RECORDS_H_
