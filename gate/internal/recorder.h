// Recorder turns gate records into ledger entries: it fills the entry's
// indexed fields (tenant, kind, time, request and correlation ids,
// decision id, action digest) and encodes the payload with the injected
// codec. Thread-safe (the ledger and codec are).
#ifndef PORTCULLIS_GATE_INTERNAL_RECORDER_H_
#define PORTCULLIS_GATE_INTERNAL_RECORDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gate/records.h"
#include "ledger/ledger.h"

namespace portcullis::gate {

// The indexed fields of an entry; the payload comes from a Record.
struct EntryFields {
  std::string tenant;
  absl::Time time;
  const char* kind = "";
  std::string request_id;
  std::string correlation_id;
  std::string decision_id;
  std::string action_digest;  // empty or 32 bytes
};

class Recorder {
 public:
  // `ledger` and `codec` must outlive the Recorder.
  Recorder(ledger::Ledger& ledger, const RecordCodec& codec)
      : ledger_(ledger), codec_(codec) {}

  ledger::EntryDraft Draft(EntryFields fields, const Record& record) const;

  // Appends the drafts atomically (see ledger::Ledger::Append).
  absl::StatusOr<std::vector<ledger::Appended>> Append(
      std::vector<ledger::EntryDraft> drafts);
  // The same without waiting (see ledger::Ledger::AppendAsync).
  void AppendAsync(std::vector<ledger::EntryDraft> drafts,
                   ledger::Ledger::AppendCallback done,
                   ledger::Ledger::Abandoned abandoned = nullptr);

  // Appends one entry and returns its sequence.
  absl::StatusOr<uint64_t> Record(EntryFields fields,
                                  const gate::Record& record);

  ledger::Ledger& ledger() { return ledger_; }
  const RecordCodec& codec() const { return codec_; }

 private:
  ledger::Ledger& ledger_;
  const RecordCodec& codec_;
};

// Copies the ids an action carries into entry fields.
EntryFields FieldsFor(const policy::Action& action, absl::Time time,
                      const char* kind);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_RECORDER_H_
