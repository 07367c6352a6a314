// The approver fatigue cap (issue 21): at most `max_per_window` approving
// signatures — approve verdicts and standing approvals — per approver
// within any `window`. One more is refused with ResourceExhausted saying
// how many in what window, and when the next is possible. Deny verdicts
// and revocations are never capped: refusing them would fail open.
// Counts are kept in memory and rebuilt at start from the ledger (each
// tenant's projection keeps its approvers' signatures, gate/state_snapshot.h),
// so a restart does not reset them. Thread-safe.
#ifndef PORTCULLIS_GATE_INTERNAL_FATIGUE_CAP_H_
#define PORTCULLIS_GATE_INTERNAL_FATIGUE_CAP_H_

#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gate/gate_options.h"

namespace portcullis::gate {

class FatigueCap {
 public:
  explicit FatigueCap(FatigueCapOptions options) : options_(options) {}

  // Takes one of `approver`'s signatures at `now`, or returns
  // ResourceExhausted (`what` names the thing signed in the message).
  absl::Status Take(absl::string_view approver, absl::Time now,
                    absl::string_view what);
  // Returns a signature taken at `at` that did not take effect.
  void GiveBack(absl::string_view approver, absl::Time at);
  // Adds signatures `approver` made before a restart (recovery; `at` in
  // time order), keeping those that still count at `now`.
  void Restore(absl::string_view approver, const std::vector<absl::Time>& at,
               absl::Time now);

 private:
  const FatigueCapOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::deque<absl::Time>> taken_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_FATIGUE_CAP_H_
