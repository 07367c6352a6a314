// One MCP server session bound to one principal: tools/list shows the
// declared tools, tools/call goes through the Gateway. The SDK answers
// unknown methods with METHOD_NOT_FOUND. When a policy reload changes the
// tools the principal sees, the session sends
// notifications/tools/list_changed; it asks the gate every `pollMs` while
// open, so a reload is noticed even when the agent is idle.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  CallToolRequestSchema,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type JSONRPCRequest,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
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

type MessageExtra = Parameters<NonNullable<Transport["onmessage"]>>[1];
type RequestDispatch = (request: JSONRPCRequest, extra?: MessageExtra) => void;

/**
 * Connects `server` to `transport`, then lets requests skip the SDK's
 * costly way of telling a request from a response. The SDK's Protocol
 * classifies each incoming message by trying, in order, the schemas of a
 * result response, an error response, a request and a notification
 * (Protocol.connect); for a request the first two fail, and each failed
 * zod safeParse builds a ZodError with a stack trace: about 0.1 to 0.2 ms
 * of CPU per tools/call on the path, more than the rest of the SDK's
 * handling of it (docs/performance.md, "MCP gateway"). A JSON-RPC request
 * is a strict schema without `result` or `error`, so a message that passes
 * isJSONRPCRequest fails both response schemas: handing it straight to the
 * Protocol's request dispatch is exactly what the Protocol would do, and
 * every other message still takes the Protocol's own path. The request's
 * params are still validated by the handler's schema (CallToolRequestSchema)
 * as before. When the SDK does not have the dispatch this relies on (a
 * different SDK version), or the transport already had a message handler,
 * the Protocol's path is left as is.
 */
export async function connectSession(server: Server, transport: Transport): Promise<void> {
  const before = transport.onmessage;
  await server.connect(transport);
  const viaProtocol = transport.onmessage;
  const onrequest = (server as unknown as { _onrequest?: unknown })._onrequest;
  if (before !== undefined || viaProtocol === undefined || typeof onrequest !== "function") return;
  const dispatch = (onrequest as RequestDispatch).bind(server);
  transport.onmessage = (message: JSONRPCMessage, extra?: MessageExtra) => {
    if (isJSONRPCRequest(message)) dispatch(message, extra);
    else viaProtocol(message, extra);
  };
}
