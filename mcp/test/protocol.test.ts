// Raw JSON-RPC on the gateway's stdio: malformed lines and unknown methods
// get protocol errors, the session survives them, and nothing is forwarded.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { after, before, test } from "node:test";
import { type Harness, kMain, startHarness } from "./support/harness.js";

interface Reply {
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string };
}

let h: Harness;
let child: ChildProcessWithoutNullStreams;
let replies: AsyncIterator<string>;
let lines: Interface;

async function next(): Promise<Reply> {
  const r = await replies.next();
  assert.ok(!r.done, "the gateway closed its output");
  return JSON.parse(r.value) as Reply;
}

function send(message: unknown): void {
  child.stdin.write(`${typeof message === "string" ? message : JSON.stringify(message)}\n`);
}

before(async () => {
  h = await startHarness();
  child = spawn(process.execPath, [kMain, "--config", h.configPath], {
    env: { PATH: process.env.PATH ?? "", PORTCULLIS_TOKEN: h.gate.agentToken },
  });
  child.stderr.resume();
  lines = createInterface({ input: child.stdout });
  replies = lines[Symbol.asyncIterator]();
  send({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  });
  const init = await next();
  assert.equal(init.id, 1);
  assert.ok(init.result);
  send({ jsonrpc: "2.0", method: "notifications/initialized" });
});
after(async () => {
  child.stdin.end();
  await new Promise((r) => child.once("exit", r));
  lines.close();
  await h.dispose();
});

test("a line that is not JSON gets a parse error", async () => {
  send("{this is not json");
  const reply = await next();
  assert.equal(reply.id, null);
  assert.equal(reply.error?.code, -32700);
});

test("JSON that is not JSON-RPC gets an invalid-request error", async () => {
  send({ hello: "world" });
  const reply = await next();
  assert.equal(reply.error?.code, -32600);
});

test("an unknown method gets method-not-found", async () => {
  send({ jsonrpc: "2.0", id: 7, method: "tools/explode", params: {} });
  const reply = await next();
  assert.equal(reply.id, 7);
  assert.equal(reply.error?.code, -32601);
});

test("the session still works afterwards, and none of it reached the upstream", async () => {
  send({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "echo", arguments: { message: "after" } } });
  const reply = await next();
  assert.equal(reply.id, 8);
  assert.match(JSON.stringify(reply.result), /after/);
  assert.deepEqual(
    h.forwarded().map((f) => f.name),
    ["echo"],
  );
});
