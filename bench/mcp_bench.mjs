// MCP gateway benchmark: the latency an allowed `tools/call` gains through
// portcullis-mcp against calling the same upstream MCP server directly, at 1
// and 16 calls in flight, in one run, beside the gate's own Evaluate latency,
// Evaluate with execute_on_allow (one round trip and one synced write that
// decide and execute an ALLOW: what an allowed call through the gateway
// waits for at the gate, which reports the outcome in the background),
// Evaluate then Execute (the two round trips the gateway made before), the
// three round trips in sequence, and ListTools (a round trip that writes
// nothing), measured with @portcullis/client; and, for each path, the CPU time per call of the
// gateway, the upstream, the gate and the benchmark (from /proc).
//
// Both MCP paths use the official SDK Client over stdio against the same
// upstream, @modelcontextprotocol/server-everything's `echo` tool; the
// gateway path puts a real gate (portcullisd on port 0, via TestGate) and
// portcullis-mcp in between, with the policy of mcp/test/support/harness.ts
// (which ALLOWs echo).
//
// usage: node bench/mcp_bench.mjs [--calls N] [--warmup N] [--concurrency 1,16]
//          [--paths a,b] [--durability sync|process] [--transport tcp|unix]
//          [--gateway-node-args "..."] [--think-ms N]
// Needs mcp/ and clients/typescript/ built (bench/mcp_bench.sh does that) and
// $PORTCULLISD (default build/ci/daemon/portcullisd).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const mcp = join(root, "mcp");
const load = (p) => import(pathToFileURL(join(mcp, p)).href);

const { Client } = await load("node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js");
const { StdioClientTransport } = await load("node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js");
const { Gate } = await load("node_modules/@portcullis/client/dist/src/index.js");
const { TestGate } = await load("node_modules/@portcullis/client/dist/src/testing.js");
const { kMain, kPolicy } = await load("dist/test/support/harness.js");
const kEverything = join(mcp, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const calls = Number(option("calls", "2000"));
const warmup = Number(option("warmup", "200"));
const concurrencies = option("concurrency", "1,16").split(",").map(Number);
// Extra node options for the gateway process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
const gatewayNodeArgs = option("gateway-node-args", "").split(" ").filter(Boolean);
// A pause after each call, before the worker's next one (not part of the
// latency): an agent driven by a model waits for the model between tool
// calls, so every process on the path goes idle between two calls, and the
// gateway's background ReportOutcome finishes before the next call. 0 (the
// default): back-to-back calls.
const thinkMs = Number(option("think-ms", "0"));
const think = () => new Promise((resolve) => setTimeout(resolve, thinkMs));

/** Runs `op` `n` times with `inFlight` concurrent workers; returns sorted latencies in ms. */
async function measure(op, n, inFlight) {
  const latencies = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await op(i);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (thinkMs > 0) await think();
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  latencies.sort((a, b) => a - b);
  return { latencies, rate: n / seconds };
}
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// The gateway logs one line per decision to stderr; it is written (to
// /dev/null) as in a deployment, but kept out of the report.
async function connect(command, args, env) {
  const client = new Client({ name: "mcp-bench", version: "1.0.0" });
  const transport = new StdioClientTransport({ command, args, env, stderr: "ignore" });
  await client.connect(transport);
  return [client, transport];
}

const loadBefore = os.loadavg().map((l) => l.toFixed(1)).join(" ");
// --durability process: the gate's ledger without a sync per append (to see
// what the sync costs); the default is the gate's default, DURABILITY_SYNC.
const durability = option("durability", "sync");
const gate = await TestGate.start({
  policy: kPolicy,
  tenants: ["acme"],
  ...(durability === "process" ? { extraConfig: "ledger: {durability: DURABILITY_PROCESS}" } : {}),
});
// --transport unix: the gateway and the client reach the gate over its Unix socket.
const gateTarget = option("transport", "tcp") === "unix" ? gate.unixTarget : gate.target;
const dir = mkdtempSync(join(tmpdir(), "portcullis-mcp-bench-"));
const configPath = join(dir, "mcp.yaml");
writeFileSync(
  configPath,
  JSON.stringify({
    gate: { target: gateTarget, tokenEnv: "PORTCULLIS_TOKEN", timeoutMs: 10000 },
    identity: { tenant: "acme", agent: "mcp-agent" },
    upstreams: { everything: { command: process.execPath, args: [kEverything, "stdio"] } },
    tools: [{ name: "echo", upstream: "everything", arguments: { message: { type: "string" } } }],
  }),
);
const env = { PATH: process.env.PATH ?? "", PORTCULLIS_TOKEN: gate.agentToken };
const [direct] = await connect(process.execPath, [kEverything, "stdio"], { PATH: env.PATH });
const [gateway, gatewayTransport] = await connect(process.execPath, [...gatewayNodeArgs, kMain, "--config", configPath], env);
const client = new Gate(gateTarget, { token: gate.agentToken });

const echo = (c) => async (i) => {
  const r = await c.callTool({ name: "echo", arguments: { message: `bench ${i}` } });
  if (r.isError) throw new Error(`echo failed: ${JSON.stringify(r.content)}`);
};
const action = (i) => ({ tenant: "acme", agent: "mcp-agent", tool: "echo", arguments: { message: `bench ${i}` } });
const evaluate = async (i) => {
  const d = await client.evaluate(action(i));
  if (d.outcome !== "ALLOW") throw new Error(`evaluate: ${d.outcome}`);
};
// What an allowed call through the gateway waits for at the gate (issue 17):
// one Evaluate that also executes the ALLOW; ReportOutcome goes in the
// background, as the gateway sends it.
const evalWithExec = async (i) => {
  const { decision, execution } = await client.evaluateAndExecute(action(i));
  if (!execution) throw new Error(`evaluate with execute: ${decision.outcome}, no receipt`);
  reports.push(client.reportOutcome("acme", decision.decisionId, "succeeded", ""));
};
// The two round trips the gateway made before: Evaluate, then Execute.
const evalExec = async (i) => {
  const a = action(i);
  const d = await client.evaluate(a);
  await client.execute(d.decisionId, a);
  reports.push(client.reportOutcome("acme", d.decisionId, "succeeded", ""));
};
const reports = [];
// A gate round trip that writes nothing to the ledger: the gRPC floor under Evaluate.
const listTools = async () => {
  await client.listTools("acme");
};
const roundTrips = async (i) => {
  const a = action(i);
  const d = await client.evaluate(a);
  await client.execute(d.decisionId, a);
  await client.reportOutcome("acme", d.decisionId, "succeeded", "");
};
const paths = [
  ["direct", echo(direct)],
  ["gateway", echo(gateway)],
  ["evaluate", evaluate],
  ["eval-with-exec", evalWithExec],
  ["eval+exec", evalExec],
  ["eval+exec+report", roundTrips],
  ["listTools", listTools],
];

// CPU time (user + system) of a process, in ms, from /proc (Linux): robust to
// other load on the machine, unlike wall-clock latency.
const kTick = 1000 / 100; // USER_HZ is 100 on Linux
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * kTick; // utime, stime
  } catch {
    return NaN;
  }
}
function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
const gatewayPid = gatewayTransport.pid;
const watched = {
  gateway: [gatewayPid],
  upstream: childrenOf(gatewayPid),
  gate: [gate.process?.pid].filter(Boolean), // TestGate keeps its child process
  bench: [process.pid],
};
const cpuNow = () => Object.fromEntries(Object.entries(watched).map(([k, pids]) => [k, pids.reduce((t, p) => t + cpuMs(p), 0)]));

