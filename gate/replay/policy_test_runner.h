// PolicyTestRunner runs policy unit tests (PolicyTestCase) against one
// compiled policy, like `opa test`: each case with fresh limit counters,
// its prior actions replayed first (gate/replay/replayer.h), then the action
// under test decided at the case's instant and compared with what the case
// expects. It also keeps rule coverage: which of the policy's rules some
// case's action matched (RuleTrace). Pure; not thread-safe.
#ifndef PORTCULLIS_GATE_REPLAY_POLICY_TEST_RUNNER_H_
#define PORTCULLIS_GATE_REPLAY_POLICY_TEST_RUNNER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "gate/replay/policy_test_case.h"
#include "gate/replay/recorded_action.h"
#include "policy/compiled_policy.h"

namespace portcullis::gate::replay {

struct PolicyTestResult {
  bool passed = false;
  // Why it failed, for people; empty when it passed.
  std::string failure;
  // What the policy decided on the action under test.
  ReplayedDecision got;
};

class PolicyTestRunner {
 public:
  // `policy` must outlive the runner.
  explicit PolicyTestRunner(const policy::CompiledPolicy& policy)
      : policy_(policy) {}

  // Runs `test`. Returns InvalidArgument when the case cannot run: its
  // prior actions are not in time order or come after the action under
  // test.
  absl::StatusOr<PolicyTestResult> Run(const PolicyTestCase& test);

  // The policy's rules, in source order, that no case's action matched.
  std::vector<policy::RuleInfo> Unexercised() const;

  // How many rules the policy has.
  size_t rules() const { return policy_.Rules().size(); }

 private:
  const policy::CompiledPolicy& policy_;
  // (tenant, rule id) of every rule some case's action matched.
  absl::flat_hash_set<std::pair<std::string, std::string>> matched_;
};

}  // namespace portcullis::gate::replay

#endif  // PORTCULLIS_GATE_REPLAY_POLICY_TEST_RUNNER_H_
