// PolicyReloads remembers the latest attempt to load the policy (at start,
// on a reload, on a change of its file), for the operators' status: when
// it failed, the policy in force is still the previous one. The daemon
// notes each attempt; Status calls read the latest. Thread-safe.
#ifndef PORTCULLIS_GATE_INTERNAL_POLICY_RELOADS_H_
#define PORTCULLIS_GATE_INTERNAL_POLICY_RELOADS_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gate/gate_status.h"

namespace portcullis::gate {

class PolicyReloads {
 public:
  // Makes `attempt` the latest.
  void Note(PolicyReloadAttempt attempt) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    latest_ = std::move(attempt);
  }

  // The latest attempt; nullopt before the first.
  std::optional<PolicyReloadAttempt> Latest() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return latest_;
  }

 private:
  mutable absl::Mutex mu_;
  std::optional<PolicyReloadAttempt> latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_POLICY_RELOADS_H_
