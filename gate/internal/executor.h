// Executor consumes grants: Execute checks, in constant time, that the
// action is exactly the one decided, that the decision allows it (at once
// or after approval), that the grant is unused and unexpired and the
// tenant not halted; records "action.executed" and returns a receipt
// signed with the gate's key. Retries and concurrent calls for the same
// decision, or for the same action under the same idempotency key, get the
// first execution's receipt and never a second execution. ReportOutcome
// records how it went.
//
// The same execution can also be recorded in the very append that records
// an ALLOW decision (Gate::EvaluateAndExecuteAsync, issue 17): BeginAtDecision
// prepares it, FinishAtDecision settles it once the ledger has answered.
// Both paths share the idempotency claim, the receipt and its record.
// Thread-safe.
#ifndef PORTCULLIS_GATE_INTERNAL_EXECUTOR_H_
#define PORTCULLIS_GATE_INTERNAL_EXECUTOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "crypto/ed25519.h"
#include "gate/internal/kill_switch.h"
#include "gate/internal/recorder.h"
#include "gate/internal/tenant_book.h"
#include "gate/tool_connector.h"

namespace portcullis::gate {

class Executor {
 public:
  // Every reference must outlive the executor.
  // `connectors` may be null (no tool is called by the gate).
  Executor(const Clock& clock, Recorder& recorder, TenantRegistry& tenants,
           const KillSwitch& halts, const crypto::SigningKey& key,
           absl::Duration idempotency_window,
           const ToolConnectors* connectors = nullptr)
      : clock_(clock),
        recorder_(recorder),
        tenants_(tenants),
        halts_(halts),
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

  // An execution begun beside its decision (BeginAtDecision).
  struct AtDecision {
    enum class Kind {
      // Not executed with the decision: the caller executes later
      // (Execute), which says why if it cannot (a key bound to another
      // action) or waits its turn (a key busy with another execution), and
      // calls the tool's connector when it has one.
      kNone,
      // The idempotency key already executed this very action: `receipt`
      // is that execution's, and nothing more is recorded (as Execute).
      kRepeat,
      // `draft` records the execution ("action.executed") and must go in
      // the decision's append; `receipt` is signed, its ledger_sequence
      // still unset. The decision and the key are marked busy until
      // FinishAtDecision.
      kPrepared,
    };
    Kind kind = Kind::kNone;
    std::optional<Receipt> receipt;
    std::optional<ledger::EntryDraft> draft;
  };

  // Begins executing the freshly decided ALLOW `decision_id` for `action`
  // (already validated, `digest` its digest) at `now`, the decision's time,
  // so that the execution is recorded in the same ledger append as the
  // decision. The caller guarantees what Execute checks from the ledger:
  // the decision is ALLOW, unexpired, for this digest, its tenant not
  // halted, and it was never executed. Never waits: a busy key is kNone.
  AtDecision BeginAtDecision(absl::string_view decision_id,
                             const policy::Action& action,
                             const std::string& digest, absl::Time now,
                             absl::string_view principal);

  // Settles a kPrepared execution once the append is answered: on success
  // `sequence` is the "action.executed" entry's and the receipt, with it,
  // is returned (and remembered under its idempotency key); on failure
  // nothing is remembered and the failure is returned. Either way the busy
  // marks are released. Not to be called for kNone or kRepeat.
  absl::StatusOr<Receipt> FinishAtDecision(
      AtDecision& begun, const absl::StatusOr<uint64_t>& sequence);

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
  // Planned under the tenant's lock, for an execution about to begin: the
  // receipt of an earlier execution of this action under its idempotency
  // key, or FailedPrecondition when the key belongs to another action;
  // else nullopt (the caller reserves the decision and the key).
  static absl::StatusOr<std::optional<Receipt>> Claim(
      const TenantBook::View& tenant, const policy::Action& action,
      const std::string& digest);
  // Releases an execution's keys (ExecutionKeys) and remembers a
  // successful execution under its idempotency key.
  void Release(TenantBook& tenant, const std::vector<std::string>& keys,
               const std::string& idempotency_key, const std::string& digest,
               const absl::StatusOr<Receipt>& receipt);
  // The receipt for executing `decision_id` on `action` at `now`, signed.
  Receipt NewReceipt(absl::string_view decision_id,
                     const policy::Action& action, const std::string& digest,
                     absl::Time now) const;
  // The "action.executed" entry for `receipt`.
  ledger::EntryDraft ExecutionDraft(const policy::Action& action,
                                    const Receipt& receipt,
                                    absl::string_view principal) const;
  // Calls the tool's connector and records the outcome.
  void CallTool(const ToolConnector& connector, const policy::Action& action,
                const Receipt& receipt, absl::string_view principal,
                ToolCall* tool);

  const Clock& clock_;
  Recorder& recorder_;
  TenantRegistry& tenants_;
  const KillSwitch& halts_;
  const crypto::SigningKey& key_;
  const absl::Duration idempotency_window_;
  const ToolConnectors* const connectors_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_EXECUTOR_H_
