// The client against a real portcullisd on port 0 (PORTCULLISD or
// ../../build/ci/daemon/portcullisd): decisions, typed errors, approvals
// signed by this library, the gated wrapper, unix sockets and cancellation.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  Admin,
  actionDigest,
  type ActionInput,
  Denied,
  FailedPrecondition,
  Gate,
  GateUnavailable,
  InvalidAction,
  PendingEventKind,
  PermissionDenied,
  StillPending,
  Unauthenticated,
  gated,
} from "../src/index.js";
import { TestGate } from "../src/testing.js";

const POLICY = `
policy "ts" version "ts-1"
tenant "al-noor" {
  tool create_coupon {
    class write
    arg code: string
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at 50 SAR"
      deny when args.value > 50 SAR
    rule coupons "coupons within the cap are fine"
      allow
  }
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 1h
  }
}
`;

let gate: TestGate;
let agent: Gate;
let approver: Gate;

before(async () => {
  gate = await TestGate.start({ policy: POLICY, tenants: ["al-noor"] });
  agent = new Gate(gate.target, { token: gate.agentToken });
  approver = new Gate(gate.target, { token: gate.approverToken });
});
after(async () => {
  agent.close();
  approver.close();
  assert.equal(await gate.stop(), 0);
  await gate.dispose();
});

function coupon(amount: string, key = ""): ActionInput {
  return {
    tenant: "al-noor",
    agent: "support-bot",
    tool: "create_coupon",
    arguments: { code: "WELCOME10", value: { amount, currency: "SAR" } },
    idempotencyKey: key,
  };
}

test("an allowed action executes once and its outcome is recorded", async () => {
  const decision = await agent.evaluate(coupon("50.00", "c-1"));
  assert.equal(decision.outcome, "ALLOW");
  assert.deepEqual(decision.ruleIds, ["coupons"]);
  assert.deepEqual(Buffer.from(decision.actionDigest), Buffer.from(actionDigest(coupon("50", "c-1"))));
  const { receipt } = await agent.execute(decision.decisionId, coupon("50.00", "c-1"));
  assert.equal(receipt.decisionId, decision.decisionId);
  assert.equal(receipt.signature.length, 64);
  const sequence = await agent.reportOutcome("al-noor", decision.decisionId, "succeeded", "coupon made");
  assert.ok(sequence > decision.ledgerSequence);
});

test("evaluateAndExecute answers an ALLOW with its receipt in one round trip", async () => {
  const { decision, execution } = await agent.evaluateAndExecute(coupon("10.00", "c-once"));
  assert.equal(decision.outcome, "ALLOW");
  assert.ok(execution);
  const { receipt } = execution;
  assert.equal(receipt.decisionId, decision.decisionId);
  assert.deepEqual(Buffer.from(receipt.actionDigest), Buffer.from(decision.actionDigest));
  assert.equal(receipt.signature.length, 64);
  // Recorded in the decision's own append, right after it.
  assert.equal(receipt.ledgerSequence, decision.ledgerSequence + 1n);
  // Execute of the same decision answers the same receipt; nothing runs twice.
  const again = await agent.execute(decision.decisionId, coupon("10.00", "c-once"));
  assert.deepEqual(Buffer.from(again.receipt.signature), Buffer.from(receipt.signature));
  assert.equal(again.receipt.ledgerSequence, receipt.ledgerSequence);
  // The same idempotency key and action, evaluated again: the first receipt.
  const repeat = await agent.evaluateAndExecute(coupon("10.00", "c-once"));
  assert.notEqual(repeat.decision.decisionId, decision.decisionId);
  assert.equal(repeat.execution?.receipt.decisionId, decision.decisionId);
  assert.ok((await agent.reportOutcome("al-noor", decision.decisionId, "succeeded", "")) > receipt.ledgerSequence);
});

