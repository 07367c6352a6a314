// KillSwitch halts and resumes one tenant or the whole gate. While halted,
// Evaluate answers DENY citing the halt and Execute fails; pending requests
// are kept but cannot execute. Every transition is recorded before it
// takes effect: "tenant.halted"/"tenant.resumed" on the tenant's chain,
// "gate.halted"/"gate.resumed" on every tenant's chain. Thread-safe.
#ifndef PORTCULLIS_GATE_KILL_SWITCH_H_
#define PORTCULLIS_GATE_KILL_SWITCH_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "base/clock.h"
#include "gate/internal/tenant_book.h"
#include "gate/policy_snapshot.h"
#include "gate/recorder.h"

namespace portcullis::gate {

class KillSwitch {
 public:
  // Every reference must outlive the switch.
  KillSwitch(const Clock& clock, Recorder& recorder, TenantRegistry& tenants,
             const PolicyHolder& policies)
      : clock_(clock),
        recorder_(recorder),
        tenants_(tenants),
        policies_(policies) {}

  // Halts `tenant`, or the whole gate when `tenant` is empty. Returns
  // InvalidArgument without a reason (1-1024 bytes), NotFound for a tenant
  // the policy does not know, FailedPrecondition when already halted,
  // Unavailable when it cannot be recorded (then nothing changes).
  absl::Status Halt(absl::string_view tenant, absl::string_view reason,
                    absl::string_view principal);

  // Lifts a halt, with the same errors (FailedPrecondition when not
  // halted). Resuming the gate leaves tenants halted on their own halted.
  absl::Status Resume(absl::string_view tenant, absl::string_view reason,
                      absl::string_view principal);

  // Why `tenant` is halted (its own halt first, then the gate's), or
  // nullopt when it is not.
  std::optional<std::string> HaltReason(absl::string_view tenant);

 private:
  absl::Status Switch(absl::string_view tenant, bool halt,
                      absl::string_view reason, absl::string_view principal);

  const Clock& clock_;
  Recorder& recorder_;
  TenantRegistry& tenants_;
  const PolicyHolder& policies_;
  // Serializes transitions, so two halts cannot both record.
  absl::Mutex switch_mu_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_KILL_SWITCH_H_
