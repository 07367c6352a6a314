// connectSession: a request from the agent goes straight to the SDK
// Protocol's request dispatch, without first failing the two response
// schemas (each failure builds a ZodError); responses, notifications and
// messages of no known kind still take the Protocol's own path.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod/v4";
import { connectSession } from "../src/session.js";

// Counts the zod issues made while validating (a failed safeParse makes at
// least one); zod asks the global customError for every issue's message.
let issues = 0;
function countIssues(): void {
  z.config({
    customError: () => {
      issues += 1;
      return undefined; // the default message
    },
  });
}
afterEach(() => z.config({ customError: undefined }));

async function connected(): Promise<{ server: Server; client: Client; serverSide: InMemoryTransport }> {
  const server = new Server({ name: "s", version: "1" }, { capabilities: { tools: {} } });
  server.setRequestHandler(CallToolRequestSchema, async (request) => ({
    content: [{ type: "text", text: String(request.params.arguments?.message) }],
  }));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await connectSession(server, serverSide);
  const client = new Client({ name: "c", version: "1" }, { capabilities: { roots: { listChanged: true } } });
  await client.connect(clientSide);
  return { server, client, serverSide };
}

test("a request is dispatched without trying the response schemas first", async () => {
  const { server, client } = await connected();
  countIssues();
  issues = 0;
  const result = await client.callTool({ name: "echo", arguments: { message: "hi" } });
  assert.deepEqual(result.content, [{ type: "text", text: "hi" }]);
  assert.equal(issues, 0, "a request to the gateway failed a schema on its way in");
  await client.close();
  await server.close();
});

test("responses and notifications from the agent take the Protocol's path as before", async () => {
  const { server, client } = await connected();
  // The server's own request (ping): the agent's answer is a response.
  assert.deepEqual(await server.ping(), {});
  // A notification reaches the server's notification handler.
  const heard = new Promise<void>((resolve) => {
    server.setNotificationHandler(z.object({ method: z.literal("notifications/roots/list_changed") }), () => {
      resolve();
    });
  });
  await client.sendRootsListChanged();
  await heard;
  await client.close();
  await server.close();
});

test("a message of no known kind is still reported as the Protocol reports it", async () => {
  const { server, serverSide } = await connected();
  const errors: Error[] = [];
  server.onerror = (e) => errors.push(e);
  // Not a request (the schema is strict), a response or a notification.
  serverSide.onmessage?.({ jsonrpc: "2.0", id: 7, method: "tools/list", extra: true } as never);
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? "", /Unknown message type/);
  await server.close();
});
