// The evidence export of one tenant's ledger (docs/ledger.md, "Export"):
// a header, the signed checkpoint the entries are proven against (and a
// consistency proof to the newest one), then each entry with its inclusion
// proof. `portcullis ledger export` writes it as JSON Lines from a
// read-only database; Admin.ExportLedger streams it from the live gate.
// Both check it with `portcullis ledger verify-export`.
#ifndef PORTCULLIS_CODEC_EVIDENCE_EXPORT_H_
#define PORTCULLIS_CODEC_EVIDENCE_EXPORT_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "ledger/key_value_store.h"
#include "ledger/payload_keyring.h"
#include "portcullis/ledger/v1/export.pb.h"

namespace portcullis::codec {

inline constexpr char kEvidenceExportFormat[] = "portcullis/ledger-export/v1";

struct EvidenceRange {
  std::string tenant;
  uint64_t from = 0;  // 0: the first entry
  uint64_t to = 0;    // 0: the latest signed checkpoint's size
};

// Calls `emit` with each line of `range`'s export, in order, until it
// returns false (then Cancelled). With a `keyring`, payloads are opened:
// each entry carries its plaintext and, when sealed, its own entry key.
// InvalidArgument when from is after to; FailedPrecondition when the
// tenant has no signed checkpoint or `to` is beyond the latest; DataLoss
// when a stored checkpoint or entry is damaged.
absl::Status ExportEvidence(
    const ledger::KeyValueStore& store, const EvidenceRange& range,
    const ledger::PayloadKeyring* keyring,
    absl::FunctionRef<bool(const ledger::v1::ExportLine&)> emit);

// One line as JSON (protobuf's JSON mapping), without the newline.
absl::StatusOr<std::string> ExportLineToJson(
    const ledger::v1::ExportLine& line);

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_EVIDENCE_EXPORT_H_
