#include "gate/internal/executor.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/identifiers.h"
#include "crypto/constant_time.h"
#include "gate/action_digest.h"
#include "gate/decision_state.h"

namespace portcullis::gate {
namespace {

using gate_internal::BusyDecision;
using gate_internal::BusyKey;

std::string DescribeTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

EntryFields Fields(const policy::Action& action, absl::string_view decision_id,
                   const std::string& digest, absl::Time now,
                   const char* kind) {
  EntryFields f = FieldsFor(action, now, kind);
  f.decision_id = std::string(decision_id);
  f.action_digest = digest;
  return f;
}

// Why a decision cannot be executed, or OK.
absl::Status CheckGrant(const DecisionState& state, const std::string& digest,
                        absl::Time now) {
  const Decision& d = state.current;
  if (d.verdict.outcome == policy::Outcome::kPendingApproval) {
    return absl::FailedPreconditionError(
        absl::StrCat("decision ", d.id, " is still waiting for approval"));
  }
  if (d.verdict.outcome == policy::Outcome::kDeny) {
    return absl::FailedPreconditionError(
        absl::StrCat("decision ", d.id,
                     " was denied: ", absl::StrJoin(d.verdict.reasons, "; ")));
  }
  if (!crypto::ConstantTimeEquals(
          digest, crypto::AsBytes(state.original.action_digest))) {
    return absl::FailedPreconditionError(
        "this action is not the one that was decided: its digest differs "
        "(an argument, the tool, the agent or the idempotency key changed)");
  }
  if (!d.expires_at || now >= *d.expires_at) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the grant of decision ", d.id, " expired at ",
        d.expires_at ? DescribeTime(*d.expires_at) : "its decision",
        "; evaluate the action again"));
  }
  return absl::OkStatus();
}

// What an execution reserves: its decision and its idempotency key, one
// execution at a time for each.
std::vector<std::string> ExecutionKeys(absl::string_view decision_id,
                                       const std::string& idempotency_key) {
  std::vector<std::string> keys{BusyDecision(decision_id)};
  if (!idempotency_key.empty()) keys.push_back(BusyKey(idempotency_key));
  return keys;
}

}  // namespace

absl::StatusOr<std::optional<Receipt>> Executor::Claim(
    const TenantBook::View& tenant, const policy::Action& action,
    const std::string& digest) {
  const std::string& key = action.idempotency_key;
  if (!key.empty()) {
    if (const IdempotencyRecord* earlier = tenant.FindExecuted(key)) {
      if (!crypto::ConstantTimeEquals(earlier->action_digest, digest)) {
        return absl::FailedPreconditionError(
            absl::StrCat("idempotency key \"", key,
                         "\" was already used for a different action"));
      }
      return std::optional<Receipt>(earlier->receipt);
    }
  }
  return std::optional<Receipt>();
}

void Executor::Release(TenantBook& tenant, const std::vector<std::string>& keys,
                       const std::string& key, const std::string& digest,
                       const absl::StatusOr<Receipt>& receipt) {
  tenant.Release(keys, [&](TenantBook::View& state) {
    if (receipt.ok() && !key.empty()) {
      state.RememberExecuted(key, {digest, *receipt},
                             clock_.Now() - idempotency_window_);
    }
  });
}

absl::StatusOr<Receipt> Executor::Execute(absl::string_view decision_id,
                                          const policy::Action& action,
                                          absl::string_view principal,
                                          ToolCall* tool) {
  if (absl::Status s = ValidateDecisionId(decision_id); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("decision_id: ", s.message()));
  }
  const std::string digest(crypto::AsBytes(ActionDigest(action)));
  const std::string& key = action.idempotency_key;
  const std::vector<std::string> keys = ExecutionKeys(decision_id, key);
  TenantBook& tenant = tenants_.Get(action.tenant);
  // One execution at a time per decision and per idempotency key; the
  // others wait and then see its result.
  absl::StatusOr<Receipt> answer;
  const bool planned = tenant.Reserve(
      keys, TenantBook::Wait::kWait, [&](TenantBook::View& state) {
        if (std::optional<HaltCause> halt = halts_.HaltOfLocked(state)) {
          answer = absl::FailedPreconditionError(
              halt->rule == kHaltedRule
                  ? absl::StrCat("tenant ", action.tenant,
                                 " is halted: ", halt->reason)
                  : halt->reason);
          return false;
        }
        absl::StatusOr<std::optional<Receipt>> earlier =
            Claim(state, action, digest);
        if (!earlier.ok()) {
          answer = earlier.status();
          return false;
        }
        if (earlier->has_value()) {
          answer = **earlier;
          return false;
        }
        return true;
      });
  if (!planned) return answer;

  absl::StatusOr<Receipt> receipt =
      ExecuteMarked(decision_id, action, digest, principal, tool);
  Release(tenant, keys, key, digest, receipt);
  return receipt;
}

