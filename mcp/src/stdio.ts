// MCP over stdio: the gateway speaks for the tenant and agent its
// configuration names, with the gate token from its environment or a file.
// A line that is not JSON, or not JSON-RPC, is answered with a JSON-RPC
// parse / invalid-request error instead of being dropped.
import { Gate } from "@portcullis/client";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "./config.js";
import { ConfigError } from "./config.js";
import type { Gateway } from "./gateway.js";
import { connectSession, createSession } from "./session.js";
import { readToken } from "./token.js";

function stdioToken(config: Config): string {
  return readToken(config.gate.tokenFile, config.gate.tokenEnv, "gate.token");
}

/** Serves one MCP session on stdin/stdout until stdin closes. */
export async function serveStdio(config: Config, gateway: Gateway): Promise<void> {
  if (!config.identity) throw new ConfigError("identity: required to serve over stdio (tenant and agent)");
  const gate = new Gate(config.gate.target, { token: stdioToken(config), timeoutMs: config.gate.timeoutMs });
  const principal = { key: `stdio:${config.identity.tenant}/${config.identity.agent}`, ...config.identity, gate };
  const server = createSession(gateway, principal, config.gate.toolsCacheMs);
  const transport = new StdioServerTransport(process.stdin, process.stdout, { maxBufferSize: 64 << 20 });
  await connectSession(server, transport);
  const previous = transport.onerror;
  transport.onerror = (error: Error) => {
    previous?.(error);
    if (!(error instanceof SyntaxError || error.name === "ZodError")) return;
    const code = error instanceof SyntaxError ? ErrorCode.ParseError : ErrorCode.InvalidRequest;
    const message = code === ErrorCode.ParseError ? "Parse error" : "Invalid Request";
    process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message } })}\n`);
  };
  await new Promise<void>((resolve) => {
    const cleanup = server.onclose;
    server.onclose = () => {
      cleanup?.();
      resolve();
    };
    process.stdin.once("end", () => resolve());
  });
  await gateway.drain(); // outcomes still being reported, before the channel closes
  gate.close();
}
