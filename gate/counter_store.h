// CounterStore is the seam where limit counters are charged when they are
// shared beyond one process (issue 20): ten replicas of an agent, each with
// its own gate, must together stay within "20 refunds an hour".
//
// Every gate keeps its own counters in memory (UsageCounters, a projection
// of its ledger) and evaluates policy against them under the tenant's lock.
// A CounterStore is asked afterwards, once an action would be allowed, to
// charge the verdict's charges where every replica sees them; it refuses
// when one of them would pass its ceiling counting what other replicas have
// charged. A replica's own counters never hold more than the shared ones,
// so a local DENY stays a DENY and the store only ever turns an ALLOW into
// a DENY.
//
// A gate on its own has no store (GateOptions::shared_counters is null):
// the local check under the tenant's lock already saw every charge, and
// the kernel then copies nothing into a batch. InProcessCounterStore is
// that same answer as an object, for code that wants one (the benchmarks'
// baseline). shared_state/ implements the seam on Redis.
//
// Implementations are thread-safe. The gate calls Charge under the
// tenant's lock, so a slow store slows that tenant's decisions: a call
// costs one round trip at most. Refund is rare (a decision that could not
// be recorded) and may be called on the ledger's commit thread.
#ifndef PORTCULLIS_GATE_COUNTER_STORE_H_
#define PORTCULLIS_GATE_COUNTER_STORE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/verdict.h"

namespace portcullis::gate {

// One decision's charges, as a store sees them.
struct ChargeBatch {
  std::string tenant;  // a validated tenant id
  // Names this batch among every replica's, for as long as its charges
  // count: the decision's id (random, so no two replicas' collide). A
  // refund names the same batch; charging a batch that is already charged
  // changes nothing.
  std::string id;
  absl::Time at;
  // The verdict's charges; those with a `ceiling` are checked against it.
  std::vector<policy::UsageCharge> charges;
};

// What a store answered to Charge.
struct ChargeOutcome {
  bool charged = false;
  // When not charged: the charge (index into the batch's charges) whose
  // ceiling the batch would pass, and a sentence on its shared usage
  // ("20 of 20 per 1h used across replicas").
  size_t refused = 0;
  std::string usage_text;
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;

  // Charges every charge of `batch`, or none of them: none when one with a
  // ceiling would pass it, counting the events of every replica whose
  // window has not ended at `batch.at` (events exactly one window old have
  // left it). Returns Unavailable when the store cannot be reached: the
  // caller then fails closed and allows nothing.
  virtual absl::StatusOr<ChargeOutcome> Charge(const ChargeBatch& batch) = 0;

  // Takes back what Charge charged for `batch` (its decision could not be
  // recorded). Refunding a batch that was never charged changes nothing.
  virtual absl::Status Refund(const ChargeBatch& batch) = 0;
};

// Nothing shared: the local counters are the only ones, so every batch is
// charged as it is and nothing is kept here.
class InProcessCounterStore final : public CounterStore {
 public:
  absl::StatusOr<ChargeOutcome> Charge(const ChargeBatch&) override {
    return ChargeOutcome{.charged = true};
  }
  absl::Status Refund(const ChargeBatch&) override { return absl::OkStatus(); }
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_COUNTER_STORE_H_
