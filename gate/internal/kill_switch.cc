#include "gate/internal/kill_switch.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"

namespace portcullis::gate {
namespace {

constexpr size_t kMaxReasonBytes = 1024;

std::string TargetName(absl::string_view tenant) {
  return tenant.empty() ? "the gate" : absl::StrCat("tenant ", tenant);
}

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
  if (!tenant.empty()) {
    if (absl::Status s = ValidateTenantId(tenant); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("tenant: ", s.message()));
    }
    if (!policy->program->HasTenant(tenant)) {
      return absl::NotFoundError(
          absl::StrCat("tenant \"", tenant, "\" is not in the policy"));
    }
  }
  const SharedHalt change{std::string(tenant),    halt,     std::string(reason),
                          std::string(principal), replica_, clock_.Now()};
  absl::MutexLock serialize(&switch_mu_);
  const bool here = IsHalted(tenant);
  if (shared_ == nullptr) {
    if (here == halt) {
      return absl::FailedPreconditionError(absl::StrCat(
          TargetName(tenant), " is ", halt ? "already halted" : "not halted"));
    }
    return RecordAndApply(*policy, change);
  }

  // Shared: the store decides whether it is a change, for every replica.
  absl::StatusOr<bool> published = shared_->Publish(change);
  if (!published.ok()) {
    if (!halt) {
      // Resuming here alone could undo a halt another replica made.
      return absl::UnavailableError(absl::StrCat(
          "cannot resume ", TargetName(tenant),
          ": the store that shares halts with the other replicas does not "
          "answer; nothing changed"));
    }
    // Stop here now, and tell the others once the store answers (they stop
    // on their own meanwhile: they cannot read it either).
    std::erase_if(owed_,
                  [&](const SharedHalt& h) { return h.tenant == tenant; });
    owed_.push_back(change);
    if (here) return absl::OkStatus();
    return RecordAndApply(*policy, change);
  }
  if (!*published) {
    return absl::FailedPreconditionError(absl::StrCat(
        TargetName(tenant), " is ", halt ? "already halted" : "not halted",
        " (at the replicas sharing halts)"));
  }
  if (!halt) {
    std::erase_if(owed_,
                  [&](const SharedHalt& h) { return h.tenant == tenant; });
  }
  if (here == halt) return absl::OkStatus();
  if (absl::Status s = RecordAndApply(*policy, change); !s.ok()) {
    return absl::UnavailableError(
        absl::StrCat(s.message(),
                     "; the other replicas have it, and this one records "
                     "it when it next reads their halts"));
  }
  return absl::OkStatus();
}

absl::Status KillSwitch::RecordAndApply(const PolicySnapshot& policy,
                                        const SharedHalt& change) {
  const bool whole_gate = change.tenant.empty();
  if (IsHalted(change.tenant) == change.halted) return absl::OkStatus();
  const char* kind = whole_gate
                         ? (change.halted ? kGateHalted : kGateResumed)
                         : (change.halted ? kTenantHalted : kTenantResumed);
  std::vector<std::string> chains;
  if (whole_gate) {
    chains = policy.program->Tenants();
  } else {
    chains.push_back(change.tenant);
  }
  HaltRecord record{change.reason, change.principal, change.replica};
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
    tenants_.SetGateHalt(change.halted, change.reason);
  } else {
    tenants_.Get(change.tenant)
        .SetHalt(change.halted, change.halted ? change.reason : "");
  }
  return absl::OkStatus();
}

bool KillSwitch::IsHalted(absl::string_view tenant) const {
  if (tenant.empty()) return tenants_.GateHalted();
  return tenants_.Get(tenant).Halted();
}

absl::Status KillSwitch::PublishOwed() {
  while (!owed_.empty()) {
    absl::StatusOr<bool> published = shared_->Publish(owed_.front());
    if (!published.ok()) return published.status();
    owed_.erase(owed_.begin());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SharedHalt>> KillSwitch::Sync() {
  std::vector<SharedHalt> applied;
  if (shared_ == nullptr) return applied;
  std::shared_ptr<const PolicySnapshot> policy = policies_.Current();
  if (policy == nullptr) return absl::UnavailableError("no policy is loaded");
  absl::MutexLock serialize(&switch_mu_);
  const absl::Time started = clock_.Now();
  if (absl::Status s = PublishOwed(); !s.ok()) return s;
  absl::StatusOr<std::vector<SharedHalt>> read = shared_->Read();
  if (!read.ok()) return read.status();

  // The gate first: a whole-gate halt is recorded on every chain.
  std::stable_sort(read->begin(), read->end(),
                   [](const SharedHalt& a, const SharedHalt& b) {
                     return a.tenant.empty() && !b.tenant.empty();
                   });
  bool gate_known = false;
  for (const SharedHalt& shared : *read) {
    if (shared.tenant.empty()) gate_known = true;
    // A replica whose policy lacks the tenant leaves it to those that know
    // it; it is applied here once a policy names it.
    if (!shared.tenant.empty() && !policy->program->HasTenant(shared.tenant)) {
      continue;
    }
    if (IsHalted(shared.tenant) == shared.halted) continue;
    PORTCULLIS_RETURN_IF_ERROR(RecordAndApply(*policy, shared));
    applied.push_back(shared);
  }
  // Halts held here that the store never heard of (recovered from this
  // replica's ledger, or the store lost its data): the others must stop
  // too.
  auto known = [&](absl::string_view tenant) {
    return std::any_of(read->begin(), read->end(),
                       [&](const SharedHalt& h) { return h.tenant == tenant; });
  };
  std::string gate_reason;
  if (!gate_known && tenants_.GateHalted(&gate_reason)) {
    owed_.push_back({"", true, gate_reason, "", replica_, started});
  }
  for (const std::string& tenant : policy->program->Tenants()) {
    if (known(tenant)) continue;
    if (std::optional<std::string> reason = tenants_.Get(tenant).HaltReason()) {
      owed_.push_back({tenant, true, *reason, "", replica_, started});
    }
  }
  PORTCULLIS_RETURN_IF_ERROR(PublishOwed());
  last_read_.store(absl::ToUnixNanos(started), std::memory_order_release);
  return applied;
}

std::optional<HaltCause> KillSwitch::HaltOf(absl::string_view tenant) const {
  return tenants_.Get(tenant).WithLock(
      [&](TenantBook::View& state) { return HaltOfLocked(state); });
}

std::optional<HaltCause> KillSwitch::HaltOfLocked(
    const TenantBook::View& state) const {
  if (state.halted()) return HaltCause{kHaltedRule, state.halt_reason()};
  std::string reason;
  if (tenants_.GateHalted(&reason)) return HaltCause{kHaltedRule, reason};
  return HaltsUnknown();
}

std::optional<HaltCause> KillSwitch::HaltsUnknown() const {
  if (shared_ == nullptr) return std::nullopt;
  const int64_t last_nanos = last_read_.load(std::memory_order_acquire);
  if (last_nanos == std::numeric_limits<int64_t>::min()) {
    return HaltCause{kSharedHaltsUnknownRule,
                     "halts made at the other replicas are not known yet: "
                     "the store that shares them has not been read"};
  }
  const absl::Time last = absl::FromUnixNanos(last_nanos);
  if (clock_.Now() - last <= kSharedHaltsMaxAge) return std::nullopt;
  return HaltCause{
      kSharedHaltsUnknownRule,
      absl::StrCat(
          "halts made at the other replicas cannot be learnt: the "
          "store that shares them has not been read since ",
          absl::FormatTime(absl::RFC3339_sec, last, absl::UTCTimeZone()))};
}

}  // namespace portcullis::gate