// --paths gateway,evaluate measures only those (e.g. to profile one).
const only = option("paths", "").split(",").filter(Boolean);
if (only.length) paths.splice(0, paths.length, ...paths.filter(([name]) => only.includes(name)));

const results = {};
try {
  for (const [, op] of paths) await measure(op, warmup, 4);
  await Promise.all(reports.splice(0));
  for (const c of concurrencies) {
    for (const [name, op] of paths) {
      const before = cpuNow();
      const { latencies, rate } = await measure(op, calls, c);
      await Promise.all(reports.splice(0));
      const after = cpuNow();
      const cpu = Object.fromEntries(Object.keys(before).map((k) => [k, (after[k] - before[k]) / calls]));
      results[`${name}@${c}`] = { p50: pct(latencies, 50), p99: pct(latencies, 99), rate, cpu };
    }
  }
} finally {
  await direct.close();
  await gateway.close();
  client.close?.();
  await gate.dispose();
  rmSync(dir, { recursive: true, force: true });
}

const f = (ms) => ms.toFixed(3).padStart(8);
console.log(
  `mcp_bench: ${calls} calls per point (after ${warmup} warm-up), node ${process.version}, ` +
    `gate ledger durability ${durability === "process" ? "DURABILITY_PROCESS" : "DURABILITY_SYNC"}, gate at ${gateTarget.startsWith("unix:") ? "its Unix socket" : gateTarget}` +
    (thinkMs > 0 ? `, ${thinkMs} ms pause after each call (calls/s include it)` : ""),
);
const cpuColumns = Object.keys(watched);
console.log(
  `${"path".padEnd(18)} ${"inflight".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"calls/s".padStart(9)}` +
    `  CPU ms/call: ${cpuColumns.map((k) => k.padStart(8)).join(" ")}`,
);
for (const c of concurrencies) {
  for (const [name] of paths) {
    const r = results[`${name}@${c}`];
    console.log(
      `${name.padEnd(18)} ${String(c).padStart(8)} ${f(r.p50)} ${f(r.p99)} ${r.rate.toFixed(0).padStart(9)}` +
        `               ${cpuColumns.map((k) => f(r.cpu[k])).join(" ")}`,
    );
  }
}
console.log(`load average before/after: ${loadBefore} / ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log("");
for (const c of only.length ? [] : concurrencies) {
  const d = results[`direct@${c}`];
  const g = results[`gateway@${c}`];
  const e = results[`evaluate@${c}`];
  const w = results[`eval-with-exec@${c}`];
  const x = results[`eval+exec@${c}`];
  const added = g.p50 - d.p50;
  console.log(
    `inflight ${String(c).padStart(2)}: p50 direct ${d.p50.toFixed(3)}, gateway ${g.p50.toFixed(3)}, ` +
      `Evaluate ${e.p50.toFixed(3)}, Evaluate-with-execute ${w.p50.toFixed(3)}, Evaluate+Execute ${x.p50.toFixed(3)} ms; ` +
      `gateway/direct p50 ${(g.p50 / d.p50).toFixed(2)}x p99 ${(g.p99 / d.p99).toFixed(2)}x; ` +
      `Evaluate-with-execute/Evaluate ${(w.p50 / e.p50).toFixed(2)}x, Evaluate+Execute/Evaluate ${(x.p50 / e.p50).toFixed(2)}x; ` +
      `added p50 ${added.toFixed(3)} ms, over Evaluate p50 ${(added - e.p50).toFixed(3)} ms ` +
      `(target < 1 ms: ${added - e.p50 < 1 ? "met" : "missed"}), ` +
      `over Evaluate-with-execute p50 ${(added - w.p50).toFixed(3)} ms; ` +
      `gateway CPU ${g.cpu.gateway.toFixed(3)} ms/call`,
  );
}
