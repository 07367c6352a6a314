#include "gate/internal/shadow_policy.h"

#include <algorithm>
#include <utility>

#include "gate/builtin_rules.h"
#include "gate/internal/decision_kernel.h"
#include "gate/replay/recorded_action.h"

namespace portcullis::gate {
namespace {

bool Cites(const policy::Verdict& verdict, absl::string_view id) {
  return std::any_of(
      verdict.decided_by.begin(), verdict.decided_by.end(),
      [&](const policy::RuleCitation& rule) { return rule.id == id; });
}

// The same outcome decided by the same set of rule ids.
bool SameDecision(const policy::Verdict& a, const policy::Verdict& b) {
  if (a.outcome != b.outcome || a.decided_by.size() != b.decided_by.size()) {
    return false;
  }
  return std::all_of(
      a.decided_by.begin(), a.decided_by.end(),
      [&](const policy::RuleCitation& rule) { return Cites(b, rule.id); });
}

}  // namespace

ShadowPolicy::Tenant& ShadowPolicy::Generation::Get(absl::string_view tenant) {
  {
    absl::ReaderMutexLock lock(&mu);
    auto it = tenants.find(tenant);
    if (it != tenants.end()) return *it->second;
  }
  absl::MutexLock lock(&mu);
  std::unique_ptr<Tenant>& slot = tenants[tenant];
  if (slot == nullptr) slot = std::make_unique<Tenant>();
  return *slot;
}

void ShadowPolicy::Install(
    std::shared_ptr<const PolicySnapshot> candidate,
    absl::flat_hash_map<std::string, UsageCounters> seed) {
  auto generation = std::make_shared<Generation>();
  generation->candidate = std::move(candidate);
  {
    absl::MutexLock lock(&generation->mu);
    for (auto& [name, usage] : seed) {
      auto tenant = std::make_unique<Tenant>();
      absl::MutexLock tenant_lock(&tenant->mu);
      tenant->usage = std::move(usage);
      generation->tenants.emplace(name, std::move(tenant));
    }
  }
  current_.store(std::move(generation), std::memory_order_release);
}

std::optional<ShadowRecord> ShadowPolicy::Decide(
    const policy::Action& action, const policy::Verdict& enforced,
    absl::Time now, absl::FunctionRef<void(policy::Verdict&)> standing) {
  std::shared_ptr<Generation> generation =
      current_.load(std::memory_order_acquire);
  if (generation == nullptr || Cites(enforced, kHaltedRule)) {
    return std::nullopt;
  }
  const PolicySnapshot& candidate = *generation->candidate;
  Tenant& tenant = generation->Get(action.tenant);
  absl::StatusOr<policy::Verdict> verdict;
  {
    absl::MutexLock lock(&tenant.mu);
    verdict = gate_internal::Decide(*candidate.program, action, now,
                                    {tenant.usage}, standing);
  }
  generation->decided.fetch_add(1, std::memory_order_relaxed);
  if (verdict.ok() && SameDecision(enforced, *verdict)) return std::nullopt;
  generation->differed.fetch_add(1, std::memory_order_relaxed);
  ShadowRecord record;
  record.policy_version = candidate.version;
  record.policy_hash = candidate.content_hash;
  if (verdict.ok()) {
    record.verdict = *std::move(verdict);
  } else {
    record.rejection = std::string(verdict.status().message());
  }
  return record;
}

ShadowStatus ShadowPolicy::Status() const {
  ShadowStatus status;
  std::shared_ptr<Generation> generation =
      current_.load(std::memory_order_acquire);
  if (generation == nullptr) return status;
  status.candidate = generation->candidate;
  status.decided = generation->decided.load(std::memory_order_relaxed);
  status.differed = generation->differed.load(std::memory_order_relaxed);
  return status;
}

}  // namespace portcullis::gate
