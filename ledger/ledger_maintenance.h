// LedgerMaintenance runs a ledger's periodic work on one background
// thread: it signs the checkpoints that are due by time (Ledger::
// SignCheckpoints) and, when a retention is set (for every tenant or for
// some), prunes old payloads every `prune_every` (an hour by default); each
// prune is recorded as "ledger.pruned" on the tenant's chain. Stop() ends the
// thread and signs a final checkpoint for every tenant with unsigned entries,
// so a restart can tell a clean stop from a rollback. The daemon owns one;
// tests call RunOnce() with a FakeClock.
//
// Thread-safe.
#ifndef PORTCULLIS_LEDGER_LEDGER_MAINTENANCE_H_
#define PORTCULLIS_LEDGER_LEDGER_MAINTENANCE_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "ledger/ledger.h"

namespace portcullis::ledger {

struct MaintenanceOptions {
  // How often the thread wakes to look for due work.
  absl::Duration tick = absl::Seconds(1);
  // Payloads older than this are pruned; zero keeps them forever.
  absl::Duration retention = absl::ZeroDuration();
  // Per-tenant retentions that replace `retention` for those tenants
  // (zero: keep that tenant's payloads forever).
  absl::flat_hash_map<std::string, absl::Duration> tenant_retention;
  // How often retention runs; the first round runs at the first tick.
  absl::Duration prune_every = absl::Hours(1);
};

class LedgerMaintenance {
 public:
  // Receives one line per noteworthy event or failure, for the log.
  using Report = std::function<void(bool error, const std::string& line)>;

  // `ledger` and `clock` must outlive this object.
  LedgerMaintenance(Ledger& ledger, const Clock& clock,
                    MaintenanceOptions options, Report report);
  ~LedgerMaintenance();

  LedgerMaintenance(const LedgerMaintenance&) = delete;
  LedgerMaintenance& operator=(const LedgerMaintenance&) = delete;

  // Starts the background thread. Call at most once.
  void Start();

  // One round of due work at the clock's now.
  void RunOnce() ABSL_LOCKS_EXCLUDED(mu_);

  // Stops the thread and signs final checkpoints. Returns why they could
  // not be signed (Unavailable when the store fails; OK without a
  // checkpoint key). Idempotent: later calls return the first result.
  absl::Status Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Prune(absl::Time now);

  Ledger& ledger_;
  const Clock& clock_;
  const MaintenanceOptions options_;
  const Report report_;
  absl::Notification stop_;
  std::thread thread_;

  absl::Mutex mu_;  // one round at a time
  absl::Time last_prune_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status stop_result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_LEDGER_MAINTENANCE_H_
