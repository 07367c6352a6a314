// The agent's answer does not wait for ReportOutcome, yet every outcome is
// still reported: retried while the gate is unavailable, logged when it
// cannot be recorded, and awaited by drain() before the gateway exits.
// A fake gate and upstream stand in for the real ones (the end-to-end path
// is in gateway.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Decision, FailedPrecondition, type Gate, GateUnavailable, InvalidAction } from "@portcullis/client";
import { parseConfig } from "../src/config.js";
import { Gateway, type Principal } from "../src/gateway.js";
import type { Logger } from "../src/log.js";
import { OutcomeReporter } from "../src/outcomes.js";
import type { GatedTool, Upstreams } from "../src/upstreams.js";

// gRPC status codes (@grpc/grpc-js is the client's dependency, not ours).
const GrpcStatus = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

interface Report {
  tenant: string;
  decisionId: string;
  outcome: string;
  detail: string;
}

/** A log that keeps its lines. */
function memoryLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { info: () => {}, warn: (m) => warnings.push(m), warnings };
}

/** A promise and the functions that settle it. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A gate whose ReportOutcome answers are taken, in order, from `answers`. */
function fakeGate(answers: (() => Promise<bigint>)[]): { gate: Gate; reports: Report[]; executed: string[] } {
  const reports: Report[] = [];
  const executed: string[] = [];
  const decision = {
    decisionId: "dec-1",
    outcome: "ALLOW",
    reasons: [],
    rules: [],
    ruleIds: ["echo-ok"],
    tenant: "acme",
  } as unknown as Decision;
  const gate = {
    listTools: async () => ({ tools: [{ name: "echo", arguments: [] }], policyVersion: "v", policyHash: "h" }),
    evaluate: async () => decision,
    // An ALLOW is executed in Evaluate's round trip (execute_on_allow).
    evaluateAndExecute: async () => {
      executed.push(decision.decisionId);
      return { decision, execution: { receipt: {}, toolResponse: undefined } };
    },
    execute: async (decisionId: string) => {
      executed.push(decisionId);
      return { receipt: {}, toolResponse: undefined };
    },
    reportOutcome: (tenant: string, decisionId: string, outcome: string, detail: string) => {
      reports.push({ tenant, decisionId, outcome, detail });
      const next = answers.shift();
      return next ? next() : Promise.resolve(1n);
    },
  };
  return { gate: gate as unknown as Gate, reports, executed };
}

/** A Gateway in front of one fake upstream tool, `echo`, that answers `result`. */
function gatewayWith(gate: Gate, log: Logger, result: CallToolResult): { gateway: Gateway; principal: Principal } {
  const config = parseConfig(
    JSON.stringify({
      identity: { tenant: "acme", agent: "a" },
      upstreams: { up: { command: "true" } },
      tools: [{ name: "echo", upstream: "up", arguments: { message: { type: "string" } } }],
    }),
    "/tmp",
  );
  const tool = {
    config: config.tools[0],
    client: { callTool: async () => result } as unknown as Client,
    definition: { name: "echo", inputSchema: { type: "object" } },
  } as GatedTool;
  const upstreams = { get: (n: string) => (n === "echo" ? tool : undefined), list: () => [tool] } as unknown as Upstreams;
  const gateway = new Gateway(config, upstreams, log, undefined, { retryDelaysMs: [0, 0], sleep: async () => {} });
  return { gateway, principal: { key: "p", tenant: "acme", agent: "a", gate } };
}

const kEcho: CallToolResult = { content: [{ type: "text", text: "Echo: hi" }] };
const call = (gateway: Gateway, principal: Principal) =>
  gateway.callTool(principal, "echo", { message: "hi" }, { signal: new AbortController().signal });

