// Test support, exported as "@portcullis/client/testing": starts a real
// portcullisd on port 0 in a temporary directory with the given policy, an
// agent principal (bearer token), an approver principal with an Ed25519
// approver key, and an operator; stops it with SIGTERM. Not for production.
import { type ChildProcess, spawn } from "node:child_process";
import type { KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSigningKey, publicKeyBase64 } from "./approval.js";
import { newToken } from "./token.js";

export { newToken, tokenHash } from "./token.js";

/** Where the daemon binary is: $PORTCULLISD, else the repository's build/ci. */
export function daemonPath(): string {
  const here = dirname(fileURLToPath(import.meta.url)); // clients/typescript/dist/src
  return process.env.PORTCULLISD ?? resolve(here, "..", "..", "..", "..", "build", "ci", "daemon", "portcullisd");
}

export interface TestGateOptions {
  policy: string;
  /** Tenants the principals serve. */
  tenants: string[];
  /** Extra top-level YAML appended to the configuration. */
  extraConfig?: string;
}

export class TestGate {
  readonly dir: string;
  /** "127.0.0.1:PORT". */
  readonly target: string;
  readonly unixTarget: string;
  readonly agentToken: string;
  readonly approverToken: string;
  readonly operatorToken: string;
  /** A principal with the gateway role only (upstream credentials). */
  readonly gatewayToken: string;
  /** Registered as approver "alice" with role owner. */
  readonly approverKey: KeyObject;
  private readonly process: ChildProcess;
  private readonly log: string[];

  private constructor(fields: {
    dir: string;
    port: number;
    tokens: [string, string, string, string];
    key: KeyObject;
    process: ChildProcess;
    log: string[];
  }) {
    this.dir = fields.dir;
    this.target = `127.0.0.1:${fields.port}`;
    this.unixTarget = `unix:${join(fields.dir, "gate.sock")}`;
    [this.agentToken, this.approverToken, this.operatorToken, this.gatewayToken] = fields.tokens;
    this.approverKey = fields.key;
    this.process = fields.process;
    this.log = fields.log;
  }

  /** Starts a gate and resolves once it serves. */
  static async start(options: TestGateOptions): Promise<TestGate> {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-ts-"));
    const [agent, approver, operator, gateway] = [newToken(), newToken(), newToken(), newToken()];
    const key = generateSigningKey();
    const tenants = JSON.stringify(options.tenants);
    writeFileSync(join(dir, "test.policy"), options.policy);
    writeFileSync(
      join(dir, "gate.yaml"),
      [
        "policy: test.policy",
        "principals:",
        `  - {name: ts-agent, roles: [agent], agents: ['*'], tenants: ${tenants}, tokenHashes: ['${agent.hash}']}`,
        `  - {name: ts-approver, roles: [approver], tenants: ${tenants}, tokenHashes: ['${approver.hash}']}`,
        `  - {name: ts-operator, roles: [operator], tenants: ['*'], tokenHashes: ['${operator.hash}']}`,
        `  - {name: ts-gateway, roles: [gateway], tenants: ${tenants}, tokenHashes: ['${gateway.hash}']}`,
        "approvers:",
        `  - {id: alice, publicKey: '${publicKeyBase64(key)}', roles: [owner], tenants: ${tenants}}`,
        options.extraConfig ?? "",
      ].join("\n"),
    );
    const child = spawn(
      daemonPath(),
      [
        "--config", join(dir, "gate.yaml"),
        "--data_dir", join(dir, "data"),
        "--listen", "127.0.0.1:0",
        "--unix_socket", join(dir, "gate.sock"),
        "--shutdown_grace_seconds", "2",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const log: string[] = [];
    const port = await new Promise<number>((resolvePort, reject) => {
      let buffer = "";
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        buffer += chunk;
        log.push(chunk);
        const m = /serving on 127\.0\.0\.1:(\d+)/.exec(buffer);
        if (m) resolvePort(Number(m[1]));
      });
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`portcullisd exited ${code} before serving:\n${buffer}`)));
    });
    return new TestGate({ dir, port, tokens: [agent.token, approver.token, operator.token, gateway.token], key, process: child, log });
  }

  /** What the daemon logged so far. */
  logText(): string {
    return this.log.join("");
  }

  /** SIGTERM and wait; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.process.exitCode;
    const exited = new Promise<number | null>((r) => this.process.once("exit", (code) => r(code)));
    this.process.kill("SIGTERM");
    return exited;
  }

  /** Stops the daemon and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
