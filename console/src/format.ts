// How the console words things for people: money with its currency, times
// as "in 42 minutes", rule lists and votes. Pure functions.
import type { Action, ApprovalRequirement, ApprovalVote, PendingApproval, Value } from "./types.js";

export function formatValue(v: Value): string {
  if (v.moneyValue) return `${v.moneyValue.amount ?? "?"} ${v.moneyValue.currency ?? ""}`.trim();
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue ? "yes" : "no";
  if (v.listValue) return (v.listValue.values ?? []).map(formatValue).join(", ");
  return "";
}

/** "order_id" → "Order id". */
export function label(name: string): string {
  const words = name.replace(/[_.-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The action's arguments, money first (what a merchant looks at first). */
export function argumentRows(a: Action): [string, string, boolean][] {
  const rows = Object.entries(a.arguments ?? {}).map(
    ([k, v]) => [k, formatValue(v), v.moneyValue !== undefined] as [string, string, boolean],
  );
  return rows.sort((x, y) => Number(y[2]) - Number(x[2]) || (x[0] < y[0] ? -1 : 1));
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** "in 3 hours 5 minutes", "2 minutes ago". */
export function relative(iso: string | undefined, now: number): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "";
  const ms = t - now;
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60000);
  let text: string;
  if (abs < 60000) text = plural(Math.max(1, Math.floor(abs / 1000)), "second");
  else if (minutes < 60) text = plural(minutes, "minute");
  else if (minutes < 48 * 60) text = `${plural(Math.floor(minutes / 60), "hour")} ${plural(minutes % 60, "minute")}`;
  else text = plural(Math.floor(minutes / 1440), "day");
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export function localTime(iso: string | undefined): string {
  if (!iso) return "";
  const t = new Date(iso);
  return Number.isFinite(t.getTime()) ? t.toLocaleString() : "";
}

export function approvals(votes: ApprovalVote[] | undefined): ApprovalVote[] {
  return (votes ?? []).filter((v) => v.verdict === "APPROVAL_VERDICT_APPROVE");
}

/** "1 of 2 approvals (owner)". */
export function quorumText(req: ApprovalRequirement, p: PendingApproval): string {
  const quorum = req.quorum ?? 1;
  const roles = (req.roles ?? []).length ? (req.roles ?? []).join(" or ") : "any approver";
  const got = Math.min(approvals(p.votes).length, quorum);
  return `${got} of ${quorum} approval${quorum === 1 ? "" : "s"} from ${roles}`;
}

export function confidence(a: Action): string {
  const c = a.context?.confidence;
  return c === undefined ? "not given" : `${Math.round(c * 100)}%`;
}

export function verdictText(v: string | undefined): string {
  return v === "APPROVAL_VERDICT_APPROVE" ? "approved" : v === "APPROVAL_VERDICT_DENY" ? "refused" : "?";
}

export function outcomeText(o: string | undefined): string {
  switch (o) {
    case "OUTCOME_ALLOW":
      return "allowed: the agent may now do it";
    case "OUTCOME_DENY":
      return "refused: the agent may not do it";
    case "OUTCOME_PENDING_APPROVAL":
      return "still waiting for approval";
    default:
      return "unknown";
  }
}

/** A ledger entry's kind in words a merchant reads (docs/ledger.md). */
export function kindText(kind: string | undefined): string {
  switch (kind) {
    case "action.evaluated":
      return "Decision";
    case "action.rejected":
      return "Request rejected";
    case "action.executed":
      return "Executed";
    case "action.outcome":
      return "Outcome reported";
    case "approval.requested":
      return "Approval asked";
    case "approval.granted":
      return "Approved";
    case "approval.denied":
      return "Refused by an approver";
    case "approval.rejected":
      return "Approval refused by the gate";
    case "approval.expired":
      return "Approval expired";
    case "approval.escalated":
      return "Escalated";
    case "access.denied":
      return "Access refused";
    case "tenant.halted":
    case "gate.halted":
      return "Stopped";
    case "tenant.resumed":
    case "gate.resumed":
      return "Resumed";
    case "policy.loaded":
      return "Policy loaded";
    case "policy.rejected":
      return "Policy rejected";
    default:
      return kind ?? "";
  }
}

/** An activity outcome ("ALLOW", "FAILED", "PERMISSION_DENIED") in words. */
export function activityOutcomeText(o: string | undefined): string {
  switch (o) {
    case "ALLOW":
      return "allowed";
    case "DENY":
      return "refused";
    case "PENDING_APPROVAL":
      return "waiting for approval";
    case "SUCCEEDED":
      return "succeeded";
    case "FAILED":
      return "failed";
    case undefined:
    case "":
      return "";
    default:
      return o.toLowerCase().replace(/_/g, " ");
  }
}

/** Whether an activity outcome is a refusal or a failure. */
export function isBadOutcome(o: string | undefined): boolean {
  return o !== undefined && o !== "" && !["ALLOW", "PENDING_APPROVAL", "SUCCEEDED"].includes(o);
}

/** "12 s ago", "5 min ago", "3 h ago" for an age in seconds. */
export function ageText(seconds: number | undefined): string {
  const s = Math.max(0, Math.round(seconds ?? 0));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
