// `gated(fn, options)`: a tool function behind the gate. Each call is
// evaluated; a pending one waits (bounded, cancellable) for approval; an
// allowed one consumes its grant (in Evaluate's own round trip when allowed
// at once), runs, and has its outcome reported; a
// denied one throws Denied with the reasons and rule ids. The function never
// runs without an ALLOW for exactly the action the gate decided.
import type { ActionContextInput, ActionInput, ArgumentValue } from "./action.js";
import { toAction } from "./action.js";
import { Denied, StillPending } from "./errors.js";
import type { Decision } from "./decision.js";
import type { Gate } from "./gate.js";

export interface GatedOptions<A extends unknown[]> {
  gate: Gate;
  tenant: string;
  agent: string;
  /** The tool as the policy declares it. */
  tool: string;
  /** The policy's typed arguments from the function's arguments. */
  toArguments: (...args: A) => Record<string, ArgumentValue>;
  /** One logical operation across retries; none by default. */
  idempotencyKey?: (...args: A) => string;
  context?: ActionContextInput;
  /** How long to wait for approval before throwing StillPending; default 5 minutes. */
  maxWaitMs?: number;
  /** Cancels waiting and calls in flight. */
  signal?: AbortSignal;
}

async function settle(gate: Gate, decision: Decision, maxWaitMs: number, signal?: AbortSignal): Promise<Decision> {
  if (decision.outcome !== "PENDING_APPROVAL") return decision;
  const settled = await gate.awaitDecision(decision.tenant, decision.decisionId, {
    maxWaitMs,
    ...(signal ? { signal } : {}),
  });
  if (settled.outcome === "PENDING_APPROVAL") throw new StillPending(decision.decisionId);
  return settled;
}

/** Wraps `fn` so that it runs only when the gate allows the call. */
export function gated<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  options: GatedOptions<A>,
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const { gate, signal } = options;
    const call = signal ? { signal } : {};
    const input: ActionInput = {
      tenant: options.tenant,
      agent: options.agent,
      tool: options.tool,
      arguments: options.toArguments(...args),
      ...(options.context ? { context: options.context } : {}),
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey(...args) } : {}),
    };
    const action = toAction(input);
    // An ALLOW at once is executed in the same round trip.
    const first = await gate.evaluateAndExecute(action, call);
    const decision = await settle(gate, first.decision, options.maxWaitMs ?? 300_000, signal);
    if (decision.outcome !== "ALLOW") throw new Denied(decision.decisionId, decision.reasons, decision.ruleIds);
    if (!first.execution) await gate.execute(decision.decisionId, action, call);
    let result: R;
    try {
      result = await fn(...args);
    } catch (e) {
      const detail = e instanceof Error ? e.name : "error";
      await gate.reportOutcome(decision.tenant, decision.decisionId, "failed", detail, call);
      throw e;
    }
    await gate.reportOutcome(decision.tenant, decision.decisionId, "succeeded", "", call);
    return result;
  };
}
