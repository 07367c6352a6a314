#include "gate/decision_state.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace portcullis::gate {
namespace {

bool Holds(const std::vector<std::string>& held,
           const std::vector<std::string>& wanted) {
  return std::any_of(wanted.begin(), wanted.end(), [&](const auto& role) {
    return std::find(held.begin(), held.end(), role) != held.end();
  });
}

// Whether roles `held` (of a verdict recorded at `at`) count for `r`.
bool Qualifies(const policy::ApprovalRequirement& r,
               const std::vector<std::string>& held, bool escalated) {
  if (r.roles.empty() || Holds(held, r.roles)) return true;
  return r.escalation && escalated && Holds(held, r.escalation->roles);
}

absl::Status Unexpected(absl::string_view kind) {
  return absl::DataLossError(absl::StrCat(
      "ledger entry of kind ", kind, " does not fit the decision's history"));
}

struct Applier {
  DecisionState& s;
  absl::string_view kind;
  absl::Time at;

  absl::Status operator()(const EvaluationRecord& r) {
    s.action = r.action;
    s.original = r.decision;
    s.current = r.decision;
    s.requested_by = r.principal;
    return absl::OkStatus();
  }
  absl::Status operator()(const ApprovalRequestRecord& r) {
    if (!s.pending()) return Unexpected(kind);
    s.requested_by = r.requested_by;
    return absl::OkStatus();
  }
  absl::Status operator()(const VerdictRecord& r) {
    if (!s.pending()) return Unexpected(kind);
    s.votes.push_back({r.approval.approver_id, r.approver_roles,
                       r.approval.verdict, r.approval.comment, at});
    s.current = r.decision;
    return absl::OkStatus();
  }
  absl::Status operator()(const DeadlineRecord& r) {
    if (!s.pending()) return Unexpected(kind);
    if (kind == kApprovalEscalated) {
      s.escalated = true;
    } else {
      s.current = r.decision;
    }
    return absl::OkStatus();
  }
  absl::Status operator()(const ExecutionRecord& r) {
    if (s.current.verdict.outcome != policy::Outcome::kAllow || s.receipt) {
      return Unexpected(kind);
    }
    s.receipt = r.receipt;
    return absl::OkStatus();
  }
  absl::Status operator()(const OutcomeRecord& r) {
    if (!s.receipt || s.outcome) return Unexpected(kind);
    s.outcome = r;
    return absl::OkStatus();
  }
  // Rejected approvals leave the decision as it was; other records do not
  // concern decisions.
  absl::Status operator()(const ApprovalRejectionRecord&) {
    return absl::OkStatus();
  }
  absl::Status operator()(const RejectionRecord&) { return absl::OkStatus(); }
  // What a shadow policy would have decided does not change the decision.
  absl::Status operator()(const ShadowRecord&) { return absl::OkStatus(); }
  // Nor does an amendment proposed with a verdict.
  absl::Status operator()(const AmendmentRecord&) { return absl::OkStatus(); }
  absl::Status operator()(const PolicyRecord&) { return Unexpected(kind); }
  absl::Status operator()(const HaltRecord&) { return Unexpected(kind); }
  absl::Status operator()(const AccessDeniedRecord&) {
    return Unexpected(kind);
  }
  absl::Status operator()(const SecretRecord&) { return Unexpected(kind); }
  absl::Status operator()(const StandingGrantRecord&) {
    return Unexpected(kind);
  }
  absl::Status operator()(const StandingRevocationRecord&) {
    return Unexpected(kind);
  }
  absl::Status operator()(const StandingRejectionRecord&) {
    return Unexpected(kind);
  }
};

}  // namespace

absl::Status ApplyRecord(DecisionState& state, absl::string_view kind,
                         const Record& record, absl::Time at) {
  // A refused approval or execution changes nothing, and may name a
  // decision that does not exist.
  if (std::holds_alternative<ApprovalRejectionRecord>(record) ||
      std::holds_alternative<RejectionRecord>(record)) {
    return absl::OkStatus();
  }
  bool first = state.original.id.empty();
  if (first != std::holds_alternative<EvaluationRecord>(record)) {
    return Unexpected(kind);
  }
  return std::visit(Applier{state, kind, at}, record);
}

