// PolicyReloads remembers the latest attempt to load the policy (at start,
// on a reload, on a change of its file), for the operators' status: when
// it failed, the policy in force is still the previous one. The daemon
// notes each attempt; Status calls read the latest. Thread-safe.
#ifndef PORTCULLIS_GATE_POLICY_RELOADS_H_
#define PORTCULLIS_GATE_POLICY_RELOADS_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace portcullis::gate {

// One attempt to load the policy.
struct PolicyReloadAttempt {
  absl::Time time;           // when it was made, on the gate's clock
  std::string content_hash;  // of the text tried; empty when unreadable
  // OK when the text tried is in force; otherwise why not, as the loader
  // said it (unbounded, may name files: edges bound and cut it).
  absl::Status result;
};

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

#endif  // PORTCULLIS_GATE_POLICY_RELOADS_H_
