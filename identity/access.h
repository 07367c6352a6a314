// Who may call what: every RPC needs a role, and a tenant-scoped RPC needs
// the tenant among the caller's. Pure; thread-safe.
//
//   agent     Evaluate, AwaitDecision, Execute, ReportOutcome
//   approver  ListPending, WatchPending, Approve, GrantStanding,
//             RevokeStanding (besides the signature), ListStanding
//   operator  Halt, Resume, Reload, Status, PutSecret, ListSecrets,
//             DeleteSecret
//   auditor   ExportLedger
//   agent     ListTools (issue 17: what the MCP gateway lists)
//   gateway   ResolveUpstreamSecret (issue 17; never with the agent role)
//   operator or auditor  TailActivity (issue 18: the activity stream)
//   approver, operator or auditor  RecentDecisions (issue 19: the console's
//             recent decisions of an agent)
#ifndef PORTCULLIS_IDENTITY_ACCESS_H_
#define PORTCULLIS_IDENTITY_ACCESS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "identity/principal.h"

namespace portcullis::identity {

enum class Method {
  kEvaluate,
  kAwaitDecision,
  kExecute,
  kReportOutcome,
  kListPending,
  kWatchPending,
  kApprove,
  kHalt,
  kResume,
  kReload,
  kStatus,
  kExportLedger,
  kPutSecret,
  kListSecrets,
  kDeleteSecret,
  kListTools,
  kResolveUpstreamSecret,
  kTailActivity,
  // GET /metrics when observability.metricsAuth is on: the operator or the
  // auditor role, any tenant (the metrics carry no tenant).
  kScrapeMetrics,
  // Maintenance while serving (operator).
  kRotatePayloadKey,
  kDeleteTenant,
  // The console's recent decisions of one agent (issue 19): the approver
  // deciding about it, or an operator or auditor watching the gate.
  kRecentDecisions,
  // Standing approvals (issue 21): the approver role, like Approve.
  kGrantStanding,
  kRevokeStanding,
  kListStanding,
};

// The RPC's name, e.g. "Evaluate".
const char* MethodName(Method method);

// The role a method needs (TailActivity, ScrapeMetrics: kOperator, or kAuditor
// as well; see Authorize).
Role RequiredRole(Method method);

// OK when `principal` may call `method` for `tenant`, speaking as `agent`
// (the agent an action names; empty when the call names none). An empty
// tenant means the whole gate (Halt, Resume) or none (Reload, Status), and
// needs a principal of every tenant ("*") where it matters. Returns
// PermissionDenied saying what is missing; caller-sent values in it are
// quoted and bounded (BoundedQuote).
absl::Status Authorize(const Principal& principal, Method method,
                       absl::string_view tenant, absl::string_view agent = {});

}  // namespace portcullis::identity

#endif  // PORTCULLIS_IDENTITY_ACCESS_H_
