// Which tools a principal's tenant may use at all: the tools the policy in
// force declares (Gate.ListTools). tools/list asks the gate every time, so
// a policy reload shows at the next listing; tools/call reuses an answer
// younger than `maxAgeMs` that names the tool, and asks again otherwise, so
// a newly declared tool is callable at once and an undeclared one is never
// forwarded on a stale answer. (A tool a reload removes is denied by
// Evaluate meanwhile: the gate stays the authority.) Safe for concurrent
// calls.
import type { CallOptions } from "@portcullis/client";
import type { Principal } from "./gateway.js";

interface Entry {
  names: ReadonlySet<string>;
  at: number;
}

export class DeclaredToolCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant's declared tool names, fresh from the gate. Rejects with a GateError. */
  async refresh(principal: Principal, options?: CallOptions): Promise<ReadonlySet<string>> {
    const declared = await principal.gate.listTools(principal.tenant, options);
    const names = new Set(declared.tools.map((t) => t.name));
    this.entries.set(principal.key, { names, at: this.now() });
    return names;
  }

  /** Whether the tenant's policy declares `tool`. Rejects with a GateError when the gate cannot say. */
  async declares(principal: Principal, tool: string, options?: CallOptions): Promise<boolean> {
    const entry = this.entries.get(principal.key);
    if (entry && entry.names.has(tool) && this.now() - entry.at < this.maxAgeMs) return true;
    return (await this.refresh(principal, options)).has(tool);
  }
}
