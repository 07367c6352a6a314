// How the CLI shows the gate's answers to a person: outcomes, argument
// values, approval requirements and times, one line each. Shared by the
// commands that evaluate and approve. Pure functions; thread-safe.
#ifndef PORTCULLIS_CLI_DECISION_TEXT_H_
#define PORTCULLIS_CLI_DECISION_TEXT_H_

#include <ostream>
#include <string>

#include "google/protobuf/timestamp.pb.h"
#include "portcullis/v1/action.pb.h"
#include "portcullis/v1/decision.pb.h"

namespace portcullis::cli {

// "ALLOW", "DENY" or "PENDING_APPROVAL"; anything else reads as DENY.
std::string OutcomeText(v1::Outcome outcome);

// RFC 3339 in UTC, to the second.
std::string TimeText(const google::protobuf::Timestamp& t);

// An argument's value: strings quoted and escaped, money as "75.00 SAR".
std::string ValueText(const v1::Value& v);

// One approval requirement: roles, quorum, deadline, escalation.
std::string RequirementText(const v1::ApprovalRequirement& r);

// Every argument of `action` in name order, one "  args.NAME = VALUE" line
// each.
void PrintArguments(const v1::Action& action, std::ostream& out);

// A decision as "key: value" lines: outcome, reasons, rules, approvals
// needed, decision id, ledger sequence, policy version.
void PrintDecision(const v1::Decision& decision, std::ostream& out);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_DECISION_TEXT_H_