test("the agent is answered before ReportOutcome returns, and the outcome is still recorded", async () => {
  const held = deferred<bigint>();
  const { gate, reports, executed } = fakeGate([() => held.promise]);
  const log = memoryLog();
  const { gateway, principal } = gatewayWith(gate, log, kEcho);
  const result = await call(gateway, principal);
  assert.equal(result.isError ?? false, false);
  assert.equal((result.content[0] as { text: string }).text, "Echo: hi");
  assert.deepEqual(executed, ["dec-1"]);
  // The report starts once the answer is on its way, and is held by the
  // gate: the agent already has its result, and drain() waits for it.
  let drained = false;
  const draining = gateway.drain().then(() => (drained = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(reports, [{ tenant: "acme", decisionId: "dec-1", outcome: "succeeded", detail: "" }]);
  assert.equal(drained, false);
  held.resolve(7n);
  await draining;
  assert.deepEqual(log.warnings, []);
});

test("an upstream tool error is reported as failed, in the background", async () => {
  const { gate, reports } = fakeGate([]);
  const { gateway, principal } = gatewayWith(gate, memoryLog(), { ...kEcho, isError: true });
  const result = await call(gateway, principal);
  assert.equal(result.isError, true);
  await gateway.drain();
  assert.deepEqual(reports, [{ tenant: "acme", decisionId: "dec-1", outcome: "failed", detail: "tool error" }]);
});

test("a gate that rejects ReportOutcome does not change the agent's answer; a warning is logged", async () => {
  const { gate, reports } = fakeGate([() => Promise.reject(new FailedPrecondition(GrpcStatus.FAILED_PRECONDITION, "no"))]);
  const log = memoryLog();
  const { gateway, principal } = gatewayWith(gate, log, kEcho);
  const result = await call(gateway, principal);
  assert.equal(result.isError ?? false, false);
  assert.equal((result.content[0] as { text: string }).text, "Echo: hi");
  assert.equal((result._meta as Record<string, unknown>)["portcullis/decisionId"], "dec-1");
  await gateway.drain();
  assert.equal(reports.length, 1, "a refusal is not retried");
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0] ?? "", /decision dec-1: outcome not recorded after 1 attempt\(s\) \(FailedPrecondition\)/);
});

test("a report the gate could not take is retried, a bounded number of times", async () => {
  const unavailable = () => Promise.reject(new GateUnavailable(GrpcStatus.UNAVAILABLE, "down"));
  const { gate, reports } = fakeGate([unavailable, unavailable, unavailable, unavailable]);
  const log = memoryLog();
  const waits: number[] = [];
  const reporter = new OutcomeReporter(log, { retryDelaysMs: [5, 9], sleep: async (ms) => void waits.push(ms) });
  await reporter.report(gate, "acme", "dec-1", "succeeded", "");
  await reporter.drain();
  assert.equal(reports.length, 3);
  assert.deepEqual(waits, [5, 9]);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0] ?? "", /dec-1: outcome not recorded after 3 attempt\(s\) \(gate unavailable\)/);
  assert.equal(reporter.pending, 0);
});

test("a retry that succeeds records the outcome without a warning", async () => {
  const { gate, reports } = fakeGate([() => Promise.reject(new GateUnavailable(GrpcStatus.DEADLINE_EXCEEDED, "slow"))]);
  const log = memoryLog();
  const reporter = new OutcomeReporter(log, { retryDelaysMs: [0], sleep: async () => {} });
  await reporter.report(gate, "acme", "dec-1", "failed", "tool error");
  await reporter.drain();
  assert.equal(reports.length, 2);
  assert.deepEqual(log.warnings, []);
});

test("other gate errors are not retried", async () => {
  const { gate, reports } = fakeGate([() => Promise.reject(new InvalidAction(GrpcStatus.INVALID_ARGUMENT, "bad"))]);
  const log = memoryLog();
  const reporter = new OutcomeReporter(log, { retryDelaysMs: [0, 0], sleep: async () => {} });
  await reporter.report(gate, "acme", "dec-1", "succeeded", "");
  await reporter.drain();
  assert.equal(reports.length, 1);
  assert.match(log.warnings[0] ?? "", /InvalidAction/);
});

test("past maxInFlight reports outstanding, report() waits for its own", async () => {
  const first = deferred<bigint>();
  const second = deferred<bigint>();
  const { gate } = fakeGate([() => first.promise, () => second.promise]);
  const reporter = new OutcomeReporter(memoryLog(), { maxInFlight: 1 });
  await reporter.report(gate, "acme", "dec-1", "succeeded", ""); // one outstanding: resolves at once
  let returned = false;
  const waiting = reporter.report(gate, "acme", "dec-2", "succeeded", "").then(() => (returned = true));
  await Promise.resolve();
  assert.equal(returned, false);
  second.resolve(2n);
  await waiting;
  assert.equal(reporter.pending, 1);
  first.resolve(1n);
  await reporter.drain();
  assert.equal(reporter.pending, 0);
});
