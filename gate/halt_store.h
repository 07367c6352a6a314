// HaltStore is the seam through which halts reach every replica of a gate
// (issue 20): an operator who stops a tenant at one pod stops it at all
// twenty. A gate on its own has none (GateOptions::shared_halts is null).
//
// The store holds, for each target (a tenant, or the whole gate), the last
// halt or resume any replica published; it is the shared truth. A replica
// publishes a change before it records and applies it, and reads every
// target's state often (the daemon: every 200 ms), recording and applying
// on its own chain what other replicas changed (gate/internal/kill_switch.h).
//
// Halts and resumes are not signed: whoever can write the store can halt or
// resume tenants, as they can reset shared limit counters. The store is
// trusted for those, and kept behind a password on a trusted network
// (docs/security.md). Implementations are thread-safe; shared_state/
// implements the seam on Redis.
#ifndef PORTCULLIS_GATE_HALT_STORE_H_
#define PORTCULLIS_GATE_HALT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace portcullis::gate {

// A target's last halt or resume, as every replica sees it.
struct SharedHalt {
  std::string tenant;  // a validated tenant id; empty for the whole gate
  bool halted = false;
  std::string reason;     // 1..1024 bytes
  std::string principal;  // who asked
  std::string replica;    // where it was asked; empty when unnamed
  absl::Time at;
};

class HaltStore {
 public:
  virtual ~HaltStore() = default;

  // Makes `halt` the target's state, unless the target is already halted
  // (for a halt) or not halted (for a resume; a target never halted is not
  // halted). Returns true when it changed the state, false when the target
  // was already so. Unavailable when the store cannot be reached; a call
  // that timed out may still have been applied. InvalidArgument for a
  // tenant id or a field the store cannot hold.
  virtual absl::StatusOr<bool> Publish(const SharedHalt& halt) = 0;

  // Every target's state: the targets ever halted, in any order. Unavailable
  // when the store cannot be reached. Entries the store holds that are not
  // well formed are left out.
  virtual absl::StatusOr<std::vector<SharedHalt>> Read() = 0;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_HALT_STORE_H_
