// Streamable HTTP: each agent authenticates with its own gate token, and a
// session is bound to the principal that opened it.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Gate } from "@portcullis/client";
import { type Harness, kMain, startHarness } from "./support/harness.js";

let h: Harness;
let child: ChildProcess;
let url: URL;

before(async () => {
  h = await startHarness();
  child = spawn(process.execPath, [kMain, "--config", h.configPath, "--http"], {
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  url = await new Promise<URL>((resolve, reject) => {
    let text = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      text += chunk;
      const m = /serving MCP on (http:\/\/\S+)/.exec(text);
      if (m?.[1]) resolve(new URL(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`portcullis-mcp exited ${code}: ${text}`)));
  });
});
after(async () => {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  await h.dispose();
});

async function connect(token: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "http-agent", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

test("a request without a known token is refused with 401", async () => {
  const anonymous = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
  assert.equal(anonymous.status, 401);
  const stranger = await fetch(url, {
    method: "POST",
    body: "{}",
    headers: { "content-type": "application/json", authorization: `Bearer ${h.gate.approverToken}` },
  });
  assert.equal(stranger.status, 401);
});

test("an authenticated agent lists and calls tools through the gate as itself", async () => {
  const { client } = await connect(h.gate.agentToken);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["echo", "get-env", "get-sum"]);
  const result = (await client.callTool({ name: "echo", arguments: { message: "over http" } })) as CallToolResult;
  assert.equal(result.isError ?? false, false);
  assert.match(JSON.stringify(result.content), /over http/);
  const pending = (await client.callTool({ name: "get-env", arguments: {} })) as CallToolResult;
  assert.match(JSON.stringify(pending.content), /Approval required/);
  const approver = new Gate(h.gate.target, { token: h.gate.approverToken });
  const [request] = await approver.listPending("acme");
  approver.close();
  assert.equal(request?.action?.agent, "http-agent", "the agent named for this token, not one the client chose");
  await client.close();
});

test("a session id presented with another principal's token is unknown", async () => {
  const { client, transport } = await connect(h.gate.agentToken);
  const sessionId = transport.sessionId;
  assert.ok(sessionId);
  const hijack = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${h.gate.operatorToken}`,
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list", params: {} }),
  });
  assert.equal(hijack.status, 404);
  await client.close();
});

test("a malformed body is a JSON-RPC parse error", async () => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${h.gate.agentToken}` },
    body: "{nope",
  });
  assert.equal(response.status, 400);
  assert.equal(((await response.json()) as { error: { code: number } }).error.code, -32700);
});
