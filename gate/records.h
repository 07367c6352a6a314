// The records the gate writes as ledger payloads, one per entry kind, and
// the RecordCodec that serializes them. The codec is injected: the gate
// core stays free of protobuf, and server/ — which owns every proto <->
// domain translation — implements it on the ledger/v1 records schema.
// Records are plain values.
#ifndef PORTCULLIS_GATE_RECORDS_H_
#define PORTCULLIS_GATE_RECORDS_H_

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gate/approval.h"
#include "gate/decision.h"
#include "gate/receipt.h"
#include "gate/standing_approval.h"
#include "policy/action.h"

namespace portcullis::gate {

// Ledger entry kinds written by the gate (docs/ledger.md lists them).
inline constexpr char kActionEvaluated[] = "action.evaluated";
inline constexpr char kActionRejected[] = "action.rejected";
inline constexpr char kActionExecuted[] = "action.executed";
inline constexpr char kActionOutcome[] = "action.outcome";
inline constexpr char kPolicyLoaded[] = "policy.loaded";
inline constexpr char kPolicyRejected[] = "policy.rejected";
inline constexpr char kApprovalRequested[] = "approval.requested";
inline constexpr char kApprovalGranted[] = "approval.granted";
inline constexpr char kApprovalDenied[] = "approval.denied";
inline constexpr char kApprovalRejected[] = "approval.rejected";
inline constexpr char kApprovalExpired[] = "approval.expired";
inline constexpr char kApprovalEscalated[] = "approval.escalated";
inline constexpr char kTenantHalted[] = "tenant.halted";
inline constexpr char kTenantResumed[] = "tenant.resumed";
inline constexpr char kGateHalted[] = "gate.halted";
inline constexpr char kGateResumed[] = "gate.resumed";
inline constexpr char kAccessDenied[] = "access.denied";
inline constexpr char kSecretPut[] = "secret.put";
inline constexpr char kSecretRotated[] = "secret.rotated";
inline constexpr char kSecretDeleted[] = "secret.deleted";
// An upstream credential handed to the MCP gateway (issue 17).
inline constexpr char kSecretReleased[] = "secret.released";
// Shadow mode (issue 7, docs/replay.md).
inline constexpr char kShadowDiffered[] = "shadow.differed";
// An approver's amendment proposal (issue 21, docs/approvals.md).
inline constexpr char kAmendmentProposed[] = "amendment.proposed";
// Standing approvals (issue 21, docs/approvals.md#standing-approvals).
inline constexpr char kStandingGranted[] = "standing.granted";
inline constexpr char kStandingRevoked[] = "standing.revoked";
inline constexpr char kStandingRejected[] = "standing.rejected";

// "action.evaluated".
struct EvaluationRecord {
  policy::Action action;
  Decision decision;  // its verdict's charges are what the action consumes
  std::string principal;
};

// "action.rejected": refused before a decision could be made.
struct RejectionRecord {
  policy::Action action;
  absl::Status error;
  std::string principal;
};

// "policy.loaded" and "policy.rejected".
struct PolicyRecord {
  std::string version;
  std::string content_hash;
  std::string source;
  std::vector<std::string> errors;
};

// "approval.requested": a pending decision entered the queue.
struct ApprovalRequestRecord {
  absl::Time decided_at;
  std::vector<policy::ApprovalRequirement> requirements;
  std::string requested_by;
};

// How a request stands after a verdict.
enum class Resolution { kNone, kGranted, kDenied };

// "approval.granted" (approve verdict) and "approval.denied" (a deny
// verdict, or a grant that the current policy's hard limits stopped).
struct VerdictRecord {
  Approval approval;
  std::string signature;
  std::vector<std::string> approver_roles;
  Resolution resolution = Resolution::kNone;
  // The decision after the verdict; on a grant its charges are consumed.
  Decision decision;
};

// "approval.rejected": an Approve call that was refused.
struct ApprovalRejectionRecord {
  Approval approval;
  absl::Status error;
};

// "approval.expired" (the final DENY) and "approval.escalated".
struct DeadlineRecord {
  Decision decision;
  std::vector<std::string> escalation_roles;
};

// "action.executed".
struct ExecutionRecord {
  Receipt receipt;
  std::string principal;
};

enum class ExecutionOutcome { kSucceeded, kFailed };

// "action.outcome".
struct OutcomeRecord {
  ExecutionOutcome outcome = ExecutionOutcome::kSucceeded;
  std::string detail;
  std::string principal;
};

// "tenant.halted", "tenant.resumed", "gate.halted", "gate.resumed".
struct HaltRecord {
  std::string reason;
  std::string principal;
  // The replica where it was asked, when replicas share halts and the one
  // that asked is named (sharedState); empty otherwise.
  std::string replica;
};

// "access.denied": an identified caller was refused.
struct AccessDeniedRecord {
  std::string principal;
  std::string method;
  absl::Status error;
};

// "secret.put", "secret.rotated", "secret.deleted", "secret.released":
// never the value.
struct SecretRecord {
  std::string name;
  uint32_t version = 0;
  std::string principal;
};

// "shadow.differed" (shadow mode, issue 7): the candidate policy would have
// decided the entry's action otherwise than the policy in force. Recorded
// in the same batch as the decision, with its decision id; never enforced.
struct ShadowRecord {
  std::string policy_version;  // the candidate's
  std::string policy_hash;
  // The candidate's verdict; unset when it rejected the action.
  std::optional<policy::Verdict> verdict;
  std::string rejection;  // why it rejected the action
};

// "amendment.proposed" (issue 21): a rule an approver proposed with a
// verdict, checked against the policy in force. Recorded in the same batch
// as the verdict, with its decision id.
struct AmendmentRecord {
  std::string proposal_id;
  std::string approver_id;
  AmendmentProposal proposal;
  std::string rule_id;
  std::string policy_version;  // the policy in force it was checked against
  std::string policy_hash;
};

// "standing.granted": a verified standing approval, with its signature.
struct StandingGrantRecord {
  StandingApproval standing;
  std::string signature;
  std::vector<std::string> approver_roles;
  std::string principal;
};

// "standing.revoked".
struct StandingRevocationRecord {
  StandingRevocation revocation;
  std::string signature;
  std::string principal;
};

// "standing.rejected": a grant or revocation that was refused.
struct StandingRejectionRecord {
  std::string id;
  std::string approver_id;
  std::string tool;
  bool revocation = false;
  absl::Status error;
  std::string principal;
};

using Record =
    std::variant<EvaluationRecord, RejectionRecord, PolicyRecord,
                 ApprovalRequestRecord, VerdictRecord, ApprovalRejectionRecord,
                 DeadlineRecord, ExecutionRecord, OutcomeRecord, HaltRecord,
                 AccessDeniedRecord, SecretRecord, ShadowRecord,
                 AmendmentRecord, StandingGrantRecord, StandingRevocationRecord,
                 StandingRejectionRecord>;

// Serializes records to ledger payload bytes and back. Implementations are
// stateless and thread-safe.
struct StateSnapshot;  // gate/state_snapshot.h

class RecordCodec {
 public:
  virtual ~RecordCodec() = default;

  // State snapshots (gate/state_snapshot.h). A codec that does not
  // implement them returns Unimplemented: no snapshot is written, and
  // start-up replays in full.
  virtual absl::StatusOr<std::string> EncodeSnapshot(
      const StateSnapshot& snapshot) const;
  // DataLoss when `bytes` does not parse.
  virtual absl::StatusOr<StateSnapshot> DecodeSnapshot(
      absl::string_view bytes) const;

  virtual std::string Encode(const Record& record) const = 0;

  // Decodes the payload of an entry of `kind`. Returns DataLoss when it
  // does not parse, NotFound for a kind the gate does not write.
  virtual absl::StatusOr<Record> Decode(absl::string_view kind,
                                        absl::string_view payload) const = 0;
};

// Decodes a payload that must hold a T.
template <typename T>
absl::StatusOr<T> DecodeAs(const RecordCodec& codec, absl::string_view kind,
                           absl::string_view payload) {
  absl::StatusOr<Record> record = codec.Decode(kind, payload);
  if (!record.ok()) return record.status();
  if (T* value = std::get_if<T>(&*record)) return std::move(*value);
  return absl::DataLossError("ledger payload holds an unexpected record");
}

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_RECORDS_H_
