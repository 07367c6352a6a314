// UsageCounters holds one tenant's rate and spend counters: timed events
// per counter key, read by policy evaluation through policy::UsageView.
// They are a projection of the ledger — rebuilt from recorded charges at
// start — so a restart cannot reset a limit.
//
// Not thread-safe: the gate guards each tenant's counters with the
// tenant's lock, which also makes check-and-charge atomic.
#ifndef PORTCULLIS_GATE_USAGE_COUNTERS_H_
#define PORTCULLIS_GATE_USAGE_COUNTERS_H_

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "policy/usage.h"
#include "policy/verdict.h"

namespace portcullis::gate {

class UsageCounters final : public policy::UsageView {
 public:
  int64_t Count(absl::string_view counter, absl::Time since) const override;
  policy::Decimal Sum(absl::string_view counter,
                      absl::Time since) const override;
  // Sessions (policy::IsSessionEventsKey counters) with an event that is
  // still in its window at `now`. Charge forgets the sessions that have
  // ended by the time of the charge, so this is quick.
  int64_t LiveSessions(absl::Time now) const override;

  // Records `charges` as events at `at`, and forgets events that have left
  // their window by then.
  void Charge(const std::vector<policy::UsageCharge>& charges, absl::Time at);

  // Removes one event per charge recorded at exactly `at` (undoing a Charge
  // whose decision could not be recorded).
  void Uncharge(const std::vector<policy::UsageCharge>& charges, absl::Time at);

  // The number of events held, for tests and metrics.
  size_t events() const;
  // The number of session event counters held (live or not yet forgotten).
  size_t sessions() const { return session_ends_.size(); }

  // One counter's events, for state snapshots (gate/state_snapshot.h).
  struct SeriesEvents {
    std::string counter;
    absl::Duration window;
    std::vector<std::pair<absl::Time, policy::Decimal>> events;  // in order
  };
  // Every counter, sorted by key.
  std::vector<SeriesEvents> Export() const;
  // Replaces `series.counter`'s events (in time order) and window.
  void Import(SeriesEvents series);
  // Forgets events at or before `cutoff`, and counters left empty.
  void ForgetThrough(absl::Time cutoff);

 private:
  struct Event {
    absl::Time at;
    policy::Decimal amount;  // 1 for rate limits
  };
  struct Series {
    absl::Duration window;
    std::vector<Event> events;  // sorted by `at`
    // Session event counters: when the last event leaves the window
    // (its entry in session_ends_).
    bool session = false;
    absl::Time ends;
  };

  // Keeps a session series' entry in session_ends_ in step with its
  // events; erases the series when it has none left. Returns whether it
  // was erased.
  bool SyncSession(const std::string& key, Series& series);
  // Forgets every session whose last event left its window by `at`.
  void ForgetEndedSessions(absl::Time at);

  absl::flat_hash_map<std::string, Series> series_;
  // (end, key) of every session series, earliest end first.
  std::set<std::pair<absl::Time, std::string>> session_ends_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_USAGE_COUNTERS_H_
