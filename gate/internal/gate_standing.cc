// Standing approvals (issue 21): GateImpl::GrantStanding, RevokeStanding,
// ListStanding and how a decision uses one (ApplyStanding).
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/identifiers.h"
#include "gate/internal/gate_impl.h"
#include "gate/state_snapshot.h"

namespace portcullis::gate::gate_internal {
namespace {

using gate_internal::BusyStanding;

std::string DescribeTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Live with `uses` of its uses taken.
bool Live(const StandingState& s, uint32_t uses, absl::Time now) {
  return !s.revoked && uses < s.approval.max_uses &&
         s.approval.not_before <= now && now < s.approval.not_after;
}

}  // namespace

void GateImpl::RecordStandingRejection(absl::string_view tenant,
                                       StandingRejectionRecord record) {
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (!ValidateTenantId(tenant).ok() || policy == nullptr ||
      !policy->program->HasTenant(tenant)) {
    return;  // no chain to record on
  }
  EntryFields f;
  f.tenant = std::string(tenant);
  f.time = clock_.Now();
  f.kind = kStandingRejected;
  // The caller gets the original error whether or not this is recorded.
  recorder_.Record(std::move(f), record).IgnoreError();
}

absl::StatusOr<StandingState> GateImpl::GrantStanding(
    const StandingApproval& standing, absl::string_view signature,
    const CallContext& call) {
  const absl::Time now = clock_.Now();
  absl::Status shape = ValidateStandingApproval(standing);
  if (shape.ok() && signature.size() != crypto::kEd25519SignatureSize) {
    shape = absl::InvalidArgumentError(
        "signature: must be the 64-byte Ed25519 signature of the standing "
        "approval");
  }
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (shape.ok() &&
      (policy == nullptr || !policy->program->HasTenant(standing.tenant))) {
    return absl::NotFoundError(absl::StrCat(
        "tenant \"", standing.tenant, "\" is not in the policy in force"));
  }
  auto reject = [&](absl::Status error) {
    RecordStandingRejection(standing.tenant,
                            {standing.id, standing.approver_id, standing.tool,
                             /*revocation=*/false, error, call.principal});
    return error;
  };
  if (!shape.ok()) return reject(shape);
  std::shared_ptr<const ApproverRegistry> approvers = approvers_.Current();
  const Approver* approver = approvers->Find(standing.approver_id);
  if (approver == nullptr) {
    return reject(absl::PermissionDeniedError(
        absl::StrCat("approver \"", standing.approver_id,
                     "\" is not registered with this gate")));
  }
  if (!VerifyStandingSignature(standing, signature, approver->key)) {
    return reject(absl::PermissionDeniedError(absl::StrCat(
        "the signature does not verify with approver \"", approver->id,
        "\"'s key: the standing approval was changed after signing, or "
        "signed with another key")));
  }
  if (!approver->MayApproveFor(standing.tenant)) {
    return reject(absl::PermissionDeniedError(absl::StrCat(
        "approver \"", approver->id, "\" may not approve for tenant \"",
        standing.tenant, "\"")));
  }
  if (now >= standing.not_after) {
    return reject(absl::FailedPreconditionError(
        absl::StrCat("this standing approval's window ended at ",
                     DescribeTime(standing.not_after), "; sign a new one")));
  }
  if (standing.not_after - now > options_.max_approval_window) {
    return reject(absl::InvalidArgumentError(
        absl::StrCat("standing.not_after: at most ",
                     absl::FormatDuration(options_.max_approval_window),
                     " from now, the longest an approval may wait")));
  }
  std::vector<policy::ToolInfo> tools = policy->program->Tools(standing.tenant);
  auto tool = std::find_if(
      tools.begin(), tools.end(),
      [&](const policy::ToolInfo& t) { return t.name == standing.tool; });
  if (tool == tools.end()) {
    return reject(absl::InvalidArgumentError(
        absl::StrCat("standing.tool: tenant ", standing.tenant,
                     " declares no tool ", standing.tool)));
  }
  if (absl::Status s = CheckConstraintTypes(standing, *tool); !s.ok()) {
    return reject(std::move(s));
  }
  // The approver must be able to approve the tool's actions alone: hold a
  // role of each of its quorum-1 approve rules. Rules with a larger
  // quorum are never met by a standing approval.
  std::vector<policy::ApprovalRequirement> alone;
  for (policy::ApprovalRequirement& r :
       policy->program->ApprovalRules(standing.tenant, standing.tool)) {
    if (r.quorum == 1) alone.push_back(std::move(r));
  }
  if (alone.empty()) {
    return reject(absl::FailedPreconditionError(absl::StrCat(
        "tool ", standing.tool,
        " has no approve rule that one approver meets alone: a standing "
        "approval would never apply")));
  }
  if (!SatisfiesAlone(approver->roles, alone)) {
    std::vector<std::string> needed;
    for (const auto& r : alone) {
      needed.push_back(
          absl::StrCat(r.rule_id, " (", absl::StrJoin(r.roles, " or "), ")"));
    }
    return reject(absl::PermissionDeniedError(absl::StrCat(
        "approver \"", approver->id, "\" (",
        absl::StrJoin(approver->roles, ", "), ") does not hold the roles of ",
        standing.tool, "'s approve rules: ", absl::StrJoin(needed, ", "))));
  }
  if (absl::Status s = fatigue_.Take(approver->id, now, "standing approval");
      !s.ok()) {
    return reject(std::move(s));
  }

  TenantBook& tenant = tenants_.Get(standing.tenant);
  const std::string busy[] = {BusyStanding(standing.id)};
  const bool free = tenant.Reserve(
      busy, TenantBook::Wait::kWait, [&](TenantBook::View& state) {
        return state.FindStanding(standing.id) == nullptr;
      });
  if (!free) {
    fatigue_.GiveBack(approver->id, now);
    return reject(absl::AlreadyExistsError(absl::StrCat(
        "standing approval \"", standing.id, "\" already exists for tenant ",
        standing.tenant, "; choose another id")));
  }
  StandingGrantRecord record{standing, std::string(signature), approver->roles,
                             call.principal};
  EntryFields f;
  f.tenant = standing.tenant;
  f.time = now;
  f.kind = kStandingGranted;
  absl::StatusOr<uint64_t> sequence = recorder_.Record(std::move(f), record);
  std::optional<StandingState> granted;
  tenant.Release(busy, [&](TenantBook::View& state) {
    if (!sequence.ok()) return;
    granted = StandingState{standing, approver->roles, 0, false, "", *sequence};
    state.PutStanding(*granted);
  });
  if (!sequence.ok()) {
    fatigue_.GiveBack(approver->id, now);
    return sequence.status();
  }
  return *granted;
}

absl::StatusOr<StandingState> GateImpl::RevokeStanding(
    const StandingRevocation& revocation, absl::string_view signature,
    const CallContext& call) {
  const absl::Time now = clock_.Now();
  absl::Status shape = ValidateStandingRevocation(revocation);
  if (shape.ok() && signature.size() != crypto::kEd25519SignatureSize) {
    shape = absl::InvalidArgumentError(
        "signature: must be the 64-byte Ed25519 signature of the revocation");
  }
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (shape.ok() &&
      (policy == nullptr || !policy->program->HasTenant(revocation.tenant))) {
    return absl::NotFoundError(absl::StrCat(
        "tenant \"", revocation.tenant, "\" is not in the policy in force"));
  }
  auto reject = [&](absl::Status error) {
    RecordStandingRejection(revocation.tenant,
                            {revocation.id, revocation.approver_id, "",
                             /*revocation=*/true, error, call.principal});
    return error;
  };
  if (!shape.ok()) return reject(shape);
  std::shared_ptr<const ApproverRegistry> approvers = approvers_.Current();
  const Approver* approver = approvers->Find(revocation.approver_id);
  if (approver == nullptr) {
    return reject(absl::PermissionDeniedError(
        absl::StrCat("approver \"", revocation.approver_id,
                     "\" is not registered with this gate")));
  }
  if (!VerifyRevocationSignature(revocation, signature, approver->key)) {
    return reject(absl::PermissionDeniedError(absl::StrCat(
        "the signature does not verify with approver \"", approver->id,
        "\"'s key: the revocation was changed after signing, or signed with "
        "another key")));
  }
  if (!approver->MayApproveFor(revocation.tenant)) {
    return reject(absl::PermissionDeniedError(absl::StrCat(
        "approver \"", approver->id, "\" may not approve for tenant \"",
        revocation.tenant, "\"")));
  }
  TenantBook& tenant = tenants_.Get(revocation.tenant);
  const std::string busy[] = {BusyStanding(revocation.id)};
  absl::Status refused;
  const bool planned = tenant.Reserve(
      busy, TenantBook::Wait::kWait, [&](TenantBook::View& state) {
        const StandingState* s = state.FindStanding(revocation.id);
        if (s == nullptr || now >= s->approval.not_after) {
          refused = absl::NotFoundError(
              absl::StrCat("no standing approval \"", revocation.id,
                           "\" is in force for tenant ", revocation.tenant));
        } else if (s->revoked) {
          refused = absl::FailedPreconditionError(
              absl::StrCat("standing approval \"", revocation.id,
                           "\" was already revoked by ", s->revoked_by));
        }
        return refused.ok();
      });
  if (!planned) return reject(std::move(refused));
  EntryFields f;
  f.tenant = revocation.tenant;
  f.time = now;
  f.kind = kStandingRevoked;
  absl::StatusOr<uint64_t> sequence = recorder_.Record(
      std::move(f), StandingRevocationRecord{revocation, std::string(signature),
                                             call.principal});
  StandingState revoked;
  tenant.Release(busy, [&](TenantBook::View& state) {
    if (!sequence.ok()) return;
    // Reserved since it was found: it is still there.
    StandingState* s = state.FindStanding(revocation.id);
    s->revoked = true;
    s->revoked_by = revocation.approver_id;
    revoked = *s;
  });
  if (!sequence.ok()) return sequence.status();
  return revoked;
}

absl::StatusOr<std::vector<StandingState>> GateImpl::ListStanding(
    absl::string_view tenant_id) {
  if (absl::Status s = CheckTenant(tenant_id); !s.ok()) return s;
  const absl::Time now = clock_.Now();
  std::vector<StandingState> out;
  tenants_.Get(tenant_id).WithLock([&](const TenantBook::View& tenant) {
    for (const auto& [id, state] : tenant.standing()) {
      if (now < state.approval.not_after) out.push_back(state);
    }
  });
  return out;
}

StandingState* GateImpl::CoveringStanding(const policy::Action& action,
                                          TenantBook::View& tenant,
                                          absl::Time now,
                                          const policy::Verdict& verdict,
                                          absl::string_view spent) {
  std::shared_ptr<const ApproverRegistry> approvers = approvers_.Current();
  for (const auto& [id, state] : tenant.standing()) {
    const StandingApproval& a = state.approval;
    // The use `spent` counted is the one asked about again.
    const uint32_t uses = state.uses - (id == spent && state.uses > 0 ? 1 : 0);
    if (a.tool != action.tool || !Live(state, uses, now) ||
        !ConstraintsHold(a, action)) {
      continue;
    }
    // Its approver, as registered now: one removed or moved to other
    // roles or tenants no longer approves anything.
    const Approver* approver = approvers->Find(a.approver_id);
    if (approver == nullptr || !approver->MayApproveFor(action.tenant) ||
        !SatisfiesAlone(approver->roles, verdict.approvals)) {
      continue;
    }
    return tenant.FindStanding(id);
  }
  return nullptr;
}

void GateImpl::AllowByStandingUse(const StandingState& state, uint32_t use,
                                  policy::Verdict& verdict) {
  const StandingApproval& a = state.approval;
  std::shared_ptr<const ApproverRegistry> approvers = approvers_.Current();
  const Approver* approver = approvers->Find(a.approver_id);
  AllowByStanding(
      StandingCitation(a.id, a.approver_id),
      absl::StrCat("allowed by standing approval ", a.id, " of ", a.approver_id,
                   " (",
                   absl::StrJoin(approver != nullptr ? approver->roles
                                                     : state.approver_roles,
                                 ", "),
                   "): use ", use, " of ", a.max_uses, ", until ",
                   DescribeTime(a.not_after)),
      verdict);
}

StandingState* GateImpl::ApplyStanding(const policy::Action& action,
                                       TenantBook::View& tenant, absl::Time now,
                                       policy::Verdict& verdict) {
  StandingState* state = CoveringStanding(action, tenant, now, verdict, "");
  if (state == nullptr) return nullptr;
  ++state->uses;
  AllowByStandingUse(*state, state->uses, verdict);
  return state;
}

void GateImpl::ShadowStanding(const policy::Action& action,
                              const policy::Verdict& enforced, absl::Time now,
                              policy::Verdict& candidate) {
  if (candidate.outcome != policy::Outcome::kPendingApproval) return;
  std::vector<std::string> used = CitedStanding(enforced);
  tenants_.Get(action.tenant).WithLock([&](TenantBook::View& tenant) {
    if (tenant.standing().empty()) return;
    const std::string spent = used.empty() ? "" : used.front();
    StandingState* state =
        CoveringStanding(action, tenant, now, candidate, spent);
    if (state == nullptr) return;
    AllowByStandingUse(
        *state, state->uses + (state->approval.id == spent ? 0 : 1), candidate);
  });
}

}  // namespace portcullis::gate::gate_internal
