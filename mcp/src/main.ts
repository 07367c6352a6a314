#!/usr/bin/env node
// portcullis-mcp --config mcp.yaml [--http]
// Serves MCP over stdio (default) or Streamable HTTP (--http, loopback),
// fronting the configured upstream MCP servers behind the Portcullis gate.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { Gateway } from "./gateway.js";
import { HttpGateway } from "./http.js";
import { stderrLogger as log } from "./log.js";
import { serveStdio } from "./stdio.js";
import { Upstreams } from "./upstreams.js";
import { resolveUpstreamSecrets } from "./vault.js";

const kUsage = "usage: portcullis-mcp --config mcp.yaml [--http]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { config: { type: "string" }, http: { type: "boolean", default: false }, help: { type: "boolean" } },
  });
  if (values.help || !values.config) {
    process.stderr.write(`${kUsage}\n`);
    return values.help ? 0 : 2;
  }
  const config = loadConfig(values.config);
  const scrubber = await resolveUpstreamSecrets(config);
  const upstreams = await Upstreams.connect(config, log, scrubber);
  const gateway = new Gateway(config, upstreams, log, scrubber);
  log.info(`gate ${config.gate.target}; ${upstreams.list().length} tools: ${upstreams.list().map((t) => t.config.name).join(", ")}`);
  if (values.http) {
    const http = new HttpGateway(config, gateway, log);
    const bound = await http.listen();
    log.info(`serving MCP on http://${bound}${config.http?.path ?? ""}`);
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    await http.close();
  } else {
    await serveStdio(config, gateway);
  }
  await upstreams.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const message = e instanceof ConfigError ? `configuration: ${e.message}` : e instanceof Error ? e.message : String(e);
    process.stderr.write(`portcullis-mcp: ${message}\n`);
    process.exit(1);
  },
);
