#include "cli/decision_text.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codec/time_codec.h"

namespace portcullis::cli {

std::string OutcomeText(v1::Outcome outcome) {
  switch (outcome) {
    case v1::OUTCOME_ALLOW:
      return "ALLOW";
    case v1::OUTCOME_PENDING_APPROVAL:
      return "PENDING_APPROVAL";
    default:
      return "DENY";
  }
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", codec::TimeFromProto(t),
                          absl::UTCTimeZone());
}

std::string ValueText(const v1::Value& v) {
  switch (v.kind_case()) {
    case v1::Value::kStringValue:
      return absl::StrCat("\"", absl::CHexEscape(v.string_value()), "\"");
    case v1::Value::kIntValue:
      return absl::StrCat(v.int_value());
    case v1::Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case v1::Value::kMoneyValue:
      return absl::StrCat(v.money_value().amount(), " ",
                          v.money_value().currency());
    case v1::Value::kListValue: {
      std::vector<std::string> items;
      for (const v1::Value& item : v.list_value().values()) {
        items.push_back(ValueText(item));
      }
      return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
    }
    case v1::Value::KIND_NOT_SET:
      break;
  }
  return "(none)";
}

std::string RequirementText(const v1::ApprovalRequirement& r) {
  std::string text = absl::StrCat(
      r.rule_id(), ": ",
      r.roles().empty() ? "any approver" : absl::StrJoin(r.roles(), " or "),
      " (quorum ", r.quorum(), "), until ", TimeText(r.expires_at()));
  if (r.has_escalates_at()) {
    absl::StrAppend(&text, "; from ", TimeText(r.escalates_at()), " also ",
                    absl::StrJoin(r.escalation_roles(), " or "));
  }
  return text;
}

void PrintArguments(const v1::Action& action, std::ostream& out) {
  std::vector<std::string> names;
  for (const auto& [name, value] : action.arguments()) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    out << "  args." << name << " = " << ValueText(action.arguments().at(name))
        << "\n";
  }
}

void PrintDecision(const v1::Decision& d, std::ostream& out) {
  out << "outcome: " << OutcomeText(d.outcome()) << "\n";
  for (const std::string& reason : d.reasons()) {
    out << "reason: " << reason << "\n";
  }
  for (const v1::RuleRef& rule : d.decided_by()) {
    out << "rule: " << rule.id()
        << (rule.description().empty() ? "" : " (" + rule.description() + ")")
        << (rule.proposal_id().empty() ? ""
                                       : " from proposal " + rule.proposal_id())
        << "\n";
  }
  for (const v1::ApprovalRequirement& r : d.approvals()) {
    out << "needs: " << RequirementText(r) << "\n";
  }
  if (d.outcome() == v1::OUTCOME_ALLOW && d.has_expires_at()) {
    out << "grant expires: " << TimeText(d.expires_at()) << "\n";
  }
  out << "decision: " << d.decision_id() << "\n";
  out << "ledger sequence: " << d.ledger_sequence() << "\n";
  out << "action digest: " << absl::BytesToHexString(d.action_digest()) << "\n";
  out << "policy: " << d.policy().version() << "\n";
}

}  // namespace portcullis::cli
