// The heart of the gateway: one tools/call behind the gate. Evaluate (or,
// for a retry, the pending decision it matches), wait for approval with
// progress, Execute, forward upstream exactly the arguments the gate
// decided, answer the agent, and ReportOutcome in the background (see
// outcomes.ts). An ALLOW at once is executed in Evaluate's own round trip
// and ledger write (Gate.evaluateAndExecute); an approved retry calls
// Execute. Fails closed: when the gate cannot be asked or says no,
// nothing is forwarded and the agent is told why. Safe for concurrent calls.
import { randomUUID } from "node:crypto";
import {
  type Action,
  actionDigestHex,
  type Decision,
  type ExecutedDecision,
  type Gate,
  GateError,
  toAction,
} from "@portcullis/client";
import { ErrorCode, McpError, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "./config.js";
import { DeclaredToolCache } from "./declared.js";
import type { Logger } from "./log.js";
import { mapArguments, UnmappableCall } from "./mapping.js";
import { type Outcome, OutcomeReporter, type OutcomeReporterOptions } from "./outcomes.js";
import { PendingDecisions } from "./pending.js";
import type { GatedTool, Upstreams } from "./upstreams.js";
import type { SecretScrubber } from "./scrub.js";

/** Who is calling: fixed by configuration (stdio) or by the bearer token (HTTP). */
export interface Principal {
  /** Identifies the principal for pending matching; never from the client's session id. */
  key: string;
  tenant: string;
  agent: string;
  gate: Gate;
}

/** What the MCP layer passes down for one call. */
export interface CallContext {
  signal: AbortSignal;
  /** Sends a progress notification when the agent asked for progress. */
  progress?: (progress: number, message: string) => Promise<void>;
  sessionId?: string;
}

function text(message: string, isError: boolean, meta?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: message }], isError, ...(meta ? { _meta: meta } : {}) };
}

function refusal(decision: Decision): CallToolResult {
  const rules = decision.ruleIds.join(", ") || "none cited";
  return text(
    `Denied by the Portcullis gate (decision ${decision.decisionId}). Nothing was run.\n` +
      `Reasons: ${decision.reasons.join(" ") || "none given"}\nRules: ${rules}`,
    true,
    { "portcullis/decisionId": decision.decisionId, "portcullis/ruleIds": decision.ruleIds },
  );
}

function stillPending(decision: Decision): CallToolResult {
  return text(
    `Approval required: decision ${decision.decisionId} is waiting for a person to approve it ` +
      `(rules: ${decision.ruleIds.join(", ")}). Nothing was run yet. Call this tool again with ` +
      "identical arguments to continue: the retry is matched to this decision, and runs once it is approved.",
    true,
    { "portcullis/decisionId": decision.decisionId, "portcullis/outcome": "PENDING_APPROVAL" },
  );
}

/** The tool as the policy names it. */
function gateToolName(tool: GatedTool): string {
  return tool.config.gateTool ?? tool.config.name;
}

function gateFailure(e: unknown): CallToolResult {
  const why = e instanceof GateError ? `${e.name}: ${e.message}` : String(e);
  return text(`The Portcullis gate could not decide this call, so nothing was forwarded. ${why}`, true);
}

/** A decision for this call, and whether its grant is already consumed. */
interface Decided {
  decision: Decision;
  executed: boolean;
}

export class Gateway {
  private readonly pending = new PendingDecisions();
  private readonly evaluating = new Map<string, Promise<ExecutedDecision>>();
  private readonly declared: DeclaredToolCache;
  private readonly outcomes: OutcomeReporter;

  /**
   * `scrubber` removes upstream credentials from whatever an upstream
   * answers; `outcomes` tunes the background ReportOutcome (tests).
   */
  constructor(
    private readonly config: Config,
    private readonly upstreams: Upstreams,
    private readonly log: Logger,
    private readonly scrubber?: SecretScrubber,
    outcomes: OutcomeReporterOptions = {},
  ) {
    this.declared = new DeclaredToolCache(config.gate.toolsCacheMs);
    this.outcomes = new OutcomeReporter(log, outcomes);
  }

