// Replayer decides recorded actions again against a candidate policy,
// offline: each at its recorded instant, with the rate and spend counters
// replayed in order, so that the candidate sees the history it would have
// made itself (docs/replay.md, "Counters"):
//
//   - an action the candidate allows is charged at its instant;
//   - a pending action is not charged when decided; if the recording says
//     its approval was granted at T and the candidate also held it for
//     approval, the candidate decides it again at T (as the gate re-checks
//     hard limits at grant time) and, unless that is a DENY, its charges
//     count from T;
//   - a denied or rejected action consumes nothing;
//   - a decision recorded as denied by a halt (builtin:halted) is kept as
//     recorded: halts are an operator's act, not the policy's;
//   - a decision recorded as allowed by a standing approval is allowed by
//     it again (and charged) when the candidate asks for an approval the
//     approval's approver meets alone (gate/standing_approval.h); replay
//     knows no standing approval the recording does not cite.
//
// Each action is decided, and each grant re-checked, by the gate's own
// decision kernel (gate/internal/decision_kernel.h), so replay charges as
// the gate does. Counters are kept per tenant, like the gate's; within a
// tenant, actions must come in time order. Pure: no clock, no I/O. Not
// thread-safe: one Replayer replays one recording, in order.
#ifndef PORTCULLIS_GATE_REPLAY_REPLAYER_H_
#define PORTCULLIS_GATE_REPLAY_REPLAYER_H_

#include <queue>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gate/action_validation.h"
#include "gate/replay/recorded_action.h"
#include "gate/usage_counters.h"
#include "policy/compiled_policy.h"

namespace portcullis::gate::replay {

class Replayer {
 public:
  // `policy` must outlive the Replayer. Actions are checked against
  // `limits` first, as the gate checks requests.
  explicit Replayer(const policy::CompiledPolicy& policy,
                    ActionLimits limits = {})
      : policy_(policy), limits_(limits) {}

  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;

  // Decides `recorded.action` at `recorded.time` and charges the counters
  // as described above. An action the gate would refuse as malformed, or
  // whose arguments do not fit the candidate's declaration, is a kRejected
  // decision, not an error. When `trace` is not null it receives how every
  // rule fared (empty for a kept halt or an action refused as malformed).
  //
  // Returns InvalidArgument when `recorded.time` is before the previous
  // action of the same tenant, or when an approval is granted before its
  // decision: counters need time order.
  absl::StatusOr<ReplayedDecision> Replay(
      const RecordedAction& recorded,
      std::vector<policy::RuleTrace>* trace = nullptr);

  // `tenant`'s counters as the replay has built them, with the grants due
  // by `now` charged: to decide one more action after the recording
  // (`portcullis policy explain --history`). Empty for a tenant it has not
  // seen.
  const UsageCounters& CountersAt(absl::string_view tenant, absl::Time now);

 private:
  struct Grant {
    absl::Time at;
    uint64_t order;  // ties at one instant keep the recording's order
    policy::Action action;
    bool operator>(const Grant& other) const {
      return at != other.at ? at > other.at : order > other.order;
    }
  };
  struct Tenant {
    UsageCounters usage;
    absl::Time last = absl::InfinitePast();
    std::priority_queue<Grant, std::vector<Grant>, std::greater<Grant>> grants;
  };

  // Charges the grants due by `now`.
  void ApplyGrants(Tenant& tenant, absl::Time now);
  ReplayedDecision Decide(const RecordedAction& recorded, Tenant& tenant,
                          std::vector<policy::RuleTrace>* trace);

  const policy::CompiledPolicy& policy_;
  const ActionLimits limits_;
  absl::flat_hash_map<std::string, Tenant> tenants_;
  uint64_t grants_seen_ = 0;
};

}  // namespace portcullis::gate::replay

#endif  // PORTCULLIS_GATE_REPLAY_REPLAYER_H_
