// One MCP server session bound to one principal: tools/list shows the
// declared tools, tools/call goes through the Gateway. The SDK answers
// unknown methods with METHOD_NOT_FOUND.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { CallContext, Gateway, Principal } from "./gateway.js";

export const kServerInfo = { name: "portcullis-mcp", version: "0.1.0" };

export function createSession(gateway: Gateway, principal: Principal): Server {
  const server = new Server(kServerInfo, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => ({
    tools: await gateway.listTools(principal, extra.signal),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const token = request.params._meta?.progressToken;
    const ctx: CallContext = {
      signal: extra.signal,
      ...(extra.sessionId ? { sessionId: extra.sessionId } : {}),
      ...(token !== undefined
        ? {
            progress: (progress: number, message: string) =>
              extra.sendNotification({
                method: "notifications/progress",
                params: { progressToken: token, progress, message },
              }),
          }
        : {}),
    };
    return gateway.callTool(principal, request.params.name, request.params.arguments ?? {}, ctx);
  });
  return server;
}