Executor::AtDecision Executor::BeginAtDecision(absl::string_view decision_id,
                                               const policy::Action& action,
                                               const std::string& digest,
                                               absl::Time now,
                                               absl::string_view principal) {
  AtDecision begun;
  // A tool the gate calls itself is executed by Execute, which calls it
  // once the execution is recorded; not from the ledger's commit thread.
  if (connectors_ != nullptr &&
      connectors_->Find(action.tenant, action.tool) != nullptr) {
    return begun;
  }
  TenantBook& tenant = tenants_.Get(action.tenant);
  // Never wait here: another execution under this key is in flight, so
  // Execute waits for it later and answers as it would have.
  const bool planned = tenant.Reserve(
      ExecutionKeys(decision_id, action.idempotency_key),
      TenantBook::Wait::kSkipIfBusy, [&](TenantBook::View& state) {
        if (halts_.HaltOfLocked(state).has_value()) return false;
        absl::StatusOr<std::optional<Receipt>> earlier =
            Claim(state, action, digest);
        // A key bound to another action: Execute says so, and records it.
        if (!earlier.ok()) return false;
        if (earlier->has_value()) {
          begun.kind = AtDecision::Kind::kRepeat;
          begun.receipt = **earlier;
          return false;
        }
        return true;
      });
  if (!planned) return begun;
  begun.kind = AtDecision::Kind::kPrepared;
  begun.receipt = NewReceipt(decision_id, action, digest, now);
  begun.draft = ExecutionDraft(action, *begun.receipt, principal);
  return begun;
}

absl::StatusOr<Receipt> Executor::FinishAtDecision(
    AtDecision& begun, const absl::StatusOr<uint64_t>& sequence) {
  Receipt& receipt = *begun.receipt;
  if (sequence.ok()) receipt.ledger_sequence = *sequence;
  absl::StatusOr<Receipt> result =
      sequence.ok() ? absl::StatusOr<Receipt>(receipt)
                    : absl::StatusOr<Receipt>(sequence.status());
  // The receipt names the action's tenant and idempotency key.
  const std::string& key = receipt.idempotency_key;
  Release(tenants_.Get(receipt.tenant), ExecutionKeys(receipt.decision_id, key),
          key, receipt.action_digest, result);
  return result;
}

Receipt Executor::NewReceipt(absl::string_view decision_id,
                             const policy::Action& action,
                             const std::string& digest, absl::Time now) const {
  Receipt receipt;
  receipt.tenant = action.tenant;
  receipt.decision_id = std::string(decision_id);
  receipt.action_digest = digest;
  receipt.tool = action.tool;
  receipt.idempotency_key = action.idempotency_key;
  receipt.executed_at = now;
  SignReceipt(receipt, key_);
  return receipt;
}

ledger::EntryDraft Executor::ExecutionDraft(const policy::Action& action,
                                            const Receipt& receipt,
                                            absl::string_view principal) const {
  return recorder_.Draft(
      Fields(action, receipt.decision_id, receipt.action_digest,
             receipt.executed_at, kActionExecuted),
      ExecutionRecord{receipt, std::string(principal)});
}

