// MCP over Streamable HTTP, loopback only. Each agent authenticates with its
// own gate bearer token; the configuration maps the token's hash to a tenant
// and agent, and the gateway calls the gate with that same token, so the
// gate checks the principal too. A session belongs to the principal that
// opened it: a session id presented with another principal's token is
// unknown (404), so a client-chosen session id never selects a tenant, an
// agent or a pending decision.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Gate, tokenHash } from "@portcullis/client";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "./config.js";
import { ConfigError } from "./config.js";
import type { Gateway, Principal } from "./gateway.js";
import type { Logger } from "./log.js";
import { connectSession, createSession } from "./session.js";

interface Session {
  transport: StreamableHTTPServerTransport;
  principalKey: string;
}

const kLoopback = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(":");
  const host = listen.slice(0, at);
  const port = Number(listen.slice(at + 1));
  if (at < 0 || !kLoopback.test(host) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`http.listen: "${listen}" must be a loopback host:port (127.0.0.1, [::1], localhost)`);
  }
  return { host: host.replace(/^\[|\]$/g, ""), port };
}

function reject(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32001, message } }));
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new RangeError(`request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

export class HttpGateway {
  private readonly sessions = new Map<string, Session>();
  private readonly gates = new Map<string, Gate>();
  private server: HttpServer | undefined;
  private allowedHosts: string[] = [];

  constructor(
    private readonly config: Config,
    private readonly gateway: Gateway,
    private readonly log: Logger,
  ) {}

  /** Listens; resolves with the bound "host:port". */
  async listen(): Promise<string> {
    if (!this.config.http) throw new ConfigError("http: required to serve over HTTP");
    const { host, port } = splitListen(this.config.http.listen);
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.log.warn(`http: ${e instanceof Error ? e.message : String(e)}`);
        if (!res.headersSent) reject(res, 500, "internal error");
      });
    });
    this.server = server;
    await new Promise<void>((resolve, rejectListen) => {
      server.once("error", rejectListen);
      server.listen(port, host, () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    this.allowedHosts = [`${host}:${bound}`, `localhost:${bound}`, `127.0.0.1:${bound}`, `[::1]:${bound}`];
    return `${host}:${bound}`;
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await s.transport.close();
    await this.gateway.drain(); // outcomes still being reported go out on the gates' channels
    for (const g of this.gates.values()) g.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private authenticate(req: IncomingMessage): Principal | undefined {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer ([\x21-\x7e]{1,256})$/.exec(header);
    if (!m || !m[1]) return undefined;
    const token = m[1];
    const hash = tokenHash(token);
    const agent = this.config.http?.agents.find((a) => a.tokenHash === hash);
    if (!agent) return undefined;
    let gate = this.gates.get(hash);
    if (!gate) {
      gate = new Gate(this.config.gate.target, { token, timeoutMs: this.config.gate.timeoutMs });
      this.gates.set(hash, gate);
    }
    return { key: `http:${hash}`, tenant: agent.tenant, agent: agent.agent, gate };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== this.config.http?.path) return reject(res, 404, "not found");
    const principal = this.authenticate(req);
    if (!principal) {
      res.setHeader("www-authenticate", 'Bearer realm="portcullis-mcp"');
      return reject(res, 401, "unauthenticated: send the agent's gate token as Authorization: Bearer");
    }
    let body: unknown;
    if (req.method === "POST") {
      try {
        body = await readJson(req, this.config.limits.maxArgumentBytes + 65536);
      } catch (e) {
        const tooLarge = e instanceof RangeError;
        res.writeHead(tooLarge ? 413 : 400, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: null,
            error: tooLarge ? { code: -32600, message: "Request too large" } : { code: -32700, message: "Parse error" },
          }),
        );
        return;
      }
    }
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const session = this.sessions.get(sessionId);
      if (!session || session.principalKey !== principal.key) return reject(res, 404, "unknown session");
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== "POST" || !isInitializeRequest(body)) {
      return reject(res, 400, "no session: start with an initialize request");
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableDnsRebindingProtection: true,
      allowedHosts: this.allowedHosts,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, principalKey: principal.key });
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    await connectSession(createSession(this.gateway, principal, this.config.gate.toolsCacheMs), transport);
    await transport.handleRequest(req, res, body);
  }
}
