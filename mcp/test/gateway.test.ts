// End to end: the MCP SDK's Client -> portcullis-mcp (stdio) -> a real gate
// and @modelcontextprotocol/server-everything behind a counting tap.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError, ToolListChangedNotificationSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Admin, FailedPrecondition, Gate } from "@portcullis/client";
import { approveWithCli, haveCli, type Harness, startHarness } from "./support/harness.js";

let h: Harness;
let client: Client;

before(async () => {
  h = await startHarness();
  client = await h.connect();
});
after(async () => {
  await h.dispose();
});

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("");
}

async function call(name: string, args: Record<string, unknown>, onprogress?: () => void): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress } : {})) as CallToolResult;
}

test("tools/list shows only the tools the configuration declares", async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["echo", "get-env", "get-sum"]);
});

test("an allowed call goes through to the upstream, once, with its arguments", async () => {
  const before = h.forwarded().length;
  const result = await call("echo", { message: "hello gate" });
  assert.equal(result.isError ?? false, false);
  assert.match(textOf(result), /hello gate/);
  assert.deepEqual(h.forwarded().slice(before), [{ name: "echo", arguments: { message: "hello gate" } }]);
});

test("an allowed call is executed in Evaluate's own round trip and ledger write", async () => {
  const result = await call("echo", { message: "one write" });
  assert.equal(result.isError ?? false, false);
  const decisionId = String(result._meta?.["portcullis/decisionId"]);
  const gate = new Gate(h.gate.target, { token: h.gate.agentToken });
  try {
    const decision = await gate.awaitDecision("acme", decisionId, { maxWaitMs: 0 });
    assert.equal(decision.outcome, "ALLOW");
    // Execute again answers the receipt the gateway's Evaluate already got:
    // executed at the very instant of the decision (a separate Execute
    // reads the gate's clock again), so in the same call and append.
    const action = { tenant: "acme", agent: "mcp-agent", tool: "echo", arguments: { message: "one write" } };
    const { receipt } = await gate.execute(decisionId, action);
    assert.equal(receipt.decisionId, decisionId);
    assert.ok(receipt.executedAt && decision.raw.decidedAt);
    assert.equal(receipt.executedAt.seconds, decision.raw.decidedAt.seconds);
    assert.equal(receipt.executedAt.nanos, decision.raw.decidedAt.nanos);
  } finally {
    gate.close();
  }
});

test("an undeclared tool is refused as a protocol error and nothing is forwarded", async () => {
  const before = h.forwarded().length;
  await assert.rejects(call("get-tiny-image", {}), (e: unknown) => {
    assert.ok(e instanceof McpError);
    assert.match(e.message, /Unknown tool/);
    return true;
  });
  assert.equal(h.forwarded().length, before);
});

test("a configured upstream tool the policy does not declare is hidden and refused", async () => {
  const { tools } = await client.listTools();
  assert.ok(!tools.some((t) => t.name === "get-annotated-message"));
  const before = h.forwarded().length;
  await assert.rejects(call("get-annotated-message", { messageType: "success" }), (e: unknown) => {
    assert.ok(e instanceof McpError);
    assert.match(e.message, /Unknown tool/);
    return true;
  });
  assert.equal(h.forwarded().length, before);
});

test("a policy reload shows at the next tools/list", async () => {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const policyFile = join(h.gate.dir, "test.policy");
  const declared = readFileSync(policyFile, "utf8").replace(
    'tool get-tiny-image {',
    'tool get-annotated-message {\n    class read\n    arg messagetype: string\n    rule am "fine" allow\n  }\n  tool get-tiny-image {',
  );
  writeFileSync(policyFile, declared);
  const admin = new Admin(h.gate.target, { token: h.gate.operatorToken });
  await admin.reload();
  admin.close();
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === "get-annotated-message"));
});

test("a policy reload that changes the listed tools sends notifications/tools/list_changed", async () => {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const own = await h.connect();
  let changed = 0;
  own.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    changed += 1;
  });
  assert.ok((await own.listTools()).tools.some((t) => t.name === "get-annotated-message"));
  assert.equal(changed, 0);
  // Undeclare the tool the previous test declared.
  const policyFile = join(h.gate.dir, "test.policy");
  const reverted = readFileSync(policyFile, "utf8").replace(
    'tool get-annotated-message {\n    class read\n    arg messagetype: string\n    rule am "fine" allow\n  }\n',
    "",
  );
  writeFileSync(policyFile, reverted);
  const admin = new Admin(h.gate.target, { token: h.gate.operatorToken });
  await admin.reload();
  admin.close();
  // The gateway notices at its next look at the gate (this listing, or its
  // poll before it); either way the notification precedes the answer.
  const { tools } = await own.listTools();
  assert.ok(!tools.some((t) => t.name === "get-annotated-message"));
  assert.equal(changed, 1);
  await own.close();
});