test("evaluateAndExecute: DENY and PENDING_APPROVAL come without an execution; a key of another action fails as execute does", async () => {
  const denied = await agent.evaluateAndExecute(coupon("50.01"));
  assert.equal(denied.decision.outcome, "DENY");
  assert.equal(denied.execution, undefined);
  const pending = await agent.evaluateAndExecute({
    tenant: "al-noor",
    agent: "support-bot",
    tool: "refund_order",
    arguments: { order_id: "A-9", amount: { amount: "1", currency: "SAR" } },
  });
  assert.equal(pending.decision.outcome, "PENDING_APPROVAL");
  assert.equal(pending.execution, undefined);
  // Refused, so that the queue is empty again for the tests below.
  await approver.approve(
    {
      tenant: "al-noor",
      decisionId: pending.decision.decisionId,
      actionDigest: pending.decision.actionDigest,
      verdict: "deny",
      expiresAt: new Date(Date.now() + 600_000),
      approverId: "alice",
    },
    gate.approverKey,
  );
  await agent.evaluateAndExecute(coupon("11.00", "c-bound"));
  await assert.rejects(agent.evaluateAndExecute(coupon("12.00", "c-bound")), (e: unknown) => {
    assert.ok(e instanceof FailedPrecondition);
    assert.match(e.message, /c-bound/);
    return true;
  });
});

test("a capped amount is denied citing its rule, and is not an error", async () => {
  const decision = await agent.evaluate(coupon("50.01"));
  assert.equal(decision.outcome, "DENY");
  assert.deepEqual(decision.ruleIds, ["coupon-cap"]);
  assert.match(decision.reasons.join(" "), /capped/);
});

test("gate failures are typed errors carrying the gate's message", async () => {
  await assert.rejects(agent.evaluate({ ...coupon("1"), tool: "" }), (e: unknown) => {
    assert.ok(e instanceof InvalidAction);
    assert.equal(e.code, 3);
    assert.match(e.message, /action\.tool/);
    return true;
  });
  const anonymous = new Gate(gate.target);
  await assert.rejects(anonymous.evaluate(coupon("1")), Unauthenticated);
  anonymous.close();
  await assert.rejects(agent.listPending("al-noor"), PermissionDenied);
});

test("a JS number for money is a TypeError before anything is sent", async () => {
  const nowhere = new Gate("127.0.0.1:1", { timeoutMs: 200 });
  const bad = { ...coupon("1"), arguments: { code: "X", value: { amount: 75, currency: "SAR" } as never } };
  await assert.rejects(nowhere.evaluate(bad), TypeError);
  await assert.rejects(nowhere.evaluate(coupon("1")), GateUnavailable);
  nowhere.close();
});

test("the unix socket serves the same API", async () => {
  const local = new Gate(gate.unixTarget, { token: gate.agentToken });
  assert.equal((await local.evaluate(coupon("5"))).outcome, "ALLOW");
  local.close();
});

test("a pending action is approved with this library's signature, then executes", async () => {
  const refund: ActionInput = {
    tenant: "al-noor",
    agent: "support-bot",
    tool: "refund_order",
    arguments: { order_id: "A-1", amount: { amount: "75.00", currency: "SAR" } },
  };
  const watch = approver.watchPending("al-noor");
  const pending = await agent.evaluate(refund);
  assert.equal(pending.outcome, "PENDING_APPROVAL");
  const added = await watch.next();
  assert.equal(added.value?.kind, PendingEventKind.ADDED);
  assert.equal(added.value?.pending?.decision?.decisionId, pending.decisionId);
  await watch.return(undefined);

  const listed = await approver.listPending("al-noor");
  assert.deepEqual(listed.map((p) => p.decision?.decisionId), [pending.decisionId]);
  const stillPending = await agent.awaitDecision("al-noor", pending.decisionId, { maxWaitMs: 10 });
  assert.equal(stillPending.outcome, "PENDING_APPROVAL");

  const waiting = agent.awaitDecision("al-noor", pending.decisionId, { maxWaitMs: 30_000 });
  const approved = await approver.approve(
    {
      tenant: "al-noor",
      decisionId: pending.decisionId,
      actionDigest: pending.actionDigest,
      verdict: "approve",
      expiresAt: new Date(Date.now() + 600_000),
      approverId: "alice",
      comment: "checked",
    },
    gate.approverKey,
  );
  assert.equal(approved.decision.outcome, "ALLOW");
  const resolved = await waiting;
  assert.equal(resolved.outcome, "ALLOW");
  const { receipt } = await agent.execute(pending.decisionId, refund);
  assert.deepEqual(Buffer.from(receipt.actionDigest), Buffer.from(pending.actionDigest));
});

test("an AbortSignal cancels a wait", async () => {
  const refund: ActionInput = {
    tenant: "al-noor",
    agent: "support-bot",
    tool: "refund_order",
    arguments: { order_id: "A-2", amount: { amount: "1", currency: "SAR" } },
  };
  const pending = await agent.evaluate(refund);
  const controller = new AbortController();
  const waiting = agent.awaitDecision("al-noor", pending.decisionId, { maxWaitMs: 60_000, signal: controller.signal });
  controller.abort(new Error("caller gave up"));
  await assert.rejects(waiting, /caller gave up/);
});

