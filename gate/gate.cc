#include "gate/gate.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "crypto/random.h"
#include "gate/action_digest.h"

namespace portcullis::gate {
namespace {

ledger::EntryDraft DraftFor(const policy::Action& action, absl::Time now,
                            const char* kind) {
  ledger::EntryDraft draft;
  draft.tenant = action.tenant;
  draft.time = now;
  draft.kind = kind;
  draft.request_id = action.context.request_id;
  draft.correlation_id = action.context.correlation_id;
  return draft;
}

std::optional<absl::Time> ExpiryOf(const policy::Verdict& verdict,
                                   absl::Time now, absl::Duration grant_ttl) {
  switch (verdict.outcome) {
    case policy::Outcome::kAllow:
      return now + grant_ttl;
    case policy::Outcome::kPendingApproval: {
      std::optional<absl::Time> earliest;
      for (const policy::ApprovalRequirement& r : verdict.approvals) {
        absl::Time deadline = now + r.expires_after;
        if (!earliest || deadline < *earliest) earliest = deadline;
      }
      return earliest;
    }
    case policy::Outcome::kDeny:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

Gate::Gate(const Clock& clock, ledger::Ledger& ledger, const RecordCodec& codec,
           GateOptions options)
    : clock_(clock), ledger_(ledger), codec_(codec), options_(options) {}

Gate::TenantState& Gate::Tenant(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<TenantState>& state = tenants_[tenant];
  if (state == nullptr) state = std::make_unique<TenantState>();
  return *state;
}

absl::Status Gate::Recover() {
  absl::Time now = clock_.Now();
  for (const std::string& tenant : ledger_.Tenants()) {
    PORTCULLIS_RETURN_IF_ERROR(RecoverTenant(tenant, now));
  }
  return absl::OkStatus();
}

absl::Status Gate::RecoverTenant(const std::string& tenant, absl::Time now) {
  // Walk back from the head to the oldest entry that can still count
  // against a limit, then charge in time order.
  struct Charged {
    absl::Time at;
    std::vector<policy::UsageCharge> charges;
  };
  std::vector<Charged> found;
  absl::Status problem;
  absl::Time horizon = now - options_.max_limit_window;
  PORTCULLIS_RETURN_IF_ERROR(ledger_.Read(
      tenant, 1, /*reverse=*/true, [&](const ledger::Entry& entry) {
        if (entry.time <= horizon) return false;
        if (entry.kind != kActionEvaluated || !entry.payload) return true;
        auto record = codec_.DecodeEvaluation(*entry.payload);
        if (!record.ok()) {
          problem = absl::DataLossError(
              absl::StrCat("ledger entry ", tenant, "/", entry.sequence,
                           " does not decode: ", record.status().message()));
          return false;
        }
        const policy::Verdict& verdict = record->decision.verdict;
        if (verdict.outcome == policy::Outcome::kAllow &&
            !verdict.charges.empty()) {
          found.push_back({entry.time, verdict.charges});
        }
        return true;
      }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  TenantState& state = Tenant(tenant);
  absl::MutexLock lock(&state.mu);
  for (auto it = found.rbegin(); it != found.rend(); ++it) {
    state.usage.Charge(it->charges, it->at);
  }
  return absl::OkStatus();
}

absl::Status Gate::ApplyPolicy(const PolicyLoad& load) {
  absl::Time now = clock_.Now();
  std::shared_ptr<const PolicySnapshot> current = policies_.Current();
  PolicyRecord record{load.snapshot ? load.snapshot->version : "",
                      load.content_hash, load.source, load.errors};
  const char* kind = load.snapshot ? kPolicyLoaded : kPolicyRejected;
  // A loaded policy is recorded where it will apply; a rejected one where
  // the policy that stays in force applies.
  std::vector<std::string> tenants;
  if (load.snapshot) {
    tenants = load.snapshot->program->Tenants();
  } else if (current) {
    tenants = current->program->Tenants();
  }
  std::vector<ledger::EntryDraft> drafts;
  std::string payload = codec_.Encode(record);
  for (const std::string& tenant : tenants) {
    if (!ValidateTenantId(tenant).ok()) continue;
    ledger::EntryDraft draft;
    draft.tenant = tenant;
    draft.time = now;
    draft.kind = kind;
    draft.payload = payload;
    drafts.push_back(std::move(draft));
  }
  auto appended = ledger_.Append(std::move(drafts));
  if (!appended.ok()) return appended.status();
  if (!load.snapshot) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy from ", load.source, " does not compile; ",
        current ? "the current policy stays in force" : "no policy is in force",
        ":\n", absl::StrJoin(load.errors, "\n")));
  }
  policies_.Install(load.snapshot);
  return absl::OkStatus();
}

Decision Gate::NewDecision(const policy::Action& action,
                           const PolicySnapshot& policy, absl::Time now) const {
  Decision d;
  d.id = crypto::RandomId();
  d.tenant = action.tenant;
  d.policy_version = policy.version;
  d.policy_hash = policy.content_hash;
  d.action_digest = ActionDigest(action);
  d.decided_at = now;
  return d;
}

absl::StatusOr<Decision> Gate::Evaluate(const policy::Action& action,
                                        const CallContext& call) {
  const absl::Time now = clock_.Now();
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (absl::Status s = ValidateAction(action, options_.limits); !s.ok()) {
    RecordRejection(action, s, call, now);
    return s;
  }
  if (policy == nullptr) {
    return absl::UnavailableError("no policy is loaded; nothing is allowed");
  }
  if (!policy->program->HasTenant(action.tenant)) {
    return absl::NotFoundError(
        absl::StrCat("tenant \"", action.tenant, "\" is not in policy version ",
                     policy->version, "; add a section for it to the policy"));
  }

  Decision decision = NewDecision(action, *policy, now);
  TenantState& tenant = Tenant(action.tenant);
  absl::StatusOr<policy::Verdict> verdict;
  {
    absl::MutexLock lock(&tenant.mu);
    verdict = policy->program->Evaluate(action, now, tenant.usage);
    if (verdict.ok() && verdict->outcome == policy::Outcome::kAllow) {
      tenant.usage.Charge(verdict->charges, now);
    }
  }
  if (!verdict.ok()) {
    RecordRejection(action, verdict.status(), call, now);
    return verdict.status();
  }
  decision.verdict = *std::move(verdict);
  decision.expires_at = ExpiryOf(decision.verdict, now, options_.grant_ttl);

  ledger::EntryDraft draft = DraftFor(action, now, kActionEvaluated);
  draft.decision_id = decision.id;
  draft.action_digest = std::string(crypto::AsBytes(decision.action_digest));
  draft.payload =
      codec_.Encode(EvaluationRecord{action, decision, call.principal});
  auto appended = ledger_.Append({std::move(draft)});
  if (!appended.ok()) {
    if (decision.verdict.outcome == policy::Outcome::kAllow) {
      absl::MutexLock lock(&tenant.mu);
      tenant.usage.Uncharge(decision.verdict.charges, now);
    }
    return appended.status();
  }
  decision.ledger_sequence = (*appended)[0].sequence;
  return decision;
}

void Gate::RecordRejection(const policy::Action& action,
                           const absl::Status& error, const CallContext& call,
                           absl::Time now) {
  // Only a known tenant has a chain to record on; anything else would let
  // a caller create chains by naming tenants.
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (!ValidateTenantId(action.tenant).ok() || policy == nullptr ||
      !policy->program->HasTenant(action.tenant)) {
    return;
  }
  ledger::EntryDraft draft = DraftFor(action, now, kActionRejected);
  if (!ValidateOpaqueId("", draft.request_id).ok()) draft.request_id.clear();
  if (!ValidateOpaqueId("", draft.correlation_id).ok()) {
    draft.correlation_id.clear();
  }
  draft.payload = codec_.Encode(RejectionRecord{action, error, call.principal});
  // The caller gets the original error whether or not this is recorded.
  ledger_.Append({std::move(draft)}).IgnoreError();
}

}  // namespace portcullis::gate
