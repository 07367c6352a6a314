// ReplayReport collects what a replay found: how many actions were decided
// again, every decision that changed (checked against the expectations),
// and how many changed from each outcome to each other. Its contents depend
// only on what was added and in which order, so the same recording gives
// the same report. Not thread-safe.
#ifndef PORTCULLIS_GATE_REPLAY_REPLAY_REPORT_H_
#define PORTCULLIS_GATE_REPLAY_REPLAY_REPORT_H_

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "gate/replay/expectations.h"
#include "gate/replay/recorded_action.h"

namespace portcullis::gate::replay {

// How many decisions changed from `before` to `after`; the same outcome on
// both sides counts decisions whose deciding rules changed.
struct Transition {
  ReplayOutcome before = ReplayOutcome::kDeny;
  ReplayOutcome after = ReplayOutcome::kDeny;
  uint64_t count = 0;
};

class ReplayReport {
 public:
  explicit ReplayReport(Expectations expectations = {})
      : expectations_(std::move(expectations)) {}

  // Compares the candidate's decision with the recorded one; a change is
  // kept (with the expectation that accounts for it, if any). Returns true
  // when the decision changed. `line` is the recording's 1-based line.
  bool Add(uint64_t line, const RecordedAction& recorded,
           ReplayedDecision replayed);

  uint64_t actions() const { return actions_; }
  uint64_t changed() const { return changes_.size(); }
  uint64_t expected() const { return expected_; }
  uint64_t unexpected() const { return changed() - expected_; }

  // Every change, in the order added.
  const std::vector<ChangedDecision>& changes() const { return changes_; }

  // Counts by outcome pair, most frequent first (ties in outcome order).
  std::vector<Transition> Transitions() const;

  // The 1-based positions of expectations that matched no change.
  std::vector<int> UnmatchedExpectations() const {
    return expectations_.Unmatched();
  }
  const Expectations& expectations() const { return expectations_; }

 private:
  Expectations expectations_;
  uint64_t actions_ = 0;
  uint64_t expected_ = 0;
  std::vector<ChangedDecision> changes_;
  std::map<std::pair<ReplayOutcome, ReplayOutcome>, uint64_t> transitions_;
};

}  // namespace portcullis::gate::replay

#endif  // PORTCULLIS_GATE_REPLAY_REPLAY_REPORT_H_
