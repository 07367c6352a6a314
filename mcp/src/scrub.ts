// Keeps upstream credentials out of what the agent and the log see. An
// upstream may echo a credential it was given (an env-printing tool, a
// debug message); every string of its answer and every line of its stderr
// is scrubbed first, like the gate scrubs its connectors' answers
// (connectors/secret_scrub.h): the secret as is, JSON-escaped,
// percent-encoded, hex, base64 and base64url, and any run of at least
// max(8, half its length) characters of one of those forms, become
// "[redacted]". Immutable; safe for concurrent use.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export const kRedacted = "[redacted]";

function forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const base64 = bytes.toString("base64");
  const percent = encodeURIComponent(secret);
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    bytes.toString("hex"),
    bytes.toString("hex").toUpperCase(),
    base64,
    base64.replace(/=+$/, ""),
    bytes.toString("base64url"),
  ];
}

/** The fragments whose presence betrays `form`: the whole of a short one, else every run of max(8, half). */
function fragments(form: string): string[] {
  if (form.length < 8) return [form];
  const k = Math.max(8, Math.ceil(form.length / 2));
  const out: string[] = [];
  for (let i = 0; i + k <= form.length; i += 1) out.push(form.slice(i, i + k));
  return out;
}

export class SecretScrubber {
  private readonly needles: string[];

  /** `secrets`: the resolved values; empty ones are ignored. */
  constructor(secrets: Iterable<string>) {
    const all = new Set<string>();
    for (const secret of secrets) {
      if (!secret) continue;
      for (const form of forms(secret)) for (const f of fragments(form)) all.add(f);
    }
    // Longest first, so a whole form goes before its fragments.
    this.needles = [...all].sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.needles.length === 0;
  }

  scrub(text: string): string {
    let out = text;
    for (const needle of this.needles) if (out.includes(needle)) out = out.split(needle).join(kRedacted);
    return out;
  }

  /** A copy of `value` with every string in it scrubbed (keys included). */
  scrubValue<T>(value: T): T {
    if (this.empty) return value;
    if (typeof value === "string") return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.scrubValue(v)) as T;
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[this.scrub(k)] = this.scrubValue(v);
      return out as T;
    }
    return value;
  }

  scrubResult(result: CallToolResult): CallToolResult {
    return this.scrubValue(result);
  }
}
