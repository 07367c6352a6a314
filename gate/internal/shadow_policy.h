// ShadowPolicy is shadow mode (docs/replay.md, "Shadow mode"): a candidate
// policy loaded beside the one in force. Every action the gate decides is
// decided by the candidate too, with the candidate's own limit counters,
// and never enforced: the candidate cannot change, delay beyond its own
// evaluation, or fail the real decision. Each decision the candidate would
// make otherwise (another outcome, or other deciding rules) is returned as a
// ShadowRecord, which the gate records beside the real decision
// ("shadow.differed"), and counted for Admin.Status.
//
// Counters: when a candidate is installed, its counters start as copies of
// the active policy's (counter keys name the rule, so rules that keep their
// id keep their history); from then on they follow the candidate's own
// allows. Pending actions are not charged to them (approval grants are not
// shadowed). A new candidate starts afresh, counts included.
//
// Thread-safe: Decide runs concurrently with itself and with Install.
#ifndef PORTCULLIS_GATE_INTERNAL_SHADOW_POLICY_H_
#define PORTCULLIS_GATE_INTERNAL_SHADOW_POLICY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gate/gate_status.h"
#include "gate/policy_snapshot.h"
#include "gate/records.h"
#include "gate/usage_counters.h"
#include "policy/action.h"
#include "policy/verdict.h"

namespace portcullis::gate {

class ShadowPolicy {
 public:
  // Makes `candidate` the shadow policy for every decision from now on,
  // with counters copied from `seed` (per tenant) and fresh counts.
  void Install(std::shared_ptr<const PolicySnapshot> candidate,
               absl::flat_hash_map<std::string, UsageCounters> seed);

  // Stops shadowing.
  void Clear() { current_.store(nullptr, std::memory_order_release); }

  // Decides `action` at `now` with the candidate and compares it with
  // `enforced`, the decision in force. Returns what the candidate decided
  // when it differs; nullopt when it agrees, when no candidate is
  // installed, or when `enforced` is a halt (an operator's act, not the
  // policy's). A candidate that cannot decide the action (its arguments do
  // not fit the candidate's declaration) differs by rejecting it.
  //
  // `standing` is given the candidate's PENDING_APPROVAL verdict to allow
  // it by a standing approval, as the gate would under the candidate
  // (Gate::ShadowStanding). It is called under the candidate's counter
  // lock and may take the gate's tenant locks; the caller holds none.
  std::optional<ShadowRecord> Decide(
      const policy::Action& action, const policy::Verdict& enforced,
      absl::Time now, absl::FunctionRef<void(policy::Verdict&)> standing);
  std::optional<ShadowRecord> Decide(const policy::Action& action,
                                     const policy::Verdict& enforced,
                                     absl::Time now) {
    return Decide(action, enforced, now, [](policy::Verdict&) {});
  }

  // The candidate (null when none) and its counts.
  ShadowStatus Status() const;

 private:
  struct Tenant {
    absl::Mutex mu;
    UsageCounters usage ABSL_GUARDED_BY(mu);
  };
  // One installed candidate with its counters and counts; calls in flight
  // keep the generation they took, like policy snapshots.
  struct Generation {
    std::shared_ptr<const PolicySnapshot> candidate;
    absl::Mutex mu;
    absl::flat_hash_map<std::string, std::unique_ptr<Tenant>> tenants
        ABSL_GUARDED_BY(mu);
    std::atomic<uint64_t> decided{0};
    std::atomic<uint64_t> differed{0};

    Tenant& Get(absl::string_view tenant) ABSL_LOCKS_EXCLUDED(mu);
  };

  std::atomic<std::shared_ptr<Generation>> current_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_SHADOW_POLICY_H_
