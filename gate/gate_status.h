// What the Gate reports about itself: the policy in force, the kill
// switch, each tenant's queue and chain, shadow mode, the latest policy
// reload (Gate::Status), and how each tenant was recovered at start
// (Gate::recovery). Plain values; thread-safe for concurrent const use.
#ifndef PORTCULLIS_GATE_GATE_STATUS_H_
#define PORTCULLIS_GATE_GATE_STATUS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gate/policy_snapshot.h"

namespace portcullis::gate {

// Shadow mode (issue 7): the candidate policy and how often it disagreed.
struct ShadowStatus {
  std::shared_ptr<const PolicySnapshot> candidate;
  uint64_t decided = 0;   // actions the candidate decided since installed
  uint64_t differed = 0;  // of those, decided otherwise than in force
};

// One attempt to load the policy.
struct PolicyReloadAttempt {
  absl::Time time;           // when it was made, on the gate's clock
  std::string content_hash;  // of the text tried; empty when unreadable
  // OK when the text tried is in force; otherwise why not, as the loader
  // said it (unbounded, may name files: edges bound and cut it).
  absl::Status result;
};

// How one tenant was recovered, for the start-up log.
struct TenantRecovery {
  std::string tenant;
  uint64_t snapshot_sequence = 0;  // the snapshot used; 0 for a full replay
  std::string snapshot_problem;    // why a stored snapshot was ignored
  uint64_t entries_read = 0;       // entries replayed (tail or full walk)
};

struct TenantStatus {
  std::string tenant;
  std::optional<std::string> halted;  // the reason, when halted
  size_t pending = 0;
  uint64_t ledger_sequence = 0;
};

struct GateStatus {
  std::shared_ptr<const PolicySnapshot> policy;
  std::optional<std::string> gate_halted;
  std::vector<TenantStatus> tenants;
  ShadowStatus shadow;  // shadow mode (issue 7); no candidate when unset
  // The latest attempt to load the policy; unset before the first.
  std::optional<PolicyReloadAttempt> last_reload;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_GATE_STATUS_H_