absl::StatusOr<Receipt> Executor::ExecuteMarked(absl::string_view decision_id,
                                                const policy::Action& action,
                                                const std::string& digest,
                                                absl::string_view principal,
                                                ToolCall* tool) {
  absl::StatusOr<DecisionState> state = LoadDecision(
      recorder_.ledger(), recorder_.codec(), action.tenant, decision_id);
  if (!state.ok()) return state.status();
  const absl::Time now = clock_.Now();
  if (state->receipt) {
    // Already executed: a retry gets the same receipt, for the same action.
    if (crypto::ConstantTimeEquals(state->receipt->action_digest, digest)) {
      return *state->receipt;
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "decision ", decision_id, " was already executed, for another action"));
  }
  if (absl::Status s = CheckGrant(*state, digest, now); !s.ok()) {
    // Refusals are recorded too; the caller gets the refusal either way.
    recorder_
        .Record(Fields(action, decision_id, digest, now, kActionRejected),
                RejectionRecord{action, s, std::string(principal)})
        .IgnoreError();
    return s;
  }
  Receipt receipt = NewReceipt(decision_id, action, digest, now);
  std::vector<ledger::EntryDraft> drafts;
  drafts.push_back(ExecutionDraft(action, receipt, principal));
  absl::StatusOr<std::vector<ledger::Appended>> appended =
      recorder_.Append(std::move(drafts));
  if (!appended.ok()) return appended.status();
  receipt.ledger_sequence = (*appended)[0].sequence;
  if (connectors_ != nullptr) {
    if (const ToolConnector* c =
            connectors_->Find(action.tenant, action.tool)) {
      CallTool(*c, action, receipt, principal, tool);
    }
  }
  return receipt;
}

void Executor::CallTool(const ToolConnector& connector,
                        const policy::Action& action, const Receipt& receipt,
                        absl::string_view principal, ToolCall* tool) {
  absl::StatusOr<ToolResult> result = connector.Call(action);
  OutcomeRecord outcome;
  outcome.principal = std::string(principal);
  if (!result.ok()) {
    outcome.outcome = ExecutionOutcome::kFailed;
    outcome.detail = std::string(result.status().message());
  } else {
    bool success = result->http_status >= 200 && result->http_status < 300;
    outcome.outcome =
        success ? ExecutionOutcome::kSucceeded : ExecutionOutcome::kFailed;
    // The status only: bodies hold customer data, which stays with the
    // caller.
    outcome.detail = absl::StrCat("HTTP ", result->http_status);
  }
  absl::Time answered_at = clock_.Now();
  EntryFields f = FieldsFor(action, answered_at, kActionOutcome);
  f.decision_id = receipt.decision_id;
  f.action_digest = receipt.action_digest;
  // The execution stands whether or not its outcome is recorded; a failure
  // to record shows as a decision without an outcome.
  recorder_.Record(std::move(f), outcome).IgnoreError();
  if (tool != nullptr) {
    tool->called = true;
    tool->result = std::move(result);
    tool->connector = std::string(connector.name());
    tool->answered_at = answered_at;
  }
}

absl::StatusOr<uint64_t> Executor::ReportOutcome(absl::string_view tenant_id,
                                                 absl::string_view decision_id,
                                                 const OutcomeRecord& outcome) {
  if (absl::Status s = ValidateDecisionId(decision_id); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("decision_id: ", s.message()));
  }
  if (outcome.detail.size() > 1024) {
    return absl::InvalidArgumentError(absl::StrCat(
        "detail: ", outcome.detail.size(), " bytes; the limit is 1024"));
  }
  const std::string busy[] = {BusyDecision(decision_id)};
  absl::StatusOr<uint64_t> sequence;
  auto record = [&]() -> absl::StatusOr<uint64_t> {
    absl::StatusOr<DecisionState> state = LoadDecision(
        recorder_.ledger(), recorder_.codec(), tenant_id, decision_id);
    if (!state.ok()) return state.status();
    if (!state->receipt) {
      return absl::FailedPreconditionError(
          absl::StrCat("decision ", decision_id, " has not been executed"));
    }
    if (state->outcome) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the outcome of decision ", decision_id, " was already reported"));
    }
    EntryFields f = FieldsFor(state->action, clock_.Now(), kActionOutcome);
    f.decision_id = std::string(decision_id);
    f.action_digest = state->receipt->action_digest;
    return recorder_.Record(std::move(f), outcome);
  };
  tenants_.Get(tenant_id).Write(
      busy, [](TenantBook::View&) { return true; },
      [&] { sequence = record(); }, [](TenantBook::View&) {});
  return sequence;
}

}  // namespace portcullis::gate
