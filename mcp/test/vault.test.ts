// Upstream credentials from the gate's secret store: a vault:// reference in
// the upstream's env is resolved with the gateway principal's token, the
// upstream receives it, and neither the agent nor the gateway's log sees it.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Admin } from "@portcullis/client";
import { TestGate } from "@portcullis/client/testing";
import { kMain } from "./support/harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const kServer = resolve(here, "support", "credential_server.js");
const kSecret = "sk-live-4f9a2c7e1b3d5a6f8e0c";

const kPolicy = `
policy "vault" version "v-1"
tenant "acme" {
  tool show-credential { class read  rule ok "fine" allow }
}
`;

test("an upstream gets its vault:// credential; the agent and the log never see it", async () => {
  const gate = await TestGate.start({ policy: kPolicy, tenants: ["acme"] });
  const dir = mkdtempSync(join(tmpdir(), "portcullis-vault-"));
  const admin = new Admin(gate.target, { token: gate.operatorToken });
  await admin.putSecret("acme", "upstream.shop-key", kSecret);
  admin.close();
  const configPath = join(dir, "mcp.yaml");
  writeFileSync(
    configPath,
    JSON.stringify({
      gate: { target: gate.target, timeoutMs: 3000 },
      identity: { tenant: "acme", agent: "mcp-agent" },
      upstreams: {
        shop: { command: process.execPath, args: [kServer], env: { SHOP_API_KEY: "vault://acme/upstream.shop-key" } },
      },
      tools: [{ name: "show-credential", upstream: "shop" }],
    }),
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [kMain, "--config", configPath],
    env: { PATH: process.env.PATH ?? "", PORTCULLIS_TOKEN: gate.agentToken, PORTCULLIS_GATEWAY_TOKEN: gate.gatewayToken },
    stderr: "pipe",
  });
  let log = "";
  transport.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const client = new Client({ name: "agent", version: "1.0.0" });
  try {
    await client.connect(transport);
    const result = (await client.callTool({ name: "show-credential", arguments: {} })) as CallToolResult;
    const seen = JSON.stringify(result);
    const digest = createHash("sha256").update(kSecret).digest("hex");
    assert.match(seen, new RegExp(`sha256=${digest}`), "the upstream received the credential");
    assert.ok(!seen.includes(kSecret));
    assert.ok(!seen.includes(kSecret.slice(0, 14)));
    assert.match(seen, /\[redacted\]/);
  } finally {
    await client.close();
    await gate.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(log, /credential-server: started with key \[redacted\]/);
  assert.ok(!log.includes(kSecret));
});

test("without the gateway token, a vault:// reference stops the start", async () => {
  const gate = await TestGate.start({ policy: kPolicy, tenants: ["acme"] });
  const dir = mkdtempSync(join(tmpdir(), "portcullis-vault-"));
  const configPath = join(dir, "mcp.yaml");
  writeFileSync(
    configPath,
    JSON.stringify({
      gate: { target: gate.target, timeoutMs: 3000 },
      identity: { tenant: "acme", agent: "mcp-agent" },
      upstreams: { shop: { command: process.execPath, args: [kServer], env: { SHOP_API_KEY: "vault://acme/upstream.shop-key" } } },
      tools: [{ name: "show-credential", upstream: "shop" }],
    }),
  );
  // The agent's token is not a gateway's: refused, and the gateway does not start.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [kMain, "--config", configPath],
    env: { PATH: process.env.PATH ?? "", PORTCULLIS_TOKEN: gate.agentToken, PORTCULLIS_GATEWAY_TOKEN: gate.agentToken },
    stderr: "pipe",
  });
  let log = "";
  transport.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const client = new Client({ name: "agent", version: "1.0.0" });
  try {
    await assert.rejects(client.connect(transport));
  } finally {
    await client.close().catch(() => undefined);
    await gate.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(log, /did not resolve \(PermissionDenied/);
});
