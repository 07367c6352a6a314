// GateObserver is told what the gate answered, after it answered, so that
// an adapter can count it (metrics); the gate neither knows nor cares what
// it does. A seam injected through Gate's constructor: the daemon passes
// one that counts, tests pass fakes, and without one nothing is observed.
//
// Implementations must be thread-safe and quick, and must not call back
// into the Gate: they run on the calling thread or on the ledger's commit
// thread, inside the answer's critical path.
#ifndef PORTCULLIS_GATE_GATE_OBSERVER_H_
#define PORTCULLIS_GATE_GATE_OBSERVER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gate/approval.h"
#include "gate/decision.h"
#include "gate/receipt.h"
#include "gate/tool_connector.h"

namespace portcullis::gate {

class GateObserver {
 public:
  virtual ~GateObserver() = default;

  // Evaluate answered `answer` for an action on `tool` (as the caller
  // named it: not validated), `elapsed` after it began (by the gate's
  // Clock), the ledger append included.
  virtual void OnEvaluated(absl::string_view tool,
                           const absl::StatusOr<Decision>& answer,
                           absl::Duration elapsed) = 0;

  // Approve answered `result` for `approval`.
  virtual void OnApproved(const Approval& approval,
                          const absl::Status& result) = 0;

  // Execute answered `result`; `tool` says whether the gate called the
  // tool's connector itself (null or !called: the agent runs it).
  virtual void OnExecuted(const absl::Status& result, const ToolCall* tool) = 0;

  // A principal was refused `method` (PERMISSION_DENIED).
  virtual void OnAccessDenied(absl::string_view method) = 0;

  // A pending approval request reached its deadline unresolved and its
  // expiry was recorded (once per request).
  virtual void OnApprovalExpired() {}
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_GATE_OBSERVER_H_
