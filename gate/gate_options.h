// GateOptions: how a Gate is tuned (limits, windows, the approval queue's
// bounds, state snapshots, the approver fatigue cap, what is shared with
// other replicas). Plain values, set once by the composition root before
// the Gate is built; thread-safe for concurrent const use.
#ifndef PORTCULLIS_GATE_GATE_OPTIONS_H_
#define PORTCULLIS_GATE_GATE_OPTIONS_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gate/action_validation.h"
#include "policy/compiled_policy.h"

namespace portcullis::gate {

class CounterStore;
class HaltStore;

// The approver fatigue cap (issue 21, docs/approvals.md): at most
// `max_per_window` approving signatures per approver within any `window`.
struct FatigueCapOptions {
  // 0: no cap (the default).
  int max_per_window = 0;
  absl::Duration window = absl::Hours(1);
};

struct GateOptions {
  ActionLimits limits;
  // How long an ALLOW decision's (or an approval's) grant may wait to be
  // executed.
  absl::Duration grant_ttl = absl::Minutes(10);
  // How long Execute remembers idempotency keys.
  absl::Duration idempotency_window = absl::Hours(24);
  // How far back Recover looks for limit charges; no policy window may be
  // longer.
  absl::Duration max_limit_window = policy::kMaxLimitWindow;
  // How far back Recover looks for pending requests; no approval expiry
  // may be longer.
  absl::Duration max_approval_window = policy::kMaxApprovalExpiry;
  // The most requests waiting for approval per agent (within a tenant) and
  // per tenant; one more is refused with ResourceExhausted and recorded
  // ("action.rejected"). Requests recovered at start-up count but are
  // never dropped.
  size_t max_pending_per_agent = 100;
  size_t max_pending_per_tenant = 1000;
  // Store a state snapshot with every this many checkpoints of a tenant
  // (gate/internal/state_snapshotter.h), so that start-up replays only the
  // entries after it; 0 for none. Needs a ledger that signs checkpoints.
  int snapshot_every_checkpoints = 1;
  // Told, on the snapshotter's thread, of a state snapshot that could not
  // be written (the previous one stays; the next start-up replays more).
  // The daemon logs it. Must be thread-safe and must not call the Gate.
  std::function<void(const std::string& tenant, const absl::Status& status)>
      on_snapshot_failed;
  // The approver fatigue cap (gate/internal/fatigue_cap.h); off by default.
  FatigueCapOptions fatigue_cap;
  // Where limit counters are shared with the other replicas of an agent
  // (gate/counter_store.h); null when this gate's counters are the only
  // ones, as for a gate on its own. Must outlive the Gate.
  CounterStore* shared_counters = nullptr;
  // Where halts are shared with the other replicas (gate/halt_store.h);
  // null for a gate on its own. Must outlive the Gate. With one, the gate
  // stops every tenant while the store has not been read for a second
  // (KillSwitch): call SyncHalts often.
  HaltStore* shared_halts = nullptr;
  // This replica's name, in the halts it shares (may be empty).
  std::string replica;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_GATE_OPTIONS_H_