test("a capped argument is denied citing its rule, as a tool error the model can read", async () => {
  const before = h.forwarded().length;
  const result = await call("get-sum", { a: 101, b: 1 });
  assert.equal(result.isError, true);
  assert.match(textOf(result), /Denied/);
  assert.match(textOf(result), /sum-cap/);
  assert.deepEqual(result._meta?.["portcullis/ruleIds"], ["sum-cap"]);
  assert.equal(h.forwarded().length, before);
  const allowed = await call("get-sum", { a: 2, b: 3 });
  assert.match(textOf(allowed), /5/);
});

test("unmappable arguments are protocol errors: extra, mistyped, fractional", async () => {
  const before = h.forwarded().length;
  for (const args of [{ message: "x", extra: 1 }, { message: 7 }, {}]) {
    await assert.rejects(call("echo", args), McpError);
  }
  await assert.rejects(call("get-sum", { a: 1.5, b: 1 }), /not|got/);
  assert.equal(h.forwarded().length, before);
});

test("an approval-required call waits with progress, is approved, and the retry runs upstream once", async () => {
  const before = h.forwarded().length;
  let progress = 0;
  const first = await call("get-env", {}, () => {
    progress += 1;
  });
  assert.equal(first.isError, true);
  assert.match(textOf(first), /Approval required/);
  assert.ok(progress >= 1, "progress notifications while waiting");
  const decisionId = first._meta?.["portcullis/decisionId"];
  assert.equal(typeof decisionId, "string");

  const again = await call("get-env", {});
  assert.equal(again._meta?.["portcullis/decisionId"], decisionId, "the retry is matched to the same decision");
  const approver = new Gate(h.gate.target, { token: h.gate.approverToken });
  const pending = await approver.listPending("acme");
  assert.equal(pending.length, 1, "no second approval request was queued");
  if (haveCli()) {
    // The C++ CLI signs; the gate verifies it: the approver side of the
    // client library is tested the same way in clients/typescript.
    approveWithCli(h.gate, h.dir, String(decisionId));
  } else {
    const digest = pending[0]?.decision?.actionDigest ?? new Uint8Array();
    const statement = { tenant: "acme", decisionId: String(decisionId), actionDigest: digest, verdict: "approve" as const };
    await approver.approve({ ...statement, expiresAt: new Date(Date.now() + 600_000), approverId: "alice" }, h.gate.approverKey);
  }
  assert.equal((await approver.listPending("acme")).length, 0, "the approval resolved the request");
  approver.close();
  assert.equal(h.forwarded().length, before, "nothing ran before the approval");

  const retried = await call("get-env", {});
  assert.equal(retried.isError ?? false, false);
  assert.equal(retried._meta?.["portcullis/decisionId"], decisionId);
  assert.doesNotMatch(textOf(retried), /PORTCULLIS_TOKEN/, "the agent's token never reaches the upstream");
  assert.deepEqual(
    h.forwarded().slice(before).map((f) => f.name),
    ["get-env"],
  );
});

test("arguments over the size limit are a protocol error and nothing is forwarded", async () => {
  const before = h.forwarded().length;
  await assert.rejects(call("echo", { message: "x".repeat(10 << 20) }), (e: unknown) => {
    assert.ok(e instanceof McpError);
    assert.match(e.message, /exceed/);
    return true;
  });
  assert.equal(h.forwarded().length, before);
  assert.match(textOf(await call("echo", { message: "still here" })), /still here/);
});

test("an allowed call's outcome is on the ledger once the gateway has exited", async () => {
  // A gateway of its own: the agent's answer does not wait for ReportOutcome,
  // but the gateway reports every outcome before it exits.
  const own = await h.connect();
  const result = (await own.callTool({ name: "echo", arguments: { message: "outcome" } })) as CallToolResult;
  assert.equal(result.isError ?? false, false);
  const decisionId = String((result._meta as Record<string, unknown>)["portcullis/decisionId"]);
  await own.close(); // stdin ends; the gateway drains its reports, then exits
  const gate = new Gate(h.gate.target, { token: h.gate.agentToken });
  try {
    await assert.rejects(gate.reportOutcome("acme", decisionId, "failed", "second report"), (e: unknown) => {
      assert.ok(e instanceof FailedPrecondition);
      assert.match(e.message, /already reported/);
      return true;
    });
  } finally {
    gate.close();
  }
});

test("a halted tenant: the call is denied citing the halt and nothing is forwarded", async () => {
  const admin = new Admin(h.gate.target, { token: h.gate.operatorToken });
  await admin.halt("acme", "incident 7");
  const before = h.forwarded().length;
  const result = await call("echo", { message: "during the halt" });
  assert.equal(result.isError, true);
  assert.match(textOf(result), /Denied.*incident 7/s);
  assert.equal(h.forwarded().length, before);
  await admin.resume("acme", "over");
  admin.close();
  assert.equal((await call("echo", { message: "after the halt" })).isError ?? false, false);
});

test("with the gate stopped, a call fails closed and nothing is forwarded", async () => {
  await h.gate.stop();
  const before = h.forwarded().length;
  const result = await call("echo", { message: "should not pass" });
  assert.equal(result.isError, true);
  assert.match(textOf(result), /could not decide.*nothing was forwarded/s);
  assert.match(textOf(result), /GateUnavailable/);
  assert.equal(h.forwarded().length, before);
});
