// The gate's JSON API (docs/console.md) with the signed-in token in the
// Authorization header. The token lives in sessionStorage: it goes when
// the tab closes, and no cookie carries it, so no other site can use it.
import type { ApiError } from "./types.js";

const kToken = "portcullis.token";
const kTenants = "portcullis.tenants";
const kApprover = "portcullis.approver";

export interface Session {
  token: string;
  tenants: string[];
  approverId: string;
}

export function session(): Session | null {
  const token = sessionStorage.getItem(kToken);
  if (!token) return null;
  const tenants = (sessionStorage.getItem(kTenants) ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  return { token, tenants, approverId: sessionStorage.getItem(kApprover) ?? "" };
}

export function signIn(s: Session): void {
  sessionStorage.setItem(kToken, s.token);
  sessionStorage.setItem(kTenants, s.tenants.join(","));
  sessionStorage.setItem(kApprover, s.approverId);
}

export function signOut(): void {
  sessionStorage.removeItem(kToken);
  sessionStorage.removeItem(kTenants);
  sessionStorage.removeItem(kApprover);
  sessionStorage.removeItem("portcullis.me");
}

/** A refused call, with the gate's code and a sentence for people. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly gateMessage: string,
  ) {
    super(explain(status, code, gateMessage));
  }
}

// The sentence a person reads for a refused call. Exported for tests.
export function explain(status: number, code: string, message: string): string {
  // The approver fatigue cap (docs/approvals.md#fatigue-cap): not a busy
  // gate, and retrying at once does not help; the message says when.
  if (code === "RESOURCE_EXHAUSTED" && message.startsWith("fatigue cap: ")) {
    return `Not signed: you have reached the approver fatigue cap. ${message.slice("fatigue cap: ".length)}.`;
  }
  switch (status) {
    case 401:
      return "The gate did not accept your sign-in token. Sign in again with a valid token.";
    case 403:
      return `Your token does not allow this (${message}).`;
    case 404:
      return "Not found: it was already decided, expired, or never existed.";
    case 409:
      return `Refused: ${message}`;
    case 429:
    case 503:
      return `The gate is busy or unavailable; try again shortly (${message}).`;
    default:
      return `${code || "ERROR"}: ${message}`;
  }
}

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const s = session();
  const headers: Record<string, string> = {};
  if (s) headers["Authorization"] = `Bearer ${s.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiFailure(0, "UNAVAILABLE", "the gate cannot be reached");
  }
  const text = await res.text();
  let json: unknown = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiFailure(res.status, "INTERNAL", "the gate's answer was not JSON");
  }
  if (!res.ok) {
    const e = json as Partial<ApiError>;
    throw new ApiFailure(res.status, e.code ?? "", e.message ?? res.statusText);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => call<T>("GET", path),
  post: <T>(path: string, body: unknown) => call<T>("POST", path, body),
};
