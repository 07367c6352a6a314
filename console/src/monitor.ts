// What the security monitor says about connectors and policy reloads, in
// words a merchant understands. Pure: computed from the API's answers and
// the time now, so node's test runner checks it without a browser.
import { relative } from "./format.js";
import type { ConnectorRow, StatusResponse } from "./types.js";

export interface ConnectorLine {
  name: string;
  /** "healthy", "failing" or "unused", as the gate says. */
  state: string;
  /** "Working", "Failing", "Not called yet". */
  stateText: string;
  /** "3 ok, 1 server error (HTTP 5xx)"; "no calls yet". */
  calls: string;
  /** "last failed 2 minutes ago"; "" when it never failed. */
  lastFailure: string;
}

/** A failed call's result as words: "http_5xx" → "server error (HTTP 5xx)". */
export function resultText(result: string): string {
  const words: Record<string, string> = {
    http_4xx: "refused by the tool (HTTP 4xx)",
    http_5xx: "server error (HTTP 5xx)",
    http_3xx: "redirected (HTTP 3xx)",
    deadline_exceeded: "timed out",
    unavailable: "unreachable",
  };
  return words[result] ?? result.replace(/_/g, " ");
}

export function connectorLine(row: ConnectorRow, now: number): ConnectorLine {
  const state = row.state ?? "unused";
  const failed = Object.entries(row.failed ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const parts = [`${row.ok ?? 0} ok`, ...failed.map(([r, n]) => `${n} ${resultText(r)}`)];
  const called = (row.ok ?? 0) + failed.reduce((sum, [, n]) => sum + n, 0);
  return {
    name: row.name ?? "",
    state,
    stateText: state === "failing" ? "Failing" : state === "healthy" ? "Working" : "Not called yet",
    calls: called ? parts.join(", ") : "no calls yet",
    lastFailure: row.lastFailure ? `last failed ${relative(row.lastFailure, now)}` : "",
  };
}

export interface ReloadLine {
  failed: boolean;
  text: string;
}

/**
 * "Policy reloaded 2 minutes ago" or "Last reload failed 1 minute ago:
 * <error> — still enforcing version 3"; null before any attempt.
 */
export function reloadLine(st: StatusResponse, now: number): ReloadLine | null {
  const r = st.lastReload;
  if (!r) return null;
  const when = relative(r.time, now);
  if (r.ok) return { failed: false, text: `Policy reloaded ${when}` };
  const version = st.policy?.version;
  return {
    failed: true,
    text:
      `Last reload failed ${when}: ${r.error || "unknown error"} — ` +
      (version ? `still enforcing version ${version}` : "no policy is in force"),
  };
}
