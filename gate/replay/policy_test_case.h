// One policy unit test, in domain terms: actions decided first to fill the
// limit counters, the action under test and the decision the policy must
// make on it. server/codec/replay_codec.h reads them from test files
// (docs/replay.md, "Policy tests"). Plain values.
#ifndef PORTCULLIS_GATE_REPLAY_POLICY_TEST_CASE_H_
#define PORTCULLIS_GATE_REPLAY_POLICY_TEST_CASE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gate/replay/recorded_action.h"
#include "policy/action.h"

namespace portcullis::gate::replay {

struct PriorAction {
  absl::Time at;
  policy::Action action;
  int times = 1;
};

struct PolicyTestCase {
  std::string name;
  // Where the case is written, for messages: "coupons_test.yaml:12".
  std::string location;
  absl::Time at;
  std::vector<PriorAction> given;
  policy::Action action;
  ReplayOutcome outcome = ReplayOutcome::kDeny;
  // When set, exactly these rule ids must decide.
  std::optional<std::vector<std::string>> decided_by;
  // For kRejected: a part of the error that must appear; may be empty.
  std::string error_contains;
};

}  // namespace portcullis::gate::replay

#endif  // PORTCULLIS_GATE_REPLAY_POLICY_TEST_CASE_H_
