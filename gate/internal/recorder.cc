#include "gate/internal/recorder.h"

#include <variant>

#include "base/identifiers.h"

namespace portcullis::gate {

ledger::EntryDraft Recorder::Draft(EntryFields fields,
                                   const gate::Record& record) const {
  ledger::EntryDraft draft;
  draft.tenant = std::move(fields.tenant);
  draft.time = fields.time;
  draft.kind = fields.kind;
  draft.request_id = std::move(fields.request_id);
  draft.correlation_id = std::move(fields.correlation_id);
  draft.decision_id = std::move(fields.decision_id);
  draft.action_digest = std::move(fields.action_digest);
  draft.payload = codec_.Encode(record);
  // Recovery finds a tenant's (and the gate's) halt state with
  // Ledger::Latest; nothing else is looked up that way.
  draft.index_latest = std::holds_alternative<HaltRecord>(record);
  return draft;
}

absl::StatusOr<std::vector<ledger::Appended>> Recorder::Append(
    std::vector<ledger::EntryDraft> drafts) {
  return ledger_.Append(std::move(drafts));
}

void Recorder::AppendAsync(std::vector<ledger::EntryDraft> drafts,
                           ledger::Ledger::AppendCallback done,
                           ledger::Ledger::Abandoned abandoned) {
  ledger_.AppendAsync(std::move(drafts), std::move(done), std::move(abandoned));
}

absl::StatusOr<uint64_t> Recorder::Record(EntryFields fields,
                                          const gate::Record& record) {
  std::vector<ledger::EntryDraft> drafts;
  drafts.push_back(Draft(std::move(fields), record));
  auto appended = ledger_.Append(std::move(drafts));
  if (!appended.ok()) return appended.status();
  return (*appended)[0].sequence;
}

EntryFields FieldsFor(const policy::Action& action, absl::Time time,
                      const char* kind) {
  EntryFields f;
  f.tenant = action.tenant;
  f.time = time;
  f.kind = kind;
  // Ids that would not pass the ledger's checks are left out rather than
  // letting a malformed request fail its own rejection record.
  if (ValidateOpaqueId("", action.context.request_id).ok()) {
    f.request_id = action.context.request_id;
  }
  if (ValidateOpaqueId("", action.context.correlation_id).ok()) {
    f.correlation_id = action.context.correlation_id;
  }
  return f;
}

}  // namespace portcullis::gate
