#include "ledger/ledger_maintenance.h"

#include "absl/strings/str_cat.h"
#include "base/thread_name.h"

namespace portcullis::ledger {

LedgerMaintenance::LedgerMaintenance(Ledger& ledger, const Clock& clock,
                                     MaintenanceOptions options, Report report)
    : ledger_(ledger),
      clock_(clock),
      options_(options),
      report_(std::move(report)) {}

LedgerMaintenance::~LedgerMaintenance() { Stop().IgnoreError(); }

void LedgerMaintenance::Start() {
  thread_ = std::thread([this] {
    SetCurrentThreadName("gate-maint");
    while (!stop_.WaitForNotificationWithTimeout(options_.tick)) RunOnce();
  });
}

void LedgerMaintenance::RunOnce() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  auto signed_count = ledger_.SignCheckpoints(/*force=*/false);
  if (!signed_count.ok() &&
      !absl::IsFailedPrecondition(signed_count.status())) {
    report_(true, absl::StrCat("checkpoints not signed: ",
                               signed_count.status().message()));
  }
  absl::Time now = clock_.Now();
  bool any_retention = options_.retention > absl::ZeroDuration();
  for (const auto& [tenant, retention] : options_.tenant_retention) {
    any_retention |= retention > absl::ZeroDuration();
  }
  if (any_retention && now - last_prune_ >= options_.prune_every) {
    last_prune_ = now;
    Prune(now);
  }
}

void LedgerMaintenance::Prune(absl::Time now) {
  for (const std::string& tenant : ledger_.Tenants()) {
    absl::Duration retention = options_.retention;
    if (auto it = options_.tenant_retention.find(tenant);
        it != options_.tenant_retention.end()) {
      retention = it->second;
    }
    if (retention <= absl::ZeroDuration()) continue;  // kept forever
    auto pruned = ledger_.Prune(tenant, now - retention);
    if (!pruned.ok()) {
      if (!absl::IsFailedPrecondition(pruned.status())) {
        report_(true, absl::StrCat("tenant ", tenant,
                                   " not pruned: ", pruned.status().message()));
      }
      continue;
    }
    if (pruned->newly_pruned > 0) {
      report_(false,
              absl::StrCat("retention: pruned ", pruned->newly_pruned,
                           " payloads of tenant ", tenant, " (entries up to ",
                           pruned->pruned_through, ")"));
    }
  }
}

absl::Status LedgerMaintenance::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  if (stopped_) return stop_result_;
  stopped_ = true;
  auto signed_count = ledger_.SignCheckpoints(/*force=*/true);
  if (!signed_count.ok() &&
      !absl::IsFailedPrecondition(signed_count.status())) {
    stop_result_ = absl::Status(signed_count.status().code(),
                                absl::StrCat("final checkpoints not signed: ",
                                             signed_count.status().message()));
    report_(true, std::string(stop_result_.message()));
  }
  return stop_result_;
}

}  // namespace portcullis::ledger
