// The README's walk-through: examples/mcp.yaml in front of the toy shop
// server, against a gate enforcing examples/commerce.policy.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { TestGate } from "@portcullis/client/testing";
import { loadConfig } from "../src/config.js";
import { kMain } from "./support/harness.js";

const mcpDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
let gate: TestGate;
let dir: string;
let client: Client;

before(async () => {
  const policy = readFileSync(resolve(mcpDir, "..", "examples", "commerce.policy"), "utf8");
  gate = await TestGate.start({ policy, tenants: ["al-noor", "desert-books"] });
  dir = mkdtempSync(join(tmpdir(), "portcullis-mcp-example-"));
  const config = loadConfig(resolve(mcpDir, "examples", "mcp.yaml"));
  config.gate.target = gate.target;
  config.pending.waitMs = 100;
  writeFileSync(join(dir, "mcp.json"), JSON.stringify(config));
  client = new Client({ name: "readme-agent", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [kMain, "--config", join(dir, "mcp.json")],
      env: { PATH: process.env.PATH ?? "", PORTCULLIS_TOKEN: gate.agentToken },
      stderr: "ignore",
    }),
  );
});
after(async () => {
  await client.close();
  await gate.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test("the example lists the shop's tools; the commerce policy holds the reply for approval and denies a big coupon", async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["create_coupon", "refund_order", "reply_customer"]);
  const reply = (await client.callTool({
    name: "reply_customer",
    arguments: { order_id: "AN-000001", message: "on its way" },
  })) as CallToolResult;
  // MCP carries no confidence, and the policy's confidence gate fails closed:
  // the reply waits for the owner.
  assert.equal(reply.isError, true);
  assert.match(JSON.stringify(reply.content), /Approval required.*low-confidence/);
  const coupon = (await client.callTool({
    name: "create_coupon",
    arguments: { customer_id: "c-1", value: "60.00" },
  })) as CallToolResult;
  assert.equal(coupon.isError, true);
  assert.match(JSON.stringify(coupon.content), /coupon-cap/);
});
