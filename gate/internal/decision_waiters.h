// DecisionWaiters holds the callers waiting for a pending decision to be
// resolved (AwaitDecision) without a thread each: a wait is a callback
// registered under a key (tenant and decision id) and called exactly once,
// when the decision is resolved (Wake) or when its wait runs out — unless
// it is cancelled first (Cancel), when it is never called. One timer thread
// serves every wait's end; callbacks run on that thread or on the thread
// that resolved the decision, never under the registry's lock.
//
// Thread-safe.
#ifndef PORTCULLIS_GATE_INTERNAL_DECISION_WAITERS_H_
#define PORTCULLIS_GATE_INTERNAL_DECISION_WAITERS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gate/decision.h"

namespace portcullis::gate {

class DecisionWaiters {
 public:
  // Called with the resolved decision (Wake), or nullopt when the wait ran
  // out. Must be quick: it runs on the resolving or the timer thread.
  using Callback = absl::AnyInvocable<void(std::optional<Decision>) &&>;

  // Starts the timer thread.
  DecisionWaiters();
  // Stops the timer thread; waits still registered are dropped, their
  // callbacks destroyed without being called.
  ~DecisionWaiters();

  DecisionWaiters(const DecisionWaiters&) = delete;
  DecisionWaiters& operator=(const DecisionWaiters&) = delete;

  // Registers `done` under `key` until Wake(key), until `max_wait` has
  // passed (measured on a monotonic clock: it is a caller's patience, not
  // a domain time), or until Cancel. Returns the wait's id, never 0.
  uint64_t Add(std::string key, absl::Duration max_wait, Callback done)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Removes the wait `id`. True when it was still registered: its callback
  // is then never called. False when it already ran or is running.
  bool Cancel(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);

  // Ends every wait under `key`, calling each callback with `resolved`.
  void Wake(absl::string_view key, const Decision& resolved)
      ABSL_LOCKS_EXCLUDED(mu_);

  // How many waits are registered.
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Instant = std::chrono::steady_clock::time_point;
  struct Waiter {
    std::string key;
    Instant until;
    Callback done;
  };

  // Unregisters `it` and returns its callback.
  Callback Take(absl::flat_hash_map<uint64_t, Waiter>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunTimer() ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  absl::CondVar timer_wakeup_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> by_key_
      ABSL_GUARDED_BY(mu_);
  std::set<std::pair<Instant, uint64_t>> by_deadline_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread timer_;  // last: started once everything above exists
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_DECISION_WAITERS_H_
