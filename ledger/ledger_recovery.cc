// The ledger after its storage failed or lost entries: resuming after a
// failed write, keeping checkpoints outside the store, and recording the
// losses `portcullis ledger recover` found (ledger.h).
#include <optional>
#include <string>
#include <vector>

#include "base/status_macros.h"
#include "ledger/checkpoint.h"
#include "ledger/internal/ledger_records.h"
#include "ledger/internal/tail_salvage.h"
#include "ledger/ledger.h"

namespace portcullis::ledger {

void Ledger::KeepOutside(const std::vector<SignedNote>& notes) const {
  for (const SignedNote& n : notes) {
    if (n.note.empty()) continue;  // not kept outside
    options_.checkpoint_files->Write(n.tenant, n.note).IgnoreError();
  }
}

absl::StatusOr<std::vector<RecoveredChain>> Ledger::RecordLosses(
    absl::string_view reason) {
  if (options_.checkpoints.key == nullptr ||
      options_.checkpoint_files == nullptr || options_.clock == nullptr) {
    return absl::FailedPreconditionError(
        "recording losses needs the gate's key, a clock and the kept "
        "checkpoints");
  }
  PORTCULLIS_ASSIGN_OR_RETURN(auto notes, options_.checkpoint_files->ReadAll());
  std::vector<RecoveredChain> recovered;
  for (const auto& [chain, note] : notes) {
    auto parsed = ParseCheckpoint(note);
    if (!parsed.ok() || parsed->checkpoint.tenant != chain) continue;
    const Checkpoint& kept = parsed->checkpoint;
    std::optional<ChainHead> head = Head(chain);
    uint64_t end = head ? head->sequence : 0;
    if (kept.size <= end) continue;
    EntryDraft draft = ledger_internal::LedgerRecord(
        chain, ledger_internal::kRecoveredKind, options_.clock->Now());
    draft.payload = ledger_internal::RecoveredRecord(
        end + 1, kept.size, kept.head, kept.root, kept.time, reason);
    PORTCULLIS_ASSIGN_OR_RETURN(Appended recorded,
                                AppendRecord(std::move(draft)));
    recovered.push_back({chain, end, kept.size, recorded.sequence});
  }
  if (!recovered.empty()) {
    PORTCULLIS_RETURN_IF_ERROR(SignCheckpoints(/*force=*/true).status());
  }
  return recovered;
}

absl::StatusOr<std::vector<DroppedEntries>> DropEntriesPastHeads(
    KeyValueStore& store) {
  PORTCULLIS_ASSIGN_OR_RETURN(auto tails,
                              ledger_internal::DropEntriesPastHeads(store));
  std::vector<DroppedEntries> dropped;
  for (const ledger_internal::DroppedTail& t : tails) {
    dropped.push_back(
        {t.tenant, t.kept_through, t.dropped_from, t.dropped_through, 0});
  }
  return dropped;
}

absl::Status Ledger::RecordDropped(std::vector<DroppedEntries>& dropped,
                                   absl::string_view reason) {
  if (dropped.empty()) return absl::OkStatus();
  if (options_.checkpoints.key == nullptr || options_.clock == nullptr) {
    return absl::FailedPreconditionError(
        "recording dropped entries needs the gate's key and a clock");
  }
  for (DroppedEntries& d : dropped) {
    EntryDraft draft = ledger_internal::LedgerRecord(
        d.tenant, ledger_internal::kRecoveredKind, options_.clock->Now());
    draft.payload = ledger_internal::DroppedRecord(d.dropped_from,
                                                   d.dropped_through, reason);
    PORTCULLIS_ASSIGN_OR_RETURN(Appended recorded,
                                AppendRecord(std::move(draft)));
    d.recorded_at = recorded.sequence;
  }
  return SignCheckpoints(/*force=*/true).status();
}

}  // namespace portcullis::ledger
