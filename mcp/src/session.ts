// One MCP server session bound to one principal: tools/list shows the
// declared tools, tools/call goes through the Gateway. The SDK answers
// unknown methods with METHOD_NOT_FOUND. When a policy reload changes the
// tools the principal sees, the session sends
// notifications/tools/list_changed; it asks the gate every `pollMs` while
// open, so a reload is noticed even when the agent is idle.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { CallContext, Gateway, Principal } from "./gateway.js";

export const kServerInfo = { name: "portcullis-mcp", version: "0.1.0" };

/** `pollMs`: how often to ask the gate for the declared tools; 0 only on the agent's own requests. */
export function createSession(gateway: Gateway, principal: Principal, pollMs = 0): Server {
  const server = new Server(kServerInfo, { capabilities: { tools: { listChanged: true } } });
  const unsubscribe = gateway.onToolsChanged(principal, () => {
    server.sendToolListChanged().catch(() => {
      // Not connected (yet or any more): the next tools/list shows the change.
    });
  });
  const poll = pollMs > 0 ? setInterval(() => void gateway.pollDeclaredTools(principal), pollMs) : undefined;
  poll?.unref();
  const previousOnClose = server.onclose;
  server.onclose = () => {
    unsubscribe();
    if (poll) clearInterval(poll);
    previousOnClose?.();
  };
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