absl::StatusOr<DecisionState> LoadDecision(const ledger::Ledger& ledger,
                                           const RecordCodec& codec,
                                           absl::string_view tenant,
                                           absl::string_view decision_id) {
  DecisionState state;
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(
      ledger.ReadDecision(tenant, decision_id, [&](const ledger::Entry& entry) {
        if (!entry.payload) {
          problem = absl::DataLossError(absl::StrCat(
              "ledger entry ", tenant, "/", entry.sequence, " has no payload"));
          return false;
        }
        absl::StatusOr<Record> record =
            codec.Decode(entry.kind, *entry.payload);
        if (!record.ok()) {
          problem = record.status();
          return false;
        }
        problem = ApplyRecord(state, entry.kind, *record, entry.time);
        if (!problem.ok()) return false;
        if (entry.kind == kActionExecuted) {
          state.receipt->ledger_sequence = entry.sequence;
        }
        // The decision as it stands is the one this entry recorded: the
        // evaluation, a verdict, or a deadline that ended the wait.
        if (std::holds_alternative<EvaluationRecord>(*record)) {
          state.original.ledger_sequence = entry.sequence;
          state.current.ledger_sequence = entry.sequence;
        } else if (std::holds_alternative<VerdictRecord>(*record) ||
                   (std::holds_alternative<DeadlineRecord>(*record) &&
                    entry.kind != kApprovalEscalated)) {
          state.current.ledger_sequence = entry.sequence;
        }
        return problem.ok();
      }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  if (state.original.id.empty()) {
    return absl::NotFoundError(
        absl::StrCat("tenant ", tenant, " has no decision ", decision_id));
  }
  return state;
}

absl::Time DeadlineOf(const DecisionState& state) {
  return state.current.expires_at.value_or(absl::InfinitePast());
}

std::optional<absl::Time> NextEscalation(const DecisionState& state) {
  if (state.escalated) return std::nullopt;
  std::optional<absl::Time> earliest;
  for (const auto& r : state.original.verdict.approvals) {
    if (!r.escalation) continue;
    absl::Time t = state.original.decided_at + r.escalation->after;
    if (!earliest || t < *earliest) earliest = t;
  }
  return earliest;
}

std::vector<std::string> EscalationRoles(const DecisionState& state) {
  std::vector<std::string> roles;
  for (const auto& r : state.original.verdict.approvals) {
    if (!r.escalation) continue;
    for (const std::string& role : r.escalation->roles) {
      if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
        roles.push_back(role);
      }
    }
  }
  return roles;
}

bool MayVote(const DecisionState& state, const Approver& approver,
             absl::Time now) {
  std::optional<absl::Time> escalation = NextEscalation(state);
  bool escalated = state.escalated || (escalation && now >= *escalation);
  for (const auto& r : state.original.verdict.approvals) {
    if (Qualifies(r, approver.roles, escalated)) {
      return true;
    }
  }
  return false;
}

bool QuorumMet(const DecisionState& state) {
  for (const auto& r : state.original.verdict.approvals) {
    absl::flat_hash_set<std::string> approvers;
    for (const Vote& v : state.votes) {
      if (v.verdict != ApprovalVerdict::kApprove) continue;
      // A verdict counts with the roles it was recorded with; escalation
      // roles count when the request had escalated by then.
      std::optional<absl::Time> esc =
          r.escalation ? std::optional<absl::Time>(state.original.decided_at +
                                                   r.escalation->after)
                       : std::nullopt;
      bool escalated_then = esc && v.at >= *esc;
      if (Qualifies(r, v.roles, escalated_then)) {
        approvers.insert(v.approver_id);
      }
    }
    if (static_cast<int>(approvers.size()) < r.quorum) return false;
  }
  return true;
}

}  // namespace portcullis::gate
