#include "gate/activity_event.h"

#include <type_traits>
#include <variant>

namespace portcullis::gate {
namespace {

void FromAction(const policy::Action& action, ActivityEvent& event) {
  event.tool = action.tool;
  event.agent = action.agent;
}

void FromDecision(const Decision& decision, ActivityEvent& event) {
  event.outcome = policy::OutcomeName(decision.verdict.outcome);
  for (const policy::RuleCitation& rule : decision.verdict.decided_by) {
    event.rule_ids.push_back(rule.id);
  }
}

std::string CodeName(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

// Copies the public facts of one record; everything else stays behind.
struct PublicFacts {
  ActivityEvent& event;

  void operator()(const EvaluationRecord& r) {
    FromAction(r.action, event);
    FromDecision(r.decision, event);
    event.principal = r.principal;
  }
  void operator()(const RejectionRecord& r) {
    FromAction(r.action, event);
    event.outcome = CodeName(r.error);
    event.principal = r.principal;
  }
  void operator()(const PolicyRecord&) {}
  void operator()(const ApprovalRequestRecord& r) {
    for (const policy::ApprovalRequirement& a : r.requirements) {
      event.rule_ids.push_back(a.rule_id);
    }
    event.outcome = policy::OutcomeName(policy::Outcome::kPendingApproval);
    event.principal = r.requested_by;
  }
  void operator()(const VerdictRecord& r) {
    FromDecision(r.decision, event);
    event.principal = r.approval.approver_id;
  }
  void operator()(const ApprovalRejectionRecord& r) {
    event.outcome = CodeName(r.error);
    event.principal = r.approval.approver_id;
  }
  void operator()(const DeadlineRecord& r) { FromDecision(r.decision, event); }
  void operator()(const ExecutionRecord& r) {
    event.tool = r.receipt.tool;
    event.principal = r.principal;
  }
  void operator()(const OutcomeRecord& r) {
    event.outcome =
        r.outcome == ExecutionOutcome::kSucceeded ? "SUCCEEDED" : "FAILED";
    event.principal = r.principal;
  }
  void operator()(const HaltRecord& r) { event.principal = r.principal; }
  void operator()(const AccessDeniedRecord& r) {
    event.principal = r.principal;
    event.method = r.method;
    event.outcome = CodeName(r.error);
  }
  void operator()(const SecretRecord& r) { event.principal = r.principal; }
  void operator()(const AmendmentRecord& r) { event.principal = r.approver_id; }
  void operator()(const StandingGrantRecord& r) {
    event.tool = r.standing.tool;
    event.principal = r.standing.approver_id;
  }
  void operator()(const StandingRevocationRecord& r) {
    event.principal = r.revocation.approver_id;
  }
  void operator()(const StandingRejectionRecord& r) {
    event.tool = r.tool;
    event.principal = r.approver_id;
    event.outcome = CodeName(r.error);
  }
  void operator()(const ShadowRecord& r) {
    if (!r.verdict.has_value()) return;
    event.outcome = policy::OutcomeName(r.verdict->outcome);
    for (const policy::RuleCitation& rule : r.verdict->decided_by) {
      event.rule_ids.push_back(rule.id);
    }
  }
};

}  // namespace

ActivityEvent ActivityEventFrom(const ledger::Entry& entry,
                                const RecordCodec& codec) {
  ActivityEvent event;
  event.tenant = entry.tenant;
  event.sequence = entry.sequence;
  event.time = entry.time;
  event.kind = entry.kind;
  event.request_id = entry.request_id;
  event.correlation_id = entry.correlation_id;
  event.decision_id = entry.decision_id;
  if (!entry.payload.has_value()) return event;
  absl::StatusOr<Record> record = codec.Decode(entry.kind, *entry.payload);
  if (record.ok()) std::visit(PublicFacts{event}, *record);
  return event;
}

}  // namespace portcullis::gate
