#include "ledger/internal/ledger_records.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"

namespace portcullis::ledger::ledger_internal {

EntryDraft LedgerRecord(std::string tenant, const char* kind, absl::Time now) {
  EntryDraft d;
  d.tenant = std::move(tenant);
  d.kind = kind;
  d.time = now;
  d.index_latest = true;
  return d;
}

std::string PruneRecord(uint64_t from, uint64_t through, absl::Time cutoff) {
  return absl::StrCat(
      "{\"prunedFrom\":", from, ",\"prunedThrough\":", through,
      ",\"cutoff\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", cutoff, absl::UTCTimeZone()),
      "\"}");
}

std::optional<uint64_t> PrunedThrough(absl::string_view payload) {
  constexpr absl::string_view kField = "\"prunedThrough\":";
  size_t at = payload.find(kField);
  if (at == absl::string_view::npos) return std::nullopt;
  absl::string_view digits = payload.substr(at + kField.size());
  size_t end = 0;
  while (end < digits.size() && digits[end] >= '0' && digits[end] <= '9') {
    ++end;
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(digits.substr(0, end), &value)) return std::nullopt;
  return value;
}

std::string TenantDeletedRecord(absl::string_view tenant, uint64_t entries,
                                const crypto::Digest& head,
                                const crypto::Digest& root) {
  return absl::StrCat("{\"tenant\":\"", tenant, "\",\"entries\":", entries,
                      ",\"head\":\"", crypto::ToHex(head), "\",\"root\":\"",
                      crypto::ToHex(root), "\"}");
}

// `text` as printable ASCII without quotes or backslashes, at most 512
// bytes: safe inside a JSON string as it is.
std::string PlainText(absl::string_view text) {
  std::string out(text.substr(0, 512));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') c = '?';
  }
  return out;
}

std::string RecoveredRecord(uint64_t lost_from, uint64_t lost_through,
                            const crypto::Digest& kept_head,
                            const crypto::Digest& kept_root,
                            absl::Time kept_time, absl::string_view reason) {
  return absl::StrCat(
      "{\"lostFrom\":", lost_from, ",\"lostThrough\":", lost_through,
      ",\"keptHead\":\"", crypto::ToHex(kept_head), "\",\"keptRoot\":\"",
      crypto::ToHex(kept_root), "\",\"keptTime\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", kept_time, absl::UTCTimeZone()),
      "\",\"reason\":\"", PlainText(reason), "\"}");
}

std::string DroppedRecord(uint64_t dropped_from, uint64_t dropped_through,
                          absl::string_view reason) {
  return absl::StrCat("{\"droppedFrom\":", dropped_from,
                      ",\"droppedThrough\":", dropped_through, ",\"reason\":\"",
                      PlainText(reason), "\"}");
}

}  // namespace portcullis::ledger::ledger_internal

namespace portcullis::ledger {

EntryDraft KeyRotationRecord(std::string tenant, uint32_t version,
                             absl::Time time, KeyRotationTrigger trigger,
                             absl::string_view principal) {
  absl::string_view why = "admin";
  switch (trigger) {
    case KeyRotationTrigger::kAdmin:
      why = "admin";
      break;
    case KeyRotationTrigger::kOffline:
      why = "offline";
      break;
    case KeyRotationTrigger::kMasterKeyChange:
      why = "master-key-change";
      break;
  }
  EntryDraft d =
      ledger_internal::LedgerRecord(std::move(tenant), kKeyRotatedKind, time);
  d.payload =
      absl::StrCat("{\"keyVersion\":", version, ",\"trigger\":\"", why, "\"");
  if (!principal.empty()) {
    absl::StrAppend(&d.payload, ",\"principal\":\"",
                    ledger_internal::PlainText(principal), "\"");
  }
  d.payload += "}";
  return d;
}

}  // namespace portcullis::ledger
