#include "gate/replay/replay_report.h"

#include <algorithm>

namespace portcullis::gate::replay {

bool ReplayReport::Add(uint64_t line, const RecordedAction& recorded,
                       ReplayedDecision replayed) {
  ++actions_;
  if (!DecisionChanged(recorded.decision, replayed)) return false;
  ChangedDecision change;
  change.line = line;
  change.time = recorded.time;
  change.decision_id = recorded.decision_id;
  change.tenant = recorded.action.tenant;
  change.agent = recorded.action.agent;
  change.tool = recorded.action.tool;
  change.request_id = recorded.action.context.request_id;
  change.before = recorded.decision;
  change.after = std::move(replayed);
  change.expectation = expectations_.Match(change);
  if (change.expectation != 0) ++expected_;
  ++transitions_[{change.before.outcome, change.after.outcome}];
  changes_.push_back(std::move(change));
  return true;
}

std::vector<Transition> ReplayReport::Transitions() const {
  std::vector<Transition> out;
  for (const auto& [pair, count] : transitions_) {
    out.push_back({pair.first, pair.second, count});
  }
  // Stable: equal counts stay in outcome order (the map's order).
  std::stable_sort(out.begin(), out.end(),
                   [](const Transition& a, const Transition& b) {
                     return a.count > b.count;
                   });
  return out;
}

}  // namespace portcullis::gate::replay
