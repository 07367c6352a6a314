// The upstream MCP servers the gateway fronts: one SDK Client per upstream
// (a stdio command or a Streamable HTTP URL), and the index of the tools the
// configuration declares that an upstream actually offers. Upstream
// credentials stay in the upstream's environment or headers; they never
// reach the agent.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Config, ToolConfig, UpstreamConfig } from "./config.js";
import type { Logger } from "./log.js";
import type { SecretScrubber } from "./scrub.js";

/** A tool the agent may see and call: its configuration, its upstream and its definition. */
export interface GatedTool {
  config: ToolConfig;
  client: Client;
  definition: Tool;
}

function transportFor(
  upstream: UpstreamConfig,
  scrubber: SecretScrubber | undefined,
): StdioClientTransport | StreamableHTTPClientTransport {
  if ("url" in upstream) {
    return new StreamableHTTPClientTransport(new URL(upstream.url), { requestInit: { headers: upstream.headers } });
  }
  const scrubbing = scrubber !== undefined && !scrubber.empty;
  const transport = new StdioClientTransport({
    command: upstream.command,
    args: upstream.args,
    env: { ...getDefaultEnvironment(), ...upstream.env },
    // With credentials in its environment, its stderr is scrubbed line by line.
    stderr: scrubbing ? "pipe" : "inherit",
    ...(upstream.cwd ? { cwd: upstream.cwd } : {}),
  });
  if (scrubbing) forwardScrubbed(transport, scrubber);
  return transport;
}

function forwardScrubbed(transport: StdioClientTransport, scrubber: SecretScrubber): void {
  let partial = "";
  const stream = transport.stderr as NodeJS.ReadableStream | null;
  if (!stream) return;
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string | Buffer) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) process.stderr.write(`${scrubber.scrub(line)}\n`);
  });
  stream.on("end", () => {
    if (partial) process.stderr.write(`${scrubber.scrub(partial)}\n`);
  });
}

export class Upstreams {
  private readonly clients = new Map<string, Client>();
  private readonly tools = new Map<string, GatedTool>();

  /** Connects every upstream and indexes the declared tools. Throws when an upstream cannot start. */
  static async connect(config: Config, log: Logger, scrubber?: SecretScrubber): Promise<Upstreams> {
    const upstreams = new Upstreams();
    for (const [name, upstream] of Object.entries(config.upstreams)) {
      const client = new Client({ name: "portcullis-mcp", version: "0.1.0" });
      try {
        await client.connect(transportFor(upstream, scrubber));
      } catch (e) {
        await upstreams.close();
        const why = e instanceof Error ? e.message : String(e);
        throw new Error(`upstream ${name} did not start: ${scrubber ? scrubber.scrub(why) : why}`);
      }
      upstreams.clients.set(name, client);
    }
    for (const [name, client] of upstreams.clients) {
      const offered = new Map<string, Tool>();
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        for (const tool of page.tools) offered.set(tool.name, tool);
        cursor = page.nextCursor;
      } while (cursor);
      for (const tool of config.tools.filter((t) => t.upstream === name)) {
        const definition = offered.get(tool.name);
        if (!definition) {
          log.warn(`tool ${tool.name}: upstream ${name} does not offer it; not listed`);
          continue;
        }
        upstreams.tools.set(tool.name, { config: tool, client, definition });
      }
    }
    return upstreams;
  }

  /** The declared tools an upstream offers, in configuration order. */
  list(): GatedTool[] {
    return [...this.tools.values()];
  }

  get(name: string): GatedTool | undefined {
    return this.tools.get(name);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.clients.values()].map((c) => c.close()));
  }
}