  /** Resolves once every outcome reported so far is recorded or given up (call before exiting). */
  drain(): Promise<void> {
    return this.outcomes.drain();
  }

  /**
   * The tools this principal may see: configured, offered by their upstream,
   * and declared by the tenant's policy in force (asked of the gate each
   * time). Fails closed: when the gate cannot say, a protocol error and no tools.
   */
  async listTools(principal: Principal, signal?: AbortSignal): Promise<Tool[]> {
    let declared: ReadonlySet<string>;
    try {
      declared = await this.declared.refresh(principal, signal ? { signal } : undefined);
    } catch (e) {
      this.log.warn(`tools/list: gate failure (${e instanceof Error ? e.name : "error"}); no tools listed`);
      const why = e instanceof GateError ? `${e.name}: ${e.message}` : String(e);
      throw new McpError(ErrorCode.InternalError, `The Portcullis gate could not list this tenant's tools. ${why}`);
    }
    return this.upstreams
      .list()
      .filter((t) => declared.has(gateToolName(t)))
      .map((t) => t.definition);
  }

  /**
   * Calls `listener` when a refresh of the principal's declared tools (any
   * tools/list, a tools/call that asks the gate, or pollDeclaredTools)
   * finds that a policy reload changed which tools this principal sees.
   * Returns the unsubscribe.
   */
  onToolsChanged(principal: Principal, listener: () => void): () => void {
    const visible = (declared: ReadonlySet<string>) =>
      this.upstreams
        .list()
        .filter((t) => declared.has(gateToolName(t)))
        .map((t) => t.config.name)
        .join("\n");
    return this.declared.onChange(principal.key, (previous, current) => {
      if (visible(previous) !== visible(current)) listener();
    });
  }

  /** Asks the gate for the principal's declared tools (to notice a reload); never rejects. */
  async pollDeclaredTools(principal: Principal): Promise<void> {
    try {
      await this.declared.refresh(principal);
    } catch {
      // The gate is unreachable: tools/list and tools/call say so when asked.
    }
  }

