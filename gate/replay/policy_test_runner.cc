#include "gate/replay/policy_test_runner.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gate/replay/replayer.h"

namespace portcullis::gate::replay {
namespace {

std::string RuleIds(const std::vector<policy::RuleCitation>& rules) {
  std::vector<std::string> ids;
  for (const policy::RuleCitation& r : rules) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  return absl::StrCat("[", absl::StrJoin(ids, ", "), "]");
}

std::string Describe(const ReplayedDecision& d) {
  if (d.outcome == ReplayOutcome::kRejected) {
    return absl::StrCat("REJECTED: ", d.reasons.empty() ? "" : d.reasons[0]);
  }
  return absl::StrCat(ReplayOutcomeName(d.outcome), " by ",
                      RuleIds(d.decided_by));
}

// Why `got` is not what `test` expects; empty when it is.
std::string Mismatch(const PolicyTestCase& test, const ReplayedDecision& got) {
  std::string expected = ReplayOutcomeName(test.outcome);
  if (test.decided_by) {
    std::vector<std::string> ids = *test.decided_by;
    std::sort(ids.begin(), ids.end());
    absl::StrAppend(&expected, " by [", absl::StrJoin(ids, ", "), "]");
  }
  bool ok = got.outcome == test.outcome;
  if (ok && test.decided_by) {
    RecordedDecision wanted{test.outcome, *test.decided_by};
    ok = !DecisionChanged(wanted, got);
  }
  if (ok && test.outcome == ReplayOutcome::kRejected &&
      !test.error_contains.empty()) {
    ok = !got.reasons.empty() &&
         absl::StrContains(got.reasons[0], test.error_contains);
    absl::StrAppend(&expected, " with an error containing \"",
                    test.error_contains, "\"");
  }
  if (ok) return "";
  return absl::StrCat("expected ", expected, ", got ", Describe(got));
}

RecordedAction Recorded(const policy::Action& action, absl::Time at) {
  RecordedAction r;
  r.time = at;
  r.action = action;
  return r;
}

}  // namespace

absl::StatusOr<PolicyTestResult> PolicyTestRunner::Run(
    const PolicyTestCase& test) {
  Replayer replayer(policy_);
  for (const PriorAction& prior : test.given) {
    if (prior.at > test.at) {
      return absl::InvalidArgumentError(
          "a given action comes after the action under test");
    }
    RecordedAction recorded = Recorded(prior.action, prior.at);
    for (int i = 0; i < prior.times; ++i) {
      absl::StatusOr<ReplayedDecision> d = replayer.Replay(recorded);
      if (!d.ok()) return d.status();
    }
  }
  std::vector<policy::RuleTrace> trace;
  absl::StatusOr<ReplayedDecision> got =
      replayer.Replay(Recorded(test.action, test.at), &trace);
  if (!got.ok()) return got.status();
  for (const policy::RuleTrace& t : trace) {
    if (t.matched) matched_.insert({test.action.tenant, t.rule_id});
  }
  PolicyTestResult result;
  result.failure = Mismatch(test, *got);
  result.passed = result.failure.empty();
  result.got = *std::move(got);
  return result;
}

std::vector<policy::RuleInfo> PolicyTestRunner::Unexercised() const {
  std::vector<policy::RuleInfo> out;
  for (policy::RuleInfo& rule : policy_.Rules()) {
    if (!matched_.contains(std::make_pair(rule.tenant, rule.id))) {
      out.push_back(std::move(rule));
    }
  }
  return out;
}

}  // namespace portcullis::gate::replay
