#include "gate/kill_switch.h"

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"

namespace portcullis::gate {
namespace {

constexpr size_t kMaxReasonBytes = 1024;

}  // namespace

absl::Status KillSwitch::Halt(absl::string_view tenant,
                              absl::string_view reason,
                              absl::string_view principal) {
  if (reason.empty()) {
    return absl::InvalidArgumentError(
        "reason: required; say why, for the ledger and the denials");
  }
  return Switch(tenant, /*halt=*/true, reason, principal);
}

absl::Status KillSwitch::Resume(absl::string_view tenant,
                                absl::string_view reason,
                                absl::string_view principal) {
  return Switch(tenant, /*halt=*/false, reason, principal);
}

absl::Status KillSwitch::Switch(absl::string_view tenant, bool halt,
                                absl::string_view reason,
                                absl::string_view principal) {
  if (reason.size() > kMaxReasonBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reason: ", reason.size(), " bytes; the limit is ", kMaxReasonBytes));
  }
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (policy == nullptr) {
    return absl::UnavailableError("no policy is loaded");
  }
  const bool whole_gate = tenant.empty();
  if (!whole_gate) {
    if (absl::Status s = ValidateTenantId(tenant); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("tenant: ", s.message()));
    }
    if (!policy->program->HasTenant(tenant)) {
      return absl::NotFoundError(
          absl::StrCat("tenant \"", tenant, "\" is not in the policy"));
    }
  }
  absl::MutexLock serialize(&switch_mu_);
  bool is_halted = false;
  if (whole_gate) {
    is_halted = tenants_.GateHalted();
  } else {
    is_halted = tenants_.Get(tenant).Halted();
  }
  std::string target =
      whole_gate ? "the gate" : absl::StrCat("tenant ", tenant);
  if (is_halted == halt) {
    return absl::FailedPreconditionError(
        absl::StrCat(target, " is ", halt ? "already halted" : "not halted"));
  }

  const char* kind = whole_gate ? (halt ? kGateHalted : kGateResumed)
                                : (halt ? kTenantHalted : kTenantResumed);
  std::vector<std::string> chains;
  if (whole_gate) {
    chains = policy->program->Tenants();
  } else {
    chains.emplace_back(tenant);
  }
  HaltRecord record{std::string(reason), std::string(principal)};
  std::vector<ledger::EntryDraft> drafts;
  const absl::Time now = clock_.Now();
  for (const std::string& chain : chains) {
    EntryFields f;
    f.tenant = chain;
    f.time = now;
    f.kind = kind;
    drafts.push_back(recorder_.Draft(std::move(f), record));
  }
  auto appended = recorder_.Append(std::move(drafts));
  if (!appended.ok()) return appended.status();

  if (whole_gate) {
    tenants_.SetGateHalt(halt, std::string(reason));
  } else {
    tenants_.Get(tenant).SetHalt(halt, halt ? std::string(reason) : "");
  }
  return absl::OkStatus();
}

std::optional<std::string> KillSwitch::HaltReason(absl::string_view tenant) {
  if (std::optional<std::string> own = tenants_.Get(tenant).HaltReason()) {
    return own;
  }
  std::string reason;
  if (tenants_.GateHalted(&reason)) return reason;
  return std::nullopt;
}

}  // namespace portcullis::gate
