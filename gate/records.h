// The records the gate writes as ledger payloads, and the RecordCodec that
// serializes them. The codec is injected: the gate core stays free of
// protobuf, and server/ — which owns every proto <-> domain translation —
// implements it on the ledger/v1 records schema. Records are plain values.
#ifndef PORTCULLIS_GATE_RECORDS_H_
#define PORTCULLIS_GATE_RECORDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gate/decision.h"
#include "policy/action.h"

namespace portcullis::gate {

// Ledger entry kinds written by the gate.
inline constexpr char kActionEvaluated[] = "action.evaluated";
inline constexpr char kActionRejected[] = "action.rejected";
inline constexpr char kPolicyLoaded[] = "policy.loaded";
inline constexpr char kPolicyRejected[] = "policy.rejected";

// kind "action.evaluated".
struct EvaluationRecord {
  policy::Action action;
  Decision decision;
  std::string principal;
};

// kind "action.rejected": refused before a decision could be made.
struct RejectionRecord {
  policy::Action action;
  absl::Status error;
  std::string principal;
};

// kinds "policy.loaded" and "policy.rejected".
struct PolicyRecord {
  std::string version;
  std::string content_hash;
  std::string source;
  std::vector<std::string> errors;
};

// Serializes records to ledger payload bytes and back. Implementations are
// stateless and thread-safe.
class RecordCodec {
 public:
  virtual ~RecordCodec() = default;

  virtual std::string Encode(const EvaluationRecord& record) const = 0;
  virtual std::string Encode(const RejectionRecord& record) const = 0;
  virtual std::string Encode(const PolicyRecord& record) const = 0;

  // Returns DataLoss when `payload` is not an evaluation record.
  virtual absl::StatusOr<EvaluationRecord> DecodeEvaluation(
      absl::string_view payload) const = 0;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_RECORDS_H_
