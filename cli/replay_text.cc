#include "cli/replay_text.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace portcullis::cli {
namespace {

using gate::replay::ChangedDecision;
using gate::replay::ReplayOutcome;

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

void AppendChange(const ChangedDecision& change,
                  const gate::replay::Expectations& expectations,
                  absl::string_view input, std::string& out) {
  absl::StrAppend(&out, change.expectation != 0 ? "EXPECTED " : "CHANGED ",
                  input, ":", change.line, " ", TimeText(change.time), " ",
                  change.tenant, "/", change.tool, " agent ", change.agent);
  if (!change.decision_id.empty()) {
    absl::StrAppend(&out, " decision ", change.decision_id);
  }
  absl::StrAppend(&out, "\n  before: ", DescribeRecorded(change.before));
  if (!change.before.policy_version.empty()) {
    absl::StrAppend(&out, " (policy ", change.before.policy_version, ")");
  }
  absl::StrAppend(&out, "\n  after:  ", DescribeReplayed(change.after), "\n");
  for (const policy::RuleCitation& rule : change.after.decided_by) {
    absl::StrAppend(&out, "          ", rule.id, ": ", rule.description, "\n");
  }
  for (const std::string& reason : change.after.reasons) {
    absl::StrAppend(&out, "          reason: ", reason, "\n");
  }
  if (change.expectation != 0) {
    const std::string& note =
        expectations.changes()[change.expectation - 1].note;
    absl::StrAppend(&out, "  expected by expectation ", change.expectation,
                    note.empty() ? "" : ": ", note, "\n");
  }
}

void AppendVerdict(const gate::replay::ReplayReport& report, std::string& out) {
  for (int index : report.UnmatchedExpectations()) {
    const std::string& note = report.expectations().changes()[index - 1].note;
    absl::StrAppend(&out, "note: expectation ", index, note.empty() ? "" : " (",
                    note, note.empty() ? "" : ")", " matched no change\n");
  }
  if (report.unexpected() > 0) {
    absl::StrAppend(&out, "FAIL: ", report.unexpected(), " unexpected change",
                    report.unexpected() == 1 ? "" : "s", "\n");
  } else if (report.changed() > 0) {
    absl::StrAppend(&out, "OK: every change is expected\n");
  } else {
    absl::StrAppend(&out, "OK: no decision changed\n");
  }
}

}  // namespace

std::string DescribeRecorded(const gate::replay::RecordedDecision& d) {
  if (d.outcome == ReplayOutcome::kRejected) {
    return absl::StrCat("REJECTED", d.error.empty() ? "" : ": ", d.error);
  }
  return absl::StrCat(ReplayOutcomeName(d.outcome), " by ",
                      absl::StrJoin(d.decided_by, ", "));
}

std::string DescribeReplayed(const gate::replay::ReplayedDecision& d) {
  if (d.outcome == ReplayOutcome::kRejected) {
    return absl::StrCat("REJECTED: ", d.reasons.empty() ? "" : d.reasons[0]);
  }
  std::vector<std::string> ids;
  for (const policy::RuleCitation& rule : d.decided_by) ids.push_back(rule.id);
  return absl::StrCat(ReplayOutcomeName(d.outcome), " by ",
                      absl::StrJoin(ids, ", "));
}

std::string DescribeTransition(const gate::replay::Transition& t) {
  std::string text = absl::StrCat(t.count, " ", ReplayOutcomeName(t.before),
                                  " → ", ReplayOutcomeName(t.after));
  if (t.before == t.after) absl::StrAppend(&text, " (other rules)");
  return text;
}

std::string FormatReplayText(const gate::replay::ReplayReport& report,
                             absl::string_view input,
                             const gate::PolicySnapshot& policy) {
  std::string out = absl::StrCat(
      "replayed ", report.actions(), " action",
      report.actions() == 1 ? "" : "s", " from ", input,
      " against policy version ", policy.version, " (",
      policy.content_hash.substr(0, 12), "): ", report.changed(), " changed, ",
      report.expected(), " expected, ", report.unexpected(), " unexpected\n");
  for (const gate::replay::Transition& t : report.Transitions()) {
    absl::StrAppend(&out, "  ", DescribeTransition(t), "\n");
  }
  for (const ChangedDecision& change : report.changes()) {
    out += "\n";
    AppendChange(change, report.expectations(), input, out);
  }
  if (!report.changes().empty()) out += "\n";
  AppendVerdict(report, out);
  return out;
}

}  // namespace portcullis::cli
