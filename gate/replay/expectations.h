// The changes a policy edit is meant to make, as listed in the --expect
// file of `portcullis replay`: a changed decision is expected when some
// expectation matches it. Expectations remember which of them matched, so
// that stale ones can be pointed out. Not thread-safe.
#ifndef PORTCULLIS_GATE_REPLAY_EXPECTATIONS_H_
#define PORTCULLIS_GATE_REPLAY_EXPECTATIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gate/replay/recorded_action.h"

namespace portcullis::gate::replay {

// A changed decision, without the action's arguments.
struct ChangedDecision {
  uint64_t line = 0;  // in the recording, 1-based
  absl::Time time;
  std::string decision_id;
  std::string tenant;
  std::string agent;
  std::string tool;
  std::string request_id;
  RecordedDecision before;
  ReplayedDecision after;
  int expectation = 0;  // the first matching expectation, 1-based; 0: none
};

// Matches a changed decision when every field that is set matches.
struct ExpectedChange {
  std::string decision_id;
  uint64_t line = 0;
  std::string tenant;
  std::string tool;
  std::string agent;
  std::optional<ReplayOutcome> before;
  std::optional<ReplayOutcome> after;
  // The rule ids the candidate decides by, as a set; empty: any.
  std::vector<std::string> decided_by_after;
  std::string note;

  // True when nothing but the note is set: such an expectation would
  // excuse every change, so files may not contain one.
  bool Empty() const;
  bool Matches(const ChangedDecision& change) const;
};

class Expectations {
 public:
  Expectations() = default;
  explicit Expectations(std::vector<ExpectedChange> changes)
      : changes_(std::move(changes)), used_(changes_.size(), false) {}

  // Returns the 1-based position of the first expectation that matches
  // `change`, or 0 when none does.
  int Match(const ChangedDecision& change);

  // The 1-based positions of the expectations no change matched.
  std::vector<int> Unmatched() const;

  const std::vector<ExpectedChange>& changes() const { return changes_; }

 private:
  std::vector<ExpectedChange> changes_;
  std::vector<bool> used_;
};

}  // namespace portcullis::gate::replay

#endif  // PORTCULLIS_GATE_REPLAY_EXPECTATIONS_H_
