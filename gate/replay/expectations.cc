#include "gate/replay/expectations.h"

#include <algorithm>

namespace portcullis::gate::replay {
namespace {

bool SameRules(const std::vector<std::string>& ids,
               const std::vector<policy::RuleCitation>& rules) {
  if (ids.size() != rules.size()) return false;
  return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
    return std::any_of(
        rules.begin(), rules.end(),
        [&](const policy::RuleCitation& r) { return r.id == id; });
  });
}

}  // namespace

bool ExpectedChange::Empty() const {
  return decision_id.empty() && line == 0 && tenant.empty() && tool.empty() &&
         agent.empty() && !before && !after && decided_by_after.empty();
}

bool ExpectedChange::Matches(const ChangedDecision& change) const {
  if (Empty()) return false;
  if (!decision_id.empty() && decision_id != change.decision_id) return false;
  if (line != 0 && line != change.line) return false;
  if (!tenant.empty() && tenant != change.tenant) return false;
  if (!tool.empty() && tool != change.tool) return false;
  if (!agent.empty() && agent != change.agent) return false;
  if (before && *before != change.before.outcome) return false;
  if (after && *after != change.after.outcome) return false;
  if (!decided_by_after.empty() &&
      !SameRules(decided_by_after, change.after.decided_by)) {
    return false;
  }
  return true;
}

int Expectations::Match(const ChangedDecision& change) {
  for (size_t i = 0; i < changes_.size(); ++i) {
    if (changes_[i].Matches(change)) {
      used_[i] = true;
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

std::vector<int> Expectations::Unmatched() const {
  std::vector<int> out;
  for (size_t i = 0; i < used_.size(); ++i) {
    if (!used_[i]) out.push_back(static_cast<int>(i) + 1);
  }
  return out;
}

}  // namespace portcullis::gate::replay
