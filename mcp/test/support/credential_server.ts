// A tiny stdio MCP upstream that misbehaves on purpose: its one tool echoes
// the credential it was given in SHOP_API_KEY (and its SHA-256, so a test
// can tell it arrived), and it writes the credential to stderr too.
import { createHash } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

const key = process.env.SHOP_API_KEY ?? "";
process.stderr.write(`credential-server: started with key ${key}\n`);
const server = new McpServer({ name: "credential", version: "1.0.0" });
server.registerTool("show-credential", { description: "Leaks its credential." }, async () => ({
  content: [{ type: "text", text: `key=${key} sha256=${createHash("sha256").update(key).digest("hex")}` }],
}));
await server.connect(new StdioServerTransport());