test("gated runs the function only on ALLOW and raises Denied otherwise", async () => {
  const ran: string[] = [];
  const makeCoupon = gated(
    async (code: string, amount: string) => {
      ran.push(`${code}:${amount}`);
      return `coupon ${code}`;
    },
    {
      gate: agent,
      tenant: "al-noor",
      agent: "support-bot",
      tool: "create_coupon",
      toArguments: (code, amount) => ({ code, value: { amount, currency: "SAR" } }),
    },
  );
  assert.equal(await makeCoupon("OK1", "20.00"), "coupon OK1");
  await assert.rejects(makeCoupon("BIG", "99.00"), (e: unknown) => {
    assert.ok(e instanceof Denied);
    assert.deepEqual(e.ruleIds, ["coupon-cap"]);
    return true;
  });
  assert.deepEqual(ran, ["OK1:20.00"]);

  const refund = gated(async () => ran.push("refund"), {
    gate: agent,
    tenant: "al-noor",
    agent: "support-bot",
    tool: "refund_order",
    toArguments: () => ({ order_id: "A-3", amount: { amount: "5", currency: "SAR" } }),
    maxWaitMs: 20,
  });
  await assert.rejects(refund(), StillPending);
  assert.deepEqual(ran, ["OK1:20.00"]);

  const failing = gated(
    async () => {
      throw new RangeError("the shop is closed");
    },
    {
      gate: agent,
      tenant: "al-noor",
      agent: "support-bot",
      tool: "create_coupon",
      toArguments: () => ({ code: "F1", value: { amount: "1", currency: "SAR" } }),
    },
  );
  // The failure is reported to the gate (a gate error would surface instead),
  // then the function's own error is rethrown.
  await assert.rejects(failing(), (e: unknown) => e instanceof RangeError && /closed/.test(e.message));
});

test("a halted tenant is denied until resumed, and status says so", async () => {
  const admin = new Admin(gate.target, { token: gate.operatorToken });
  await admin.halt("al-noor", "incident 42");
  const status = await admin.status();
  assert.equal(status.tenants.find((t) => t.tenant === "al-noor")?.halted, true);
  const denied = await agent.evaluate(coupon("1"));
  assert.equal(denied.outcome, "DENY");
  assert.match(denied.reasons.join(" "), /incident 42/);
  await admin.resume("al-noor", "over");
  assert.equal((await agent.evaluate(coupon("1"))).outcome, "ALLOW");
  admin.close();
});

test("listTools answers the tenant's declared tools and their arguments", async () => {
  const declared = await agent.listTools("al-noor");
  assert.deepEqual(
    declared.tools.map((t) => t.name),
    ["create_coupon", "refund_order"],
  );
  assert.deepEqual(declared.tools[0]?.arguments, [
    { name: "code", type: "string", optional: false },
    { name: "value", type: "money(SAR)", optional: false },
  ]);
  assert.equal(declared.policyVersion, "ts-1");
  await assert.rejects(approver.listTools("al-noor"), PermissionDenied);
});

test("an upstream secret resolves for the gateway principal only", async () => {
  const admin = new Admin(gate.target, { token: gate.operatorToken });
  const gateway = new Admin(gate.target, { token: gate.gatewayToken });
  await admin.putSecret("al-noor", "upstream.shop-key", "sk-test-0123456789");
  assert.deepEqual(await admin.listSecrets("al-noor"), [{ name: "upstream.shop-key", version: 1 }]);
  const value = await gateway.resolveUpstreamSecret("al-noor", "upstream.shop-key");
  assert.equal(new TextDecoder().decode(value), "sk-test-0123456789");
  await assert.rejects(admin.resolveUpstreamSecret("al-noor", "upstream.shop-key"), PermissionDenied);
  admin.close();
  gateway.close();
});

test("a stopped gate is GateUnavailable", async () => {
  const other = await TestGate.start({ policy: POLICY, tenants: ["al-noor"] });
  const client = new Gate(other.target, { token: other.agentToken, timeoutMs: 2_000 });
  assert.equal((await client.evaluate(coupon("1"))).outcome, "ALLOW");
  await other.dispose();
  await assert.rejects(client.evaluate(coupon("1")), GateUnavailable);
  client.close();
});
