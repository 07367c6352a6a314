// Executor consumes grants: Execute checks, in constant time, that the
// action is exactly the one decided, that the decision allows it (at once
// or after approval), that the grant is unused and unexpired and the
// tenant not halted; records "action.executed" and returns a receipt
// signed with the gate's key. Retries and concurrent calls for the same
// decision, or for the same action under the same idempotency key, get the
// first execution's receipt and never a second execution. ReportOutcome
// records how it went. Thread-safe.
#ifndef PORTCULLIS_GATE_EXECUTOR_H_
#define PORTCULLIS_GATE_EXECUTOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "crypto/ed25519.h"
#include "gate/recorder.h"
#include "gate/tenant_state.h"
#include "gate/tool_connector.h"

namespace portcullis::gate {

class Executor {
 public:
  // Every reference must outlive the executor.
  // `connectors` may be null (no tool is called by the gate).
  Executor(const Clock& clock, Recorder& recorder, TenantRegistry& tenants,
           const crypto::SigningKey& key, absl::Duration idempotency_window,
           const ToolConnectors* connectors = nullptr)
      : clock_(clock),
        recorder_(recorder),
        tenants_(tenants),
        key_(key),
        idempotency_window_(idempotency_window),
        connectors_(connectors) {}

  // `action` must already be validated and its tenant known. Errors:
  //   NotFound            no such decision for the tenant
  //   FailedPrecondition  halted; denied or still pending; the action
  //                       differs from the decided one; grant expired; the
  //                       idempotency key belongs to another action
  //   Unavailable         the execution could not be recorded
  //
  // When the tool is bound to a connector, the gate calls it once the
  // execution is recorded, records its outcome ("action.outcome"), and puts
  // what it answered (or why it could not be called) in `*tool`, when
  // `tool` is not null. Retries get the receipt only.
  absl::StatusOr<Receipt> Execute(absl::string_view decision_id,
                                  const policy::Action& action,
                                  absl::string_view principal,
                                  ToolCall* tool = nullptr);

  // Records the outcome of an executed decision once. Returns the entry's
  // sequence; NotFound, FailedPrecondition (not executed, or already
  // reported), Unavailable.
  absl::StatusOr<uint64_t> ReportOutcome(absl::string_view tenant,
                                         absl::string_view decision_id,
                                         const OutcomeRecord& outcome);

 private:
  absl::StatusOr<Receipt> ExecuteMarked(absl::string_view decision_id,
                                        const policy::Action& action,
                                        const std::string& digest,
                                        absl::string_view principal,
                                        ToolCall* tool);
  // Calls the tool's connector and records the outcome.
  void CallTool(const ToolConnector& connector, const policy::Action& action,
                const Receipt& receipt, absl::string_view principal,
                ToolCall* tool);

  const Clock& clock_;
  Recorder& recorder_;
  TenantRegistry& tenants_;
  const crypto::SigningKey& key_;
  const absl::Duration idempotency_window_;
  const ToolConnectors* const connectors_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_EXECUTOR_H_
