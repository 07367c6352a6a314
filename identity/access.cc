#include "identity/access.h"

#include "absl/strings/str_cat.h"
#include "base/bounded_text.h"

namespace portcullis::identity {

const char* MethodName(Method method) {
  switch (method) {
    case Method::kEvaluate:
      return "Evaluate";
    case Method::kAwaitDecision:
      return "AwaitDecision";
    case Method::kExecute:
      return "Execute";
    case Method::kReportOutcome:
      return "ReportOutcome";
    case Method::kListPending:
      return "ListPending";
    case Method::kWatchPending:
      return "WatchPending";
    case Method::kApprove:
      return "Approve";
    case Method::kHalt:
      return "Halt";
    case Method::kResume:
      return "Resume";
    case Method::kReload:
      return "Reload";
    case Method::kStatus:
      return "Status";
    case Method::kExportLedger:
      return "ExportLedger";
    case Method::kPutSecret:
      return "PutSecret";
    case Method::kListSecrets:
      return "ListSecrets";
    case Method::kDeleteSecret:
      return "DeleteSecret";
    case Method::kListTools:
      return "ListTools";
    case Method::kResolveUpstreamSecret:
      return "ResolveUpstreamSecret";
    case Method::kTailActivity:
      return "TailActivity";
    case Method::kScrapeMetrics:
      return "ScrapeMetrics";
    case Method::kRotatePayloadKey:
      return "RotatePayloadKey";
    case Method::kDeleteTenant:
      return "DeleteTenant";
    case Method::kRecentDecisions:
      return "RecentDecisions";
    case Method::kGrantStanding:
      return "GrantStanding";
    case Method::kRevokeStanding:
      return "RevokeStanding";
    case Method::kListStanding:
      return "ListStanding";
  }
  return "?";
}

Role RequiredRole(Method method) {
  switch (method) {
    case Method::kEvaluate:
    case Method::kAwaitDecision:
    case Method::kExecute:
    case Method::kReportOutcome:
      return Role::kAgent;
    case Method::kListPending:
    case Method::kWatchPending:
    case Method::kApprove:
    case Method::kGrantStanding:
    case Method::kRevokeStanding:
    case Method::kListStanding:
      return Role::kApprover;
    case Method::kHalt:
    case Method::kResume:
    case Method::kReload:
    case Method::kStatus:
    case Method::kPutSecret:
    case Method::kListSecrets:
    case Method::kDeleteSecret:
      return Role::kOperator;
    case Method::kExportLedger:
      return Role::kAuditor;
    case Method::kListTools:
      return Role::kAgent;
    case Method::kResolveUpstreamSecret:
      return Role::kGateway;
    case Method::kTailActivity:
    case Method::kScrapeMetrics:
      return Role::kOperator;  // or kAuditor: see Authorize
    case Method::kRotatePayloadKey:
    case Method::kDeleteTenant:
      return Role::kOperator;
    case Method::kRecentDecisions:
      return Role::kApprover;  // or kOperator, kAuditor: see Authorize
  }
  return Role::kOperator;
}

absl::Status Authorize(const Principal& principal, Method method,
                       absl::string_view tenant, absl::string_view agent) {
  Role role = RequiredRole(method);
  if (method == Method::kTailActivity || method == Method::kScrapeMetrics) {
    // The activity stream and the metrics serve operators watching the gate
    // and auditors feeding a SIEM alike.
    if (!principal.Has(Role::kOperator) && !principal.Has(Role::kAuditor)) {
      return absl::PermissionDeniedError(
          absl::StrCat("principal \"", principal.name, "\" may not ",
                       method == Method::kTailActivity ? "call TailActivity"
                                                       : "read the metrics",
                       ": it needs the operator or auditor role"));
    }
  } else if (method == Method::kRecentDecisions) {
    if (!principal.Has(Role::kApprover) && !principal.Has(Role::kOperator) &&
        !principal.Has(Role::kAuditor)) {
      return absl::PermissionDeniedError(
          absl::StrCat("principal \"", principal.name,
                       "\" may not read an agent's recent decisions: it "
                       "needs the approver, operator or auditor role"));
    }
  } else if (!principal.Has(role)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal \"", principal.name, "\" may not call ", MethodName(method),
        ": it needs the ", RoleName(role), " role"));
  }
  if (method == Method::kResolveUpstreamSecret && principal.Has(Role::kAgent)) {
    // An agent holding the token would read the credentials it is meant
    // never to see (docs/mcp.md, "Upstream credentials").
    return absl::PermissionDeniedError(absl::StrCat(
        "principal \"", principal.name,
        "\" may not call ResolveUpstreamSecret: it has the agent role; give "
        "the gateway a principal of its own"));
  }
  const bool gate_wide =
      tenant.empty() && (method == Method::kHalt || method == Method::kResume);
  if (method == Method::kDeleteTenant && !principal.AllTenants()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal \"", principal.name,
        "\" may not delete a tenant: it acts for some tenants only"));
  }
  if (gate_wide && !principal.AllTenants()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal \"", principal.name,
        "\" may not halt or resume the whole gate: it acts for some tenants "
        "only"));
  }
  if (!tenant.empty() && !principal.MayActFor(tenant)) {
    return absl::PermissionDeniedError(
        absl::StrCat("principal \"", principal.name,
                     "\" may not act for tenant ", BoundedQuote(tenant)));
  }
  if (!agent.empty() && !principal.MaySpeakAs(agent)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal \"", principal.name, "\" may not speak as agent ",
        BoundedQuote(agent), "; list the agent under the principal's agents"));
  }
  return absl::OkStatus();
}

}  // namespace portcullis::identity
