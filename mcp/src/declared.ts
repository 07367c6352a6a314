// Which tools a principal's tenant may use at all: the tools the policy in
// force declares (Gate.ListTools). tools/list asks the gate every time, so
// a policy reload shows at the next listing; tools/call reuses an answer
// younger than `maxAgeMs` that names the tool, and asks again otherwise, so
// a newly declared tool is callable at once and an undeclared one is never
// forwarded on a stale answer. (A tool a reload removes is denied by
// Evaluate meanwhile: the gate stays the authority.) Listeners hear when a
// refresh finds a principal's declared tools changed (a policy reload), so
// sessions can send notifications/tools/list_changed. Safe for concurrent
// calls.
import type { CallOptions } from "@portcullis/client";
import type { Principal } from "./gateway.js";

interface Entry {
  names: ReadonlySet<string>;
  at: number;
}

function sameNames(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const name of a) if (!b.has(name)) return false;
  return true;
}

/** Called with the previous and the new declared names of a principal. */
export type DeclaredChange = (previous: ReadonlySet<string>, current: ReadonlySet<string>) => void;

export class DeclaredToolCache {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Map<string, Set<DeclaredChange>>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant's declared tool names, fresh from the gate. Rejects with a GateError. */
  async refresh(principal: Principal, options?: CallOptions): Promise<ReadonlySet<string>> {
    const declared = await principal.gate.listTools(principal.tenant, options);
    const names = new Set(declared.tools.map((t) => t.name));
    const previous = this.entries.get(principal.key)?.names;
    this.entries.set(principal.key, { names, at: this.now() });
    if (previous && !sameNames(previous, names)) {
      for (const listener of this.listeners.get(principal.key) ?? []) listener(previous, names);
    }
    return names;
  }

  /** Calls `listener` whenever a refresh finds `key`'s declared tools changed; returns the unsubscribe. */
  onChange(key: string, listener: DeclaredChange): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  /** Whether the tenant's policy declares `tool`. Rejects with a GateError when the gate cannot say. */
  async declares(principal: Principal, tool: string, options?: CallOptions): Promise<boolean> {
    const entry = this.entries.get(principal.key);
    if (entry && entry.names.has(tool) && this.now() - entry.at < this.maxAgeMs) return true;
    return (await this.refresh(principal, options)).has(tool);
  }
}