  /** One tools/call. Protocol errors (McpError) for unknown tools and unmappable arguments. */
  async callTool(principal: Principal, name: string, args: Record<string, unknown>, ctx: CallContext) {
    const tool = this.upstreams.get(name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const size = Buffer.byteLength(JSON.stringify(args));
    if (size > this.config.limits.maxArgumentBytes) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `arguments of ${size} bytes exceed the gateway's limit of ${this.config.limits.maxArgumentBytes}`,
      );
    }
    let declared: boolean;
    try {
      declared = await this.declared.declares(principal, gateToolName(tool), { signal: ctx.signal });
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      this.log.warn(`${name}: gate failure (${e instanceof Error ? e.name : "error"}); nothing forwarded`);
      return gateFailure(e);
    }
    // Undeclared: as unknown as a tool no upstream offers.
    if (!declared) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    let action: Action;
    try {
      action = toAction({
        tenant: principal.tenant,
        agent: principal.agent,
        tool: gateToolName(tool),
        arguments: mapArguments(tool.config, args),
        context: { requestId: `mcp-${randomUUID()}`, ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}) },
      });
    } catch (e) {
      if (e instanceof UnmappableCall || e instanceof TypeError) {
        throw new McpError(ErrorCode.InvalidParams, `${name}: ${e.message}; nothing was forwarded`);
      }
      throw e;
    }
    const digest = actionDigestHex(action);
    let decided: Decided;
    try {
      decided = await this.decide(principal, action, digest, ctx);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      this.log.warn(`${name}: gate failure (${e instanceof Error ? e.name : "error"}); nothing forwarded`);
      return gateFailure(e);
    }
    const { decision } = decided;
    this.log.info(`${name}: decision ${decision.decisionId} ${decision.outcome}`);
    if (decision.outcome === "PENDING_APPROVAL") return stillPending(decision);
    this.pending.forget(principal.key, digest);
    if (decision.outcome !== "ALLOW") return refusal(decision);
    return this.executeAndForward(principal, tool, action, args, decided, ctx);
  }

  /**
   * The decision for this call: the pending one it retries, or a new
   * evaluation (executed at once when allowed); waits for approval.
   */
  private async decide(principal: Principal, action: Action, digest: string, ctx: CallContext): Promise<Decided> {
    const known = this.pending.get(principal.key, digest);
    let decision: Decision;
    if (known) {
      decision = await principal.gate
        .awaitDecision(principal.tenant, known, { maxWaitMs: 0, signal: ctx.signal })
        .catch((e: unknown) => {
          this.pending.forget(principal.key, digest);
          throw e;
        });
    } else {
      const evaluated = await this.evaluateOnce(principal, action, digest, ctx);
      if (evaluated.execution) return { decision: evaluated.decision, executed: true };
      decision = evaluated.decision;
    }
    if (decision.outcome !== "PENDING_APPROVAL") return { decision, executed: false };
    this.pending.remember(principal.key, digest, decision.decisionId);
    return { decision: await this.waitForApproval(principal, decision, ctx), executed: false };
  }

  /**
   * Concurrent identical calls share one Evaluate, so only one approval
   * request is queued. An ALLOW is executed in the same round trip.
   */
  private evaluateOnce(principal: Principal, action: Action, digest: string, ctx: CallContext): Promise<ExecutedDecision> {
    const key = `${principal.key}\n${digest}`;
    const inflight = this.evaluating.get(key);
    if (inflight) return inflight;
    const evaluation = principal.gate
      .evaluateAndExecute(action, { signal: ctx.signal })
      .finally(() => this.evaluating.delete(key));
    this.evaluating.set(key, evaluation);
    return evaluation;
  }

  private async waitForApproval(principal: Principal, first: Decision, ctx: CallContext): Promise<Decision> {
    const { waitMs, progressIntervalMs } = this.config.pending;
    const deadline = Date.now() + waitMs;
    let decision = first;
    let step = 0;
    while (decision.outcome === "PENDING_APPROVAL" && Date.now() < deadline) {
      await ctx.progress?.(step, `waiting for approval of decision ${first.decisionId}`);
      step += 1;
      const slice = Math.min(progressIntervalMs, Math.max(0, deadline - Date.now()));
      decision = await principal.gate.awaitDecision(principal.tenant, first.decisionId, {
        maxWaitMs: slice,
        signal: ctx.signal,
      });
    }
    return decision;
  }

  private async executeAndForward(
    principal: Principal,
    tool: GatedTool,
    action: Action,
    args: Record<string, unknown>,
    { decision, executed }: Decided,
    ctx: CallContext,
  ): Promise<CallToolResult> {
    if (!executed) {
      try {
        await principal.gate.execute(decision.decisionId, action, { signal: ctx.signal });
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        return gateFailure(e);
      }
    }
    let result: CallToolResult;
    try {
      result = (await tool.client.callTool({ name: tool.config.name, arguments: args }, undefined, {
        signal: ctx.signal,
      })) as CallToolResult;
    } catch (e) {
      await this.report(principal, decision, "failed", e instanceof Error ? e.name : "error");
      return text(`The upstream tool failed after the gate allowed it (decision ${decision.decisionId}).`, true);
    }
    await this.report(principal, decision, result.isError ? "failed" : "succeeded", result.isError ? "tool error" : "");
    const scrubbed = this.scrubber ? this.scrubber.scrubResult(result) : result;
    return { ...scrubbed, _meta: { ...(scrubbed._meta ?? {}), "portcullis/decisionId": decision.decisionId } };
  }

  /** Records the outcome in the background; waits only when too many reports are outstanding. */
  private report(principal: Principal, decision: Decision, outcome: Outcome, detail: string): Promise<void> {
    return this.outcomes.report(principal.gate, principal.tenant, decision.decisionId, outcome, detail);
  }
}
