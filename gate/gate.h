// Gate is the transport-free core of Portcullis: it takes an action from
// whichever adapter received it, decides it against the current policy,
// records the decision on the tenant's ledger and only then answers.
//
// The decision path: validate -> take the policy snapshot -> under the
// tenant's lock, evaluate and charge the limit counters (so two concurrent
// calls cannot both take the last unit of a limit) -> append to the ledger
// without holding any lock -> answer. If the append fails, the charge is
// undone and the call fails: nothing is allowed that is not recorded.
//
// Thread-safe.
#ifndef PORTCULLIS_GATE_GATE_H_
#define PORTCULLIS_GATE_GATE_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "gate/action_validation.h"
#include "gate/decision.h"
#include "gate/policy_loader.h"
#include "gate/policy_snapshot.h"
#include "gate/records.h"
#include "gate/usage_counters.h"
#include "ledger/ledger.h"
#include "policy/action.h"

namespace portcullis::gate {

struct GateOptions {
  ActionLimits limits;
  // How long an ALLOW decision's grant may wait to be executed.
  absl::Duration grant_ttl = absl::Minutes(10);
  // How far back Recover looks for limit charges; no policy window may be
  // longer.
  absl::Duration max_limit_window = absl::Hours(24 * 366);
};

// Who is calling, as the transport established it.
struct CallContext {
  std::string principal;
};

class Gate {
 public:
  // `clock`, `ledger` and `codec` must outlive the Gate.
  Gate(const Clock& clock, ledger::Ledger& ledger, const RecordCodec& codec,
       GateOptions options = {});

  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // Rebuilds the limit counters from the ledger's recent entries. Call once
  // before serving. Returns DataLoss when a recorded payload does not
  // decode, Unavailable when the ledger cannot be read.
  absl::Status Recover();

  // Installs a freshly loaded policy, or records why it was rejected.
  //
  // A policy that compiled is recorded as "policy.loaded" on the chain of
  // every tenant it covers and then becomes current. A policy with errors
  // is recorded as "policy.rejected" on the chains of the current policy's
  // tenants and returns InvalidArgument listing the errors; the current
  // policy stays. Returns Unavailable (and changes nothing) when the
  // outcome cannot be recorded.
  absl::Status ApplyPolicy(const PolicyLoad& load);

  // Decides `action` and records the decision before returning it.
  //
  // Returns InvalidArgument for a malformed action or arguments that do not
  // fit the tool's declaration (recorded as "action.rejected" when the
  // tenant is known), NotFound for a tenant the policy does not know,
  // Unavailable when no policy is loaded or the decision cannot be
  // recorded. A DENY is a Decision, not an error.
  absl::StatusOr<Decision> Evaluate(const policy::Action& action,
                                    const CallContext& call);

  // The policy in force; null before the first ApplyPolicy.
  std::shared_ptr<const PolicySnapshot> policy() const {
    return policies_.Current();
  }

 private:
  struct TenantState {
    absl::Mutex mu;
    UsageCounters usage ABSL_GUARDED_BY(mu);
  };

  TenantState& Tenant(absl::string_view tenant) ABSL_LOCKS_EXCLUDED(mu_);
  Decision NewDecision(const policy::Action& action,
                       const PolicySnapshot& policy, absl::Time now) const;
  void RecordRejection(const policy::Action& action, const absl::Status& error,
                       const CallContext& call, absl::Time now);
  absl::Status RecoverTenant(const std::string& tenant, absl::Time now);

  const Clock& clock_;
  ledger::Ledger& ledger_;
  const RecordCodec& codec_;
  const GateOptions options_;
  PolicyHolder policies_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<TenantState>> tenants_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_GATE_H_
