#!/usr/bin/env node
// A toy upstream MCP server for the README's walk-through: the tools of the
// "al-noor" tenant in examples/commerce.policy, which only say what they
// would do. Run by portcullis-mcp (mcp.yaml), never by the agent directly.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "shop", version: "1.0.0" });
const done = (text) => ({ content: [{ type: "text", text }] });

server.registerTool(
  "create_coupon",
  {
    description: "Create a coupon for a customer. value is a decimal amount in SAR, e.g. \"20.00\".",
    inputSchema: { customer_id: z.string(), value: z.string() },
  },
  async ({ customer_id, value }) => done(`coupon of ${value} SAR created for ${customer_id}`),
);
server.registerTool(
  "refund_order",
  {
    description: "Refund an order. amount is a decimal amount in SAR.",
    inputSchema: { order_id: z.string(), amount: z.string(), reason: z.enum(["damaged", "late", "wrong_item", "other"]) },
  },
  async ({ order_id, amount }) => done(`refunded ${amount} SAR on ${order_id}`),
);
server.registerTool(
  "reply_customer",
  {
    description: "Reply to a customer about an order.",
    inputSchema: { order_id: z.string(), message: z.string() },
  },
  async ({ order_id }) => done(`replied on ${order_id}`),
);
await server.connect(new StdioServerTransport());
