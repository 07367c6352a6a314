// Test harness: a real gate (TestGate), a portcullis-mcp process fronting
// @modelcontextprotocol/server-everything through a counting tap, and an
// SDK Client talking to it over stdio.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { seedBase64 } from "@portcullis/client";
import { daemonPath, TestGate, tokenHash } from "@portcullis/client/testing";

const here = dirname(fileURLToPath(import.meta.url)); // mcp/dist/test/support
export const kMain = resolve(here, "..", "..", "src", "main.js");
const kTap = resolve(here, "upstream_tap.js");
const kEverything = join(
  dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/package.json")),
  "dist",
  "index.js",
);

export const kPolicy = `
policy "mcp" version "mcp-1"
tenant "acme" {
  tool echo {
    class read
    arg message: string
    rule echo-ok "echoing is fine"
      allow
  }
  tool get-sum {
    class read
    arg a: int
    arg b: int
    rule sum-cap "operands are capped at 100"
      deny when args.a > 100 or args.b > 100
    rule sums "small sums are fine"
      allow
  }
  tool get-env {
    class read
    rule env-approval "reading the environment needs the owner"
      approve by owner expires 1h
  }
  tool get-tiny-image {
    class read
    rule images "images are fine"
      allow
  }
}
`;

/** The `portcullis` CLI: $PORTCULLIS_CLI, else beside the daemon's build directory. */
export function cliPath(): string {
  return process.env.PORTCULLIS_CLI ?? resolve(dirname(daemonPath()), "..", "cli", "portcullis");
}

/**
 * Approves a pending decision with `portcullis approve` as approver alice,
 * signing with her key written to a 0600 key file. Returns the CLI's output.
 */
export function approveWithCli(gate: TestGate, dir: string, decisionId: string): string {
  const keyFile = join(dir, "alice.key");
  writeFileSync(keyFile, `${seedBase64(gate.approverKey)}\n`, { mode: 0o600 });
  return execFileSync(
    cliPath(),
    ["approve", decisionId, "--tenant", "acme", "--key", keyFile, "--approver", "alice", "--gate", gate.target, "--yes"],
    { env: { PATH: process.env.PATH ?? "", PORTCULLIS_TOKEN: gate.approverToken }, encoding: "utf8" },
  );
}

export const haveCli = (): boolean => existsSync(cliPath());

export interface Harness {
  gate: TestGate;
  dir: string;
  configPath: string;
  /** The tools/call requests that reached the upstream, in order. */
  forwarded(): { name: string; arguments: unknown }[];
  connect(): Promise<Client>;
  dispose(): Promise<void>;
}

/** Writes the gateway configuration for `gate` into a new temp dir. */
export async function startHarness(): Promise<Harness> {
  const gate = await TestGate.start({ policy: kPolicy, tenants: ["acme"] });
  const dir = mkdtempSync(join(tmpdir(), "portcullis-mcp-"));
  const tapLog = join(dir, "forwarded.jsonl");
  writeFileSync(tapLog, "");
  const configPath = join(dir, "mcp.yaml");
  writeFileSync(
    configPath,
    JSON.stringify({
      gate: { target: gate.target, tokenEnv: "PORTCULLIS_TOKEN", timeoutMs: 3000 },
      identity: { tenant: "acme", agent: "mcp-agent" },
      http: {
        listen: "127.0.0.1:0",
        agents: [
          { tokenHash: tokenHash(gate.agentToken), tenant: "acme", agent: "http-agent" },
          { tokenHash: tokenHash(gate.operatorToken), tenant: "acme", agent: "other-agent" },
        ],
      },
      pending: { waitMs: 300, progressIntervalMs: 100 },
      limits: { maxArgumentBytes: 1 << 20 },
      upstreams: { everything: { command: process.execPath, args: [kTap, tapLog, process.execPath, kEverything, "stdio"] } },
      tools: [
        { name: "echo", upstream: "everything", arguments: { message: { type: "string" } } },
        { name: "get-sum", upstream: "everything", arguments: { a: { type: "int" }, b: { type: "int" } } },
        { name: "get-env", upstream: "everything" },
        // Offered upstream and configured, but not declared by the policy.
        { name: "get-annotated-message", upstream: "everything", arguments: { messagetype: { type: "string", from: "messageType" } } },
      ],
    }),
  );
  const clients: Client[] = [];
  return {
    gate,
    dir,
    configPath,
    forwarded: () =>
      readFileSync(tapLog, "utf8")
        .split("\n")
        .filter((l) => l)
        .map((l) => JSON.parse(l) as { name: string; arguments: unknown }),
    connect: async () => {
      const client = new Client({ name: "test-agent", version: "1.0.0" });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [kMain, "--config", configPath],
          env: { PATH: process.env.PATH ?? "", PORTCULLIS_TOKEN: gate.agentToken },
          stderr: "inherit",
        }),
      );
      clients.push(client);
      return client;
    },
    dispose: async () => {
      for (const c of clients) await c.close();
      await gate.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
