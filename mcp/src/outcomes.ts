// Records how each forwarded call turned out (Gate.ReportOutcome) in the
// background, so that the agent's answer does not wait for a third gate
// round trip. The ledger still ties request -> decision -> execution ->
// outcome: every report is made, a report the gate could not take
// (GateUnavailable) is retried a bounded number of times, and one that is
// still not recorded is logged as a warning naming the decision (never the
// arguments or the upstream's output). drain() waits for every report in
// flight; the gateway calls it before it exits. Safe for concurrent calls.
import { FailedPrecondition, type Gate, GateUnavailable } from "@portcullis/client";
import type { Logger } from "./log.js";

export type Outcome = "succeeded" | "failed";

export interface OutcomeReporterOptions {
  /** The wait before each retry of a report the gate could not take; default [100, 500] (three attempts). */
  retryDelaysMs?: readonly number[];
  /** Reports in flight beyond which report() resolves only once its own is done (backpressure); default 1024. */
  maxInFlight?: number;
  /** How to wait between attempts (a test passes an immediate one). */
  sleep?: (ms: number) => Promise<void>;
}

const kDefaultRetryDelaysMs = [100, 500] as const;
const kDefaultMaxInFlight = 1024;

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class OutcomeReporter {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelaysMs: readonly number[];
  private readonly maxInFlight: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly log: Logger,
    options: OutcomeReporterOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? kDefaultRetryDelaysMs;
    this.maxInFlight = options.maxInFlight ?? kDefaultMaxInFlight;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Starts recording `outcome` for an executed decision. Resolves at once,
   * or, with more than `maxInFlight` reports outstanding, when this one is
   * done. Never rejects: a report that fails is logged.
   */
  report(gate: Gate, tenant: string, decisionId: string, outcome: Outcome, detail: string): Promise<void> {
    const recording = this.record(gate, tenant, decisionId, outcome, detail);
    this.inFlight.add(recording);
    void recording.finally(() => this.inFlight.delete(recording));
    return this.inFlight.size > this.maxInFlight ? recording : Promise.resolve();
  }

  /** How many reports are still being recorded. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves once every report started so far (and any started meanwhile) is recorded or given up. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async record(gate: Gate, tenant: string, decisionId: string, outcome: Outcome, detail: string): Promise<void> {
    // Starting a gRPC call costs the event loop a fraction of a millisecond:
    // let the agent's answer be written first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let attempt = 0; ; attempt += 1) {
      try {
        await gate.reportOutcome(tenant, decisionId, outcome, detail);
        return;
      } catch (e) {
        if (e instanceof GateUnavailable && attempt < this.retryDelaysMs.length) {
          await this.sleep(this.retryDelaysMs[attempt] ?? 0);
          continue;
        }
        // After an attempt that timed out, the gate may have recorded it already.
        const maybe = attempt > 0 && e instanceof FailedPrecondition ? "; an earlier attempt may have recorded it" : "";
        const why = e instanceof GateUnavailable ? "gate unavailable" : e instanceof Error ? e.name : "error";
        this.log.warn(`decision ${decisionId}: outcome not recorded after ${attempt + 1} attempt(s) (${why}${maybe})`);
        return;
      }
    }
  }
}
