// KillSwitch halts and resumes one tenant or the whole gate. While halted,
// Evaluate answers DENY citing the halt and Execute fails; pending requests
// are kept but cannot execute. Every transition is recorded before it
// takes effect: "tenant.halted"/"tenant.resumed" on the tenant's chain,
// "gate.halted"/"gate.resumed" on every tenant's chain. Thread-safe.
//
// With a HaltStore (replicas sharing their halts, issue 20), a transition
// is published to the store first, then recorded and applied here; Sync
// records and applies on this replica's chains what other replicas
// published. A halt asked while the store cannot be reached still takes
// effect here and is published once the store answers; a resume is then
// refused (it could undo a halt made elsewhere). And while the store has
// not been read for over kSharedHaltsMaxAge, this replica cannot know of
// halts made at the others: every tenant is stopped, citing
// kSharedHaltsUnknownRule, until it is read again (fail closed).
#ifndef PORTCULLIS_GATE_INTERNAL_KILL_SWITCH_H_
#define PORTCULLIS_GATE_INTERNAL_KILL_SWITCH_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "gate/builtin_rules.h"
#include "gate/halt_store.h"
#include "gate/internal/recorder.h"
#include "gate/internal/tenant_book.h"
#include "gate/policy_snapshot.h"

namespace portcullis::gate {

// How long a replica sharing its halts trusts its last read of the store:
// a halt made at any replica stops every other within this, or they stop
// on their own.
inline constexpr absl::Duration kSharedHaltsMaxAge = absl::Seconds(1);

// Why a tenant's actions are stopped.
struct HaltCause {
  absl::string_view rule;  // kHaltedRule or kSharedHaltsUnknownRule
  std::string reason;      // the halt's reason, or why halts are unknown
};

class KillSwitch {
 public:
  // Every reference must outlive the switch; `shared` may be null (a gate
  // on its own). `replica` names this replica in what it publishes (may be
  // empty).
  KillSwitch(const Clock& clock, Recorder& recorder, TenantRegistry& tenants,
             const PolicyHolder& policies, HaltStore* shared = nullptr,
             std::string replica = "")
      : clock_(clock),
        recorder_(recorder),
        tenants_(tenants),
        policies_(policies),
        shared_(shared),
        replica_(std::move(replica)) {}

  // Halts `tenant`, or the whole gate when `tenant` is empty. Returns
  // InvalidArgument without a reason (1-1024 bytes), NotFound for a tenant
  // the policy does not know, FailedPrecondition when already halted (here,
  // or at any replica sharing halts), Unavailable when it cannot be recorded
  // (then nothing changes here; when it was shared, Sync records it later).
  absl::Status Halt(absl::string_view tenant, absl::string_view reason,
                    absl::string_view principal);

  // Lifts a halt, with the same errors (FailedPrecondition when not
  // halted; Unavailable, changing nothing, when halts are shared and the
  // store cannot be reached). Resuming the gate leaves tenants halted on
  // their own halted.
  absl::Status Resume(absl::string_view tenant, absl::string_view reason,
                      absl::string_view principal);

  // What stops `tenant`'s actions: its own halt first, then the gate's,
  // then halts unknown; nullopt when nothing does.
  std::optional<HaltCause> HaltOf(absl::string_view tenant) const;
  // The same for a tenant whose lock the caller holds (in a plan, a
  // commit or WithLock).
  std::optional<HaltCause> HaltOfLocked(const TenantBook::View& state) const;

  // Without a store: does nothing. With one: publishes the halts owed to
  // it (asked while it could not be reached, or held here but unknown to
  // it), reads every target's state, and records and applies here what
  // differs. Returns the changes it applied, oldest first. Unavailable
  // when the store cannot be reached or a change cannot be recorded (it is
  // tried again at the next Sync); the read then does not count as fresh.
  absl::StatusOr<std::vector<SharedHalt>> Sync();

 private:
  absl::Status Switch(absl::string_view tenant, bool halt,
                      absl::string_view reason, absl::string_view principal);
  // Records `change` on its chains (every tenant of `policy` for the whole
  // gate), then applies it. Does nothing when the target is already so.
  absl::Status RecordAndApply(const PolicySnapshot& policy,
                              const SharedHalt& change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(switch_mu_);
  bool IsHalted(absl::string_view tenant) const;
  // Publishes the halts owed to the store; stops at the first failure.
  absl::Status PublishOwed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(switch_mu_);
  std::optional<HaltCause> HaltsUnknown() const;

  const Clock& clock_;
  Recorder& recorder_;
  TenantRegistry& tenants_;
  const PolicyHolder& policies_;
  HaltStore* const shared_;
  const std::string replica_;
  // Serializes transitions and syncs, so two halts cannot both record.
  absl::Mutex switch_mu_;
  // Halts this replica holds that the store has not heard of yet.
  std::vector<SharedHalt> owed_ ABSL_GUARDED_BY(switch_mu_);
  // When Sync last read the store and applied all it said, in Unix
  // nanoseconds; written by Sync only, read on every decision (so not
  // behind a lock all tenants would share).
  std::atomic<int64_t> last_read_{std::numeric_limits<int64_t>::min()};
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_KILL_SWITCH_H_
