// Standing approvals and approvals that propose policy, signed by this
// library: the messages against statements the C++ CLI signed
// (tests/clients/signing_vectors.json), then against a real portcullisd on
// port 0 — a grant allows matching actions citing standing:<id>, a statement
// altered after signing is refused, a revocation ends it, the listing
// counts uses; a proposal answers the id computed here, one that does not
// compile is refused; the fatigue cap is ResourceExhausted.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type ActionInput,
  type ApprovalStatement,
  approvalMessage,
  type ConstraintValue,
  FailedPrecondition,
  Gate,
  InvalidAction,
  money,
  NotFound,
  PermissionDenied,
  proposalId,
  ResourceExhausted,
  revocationMessage,
  signApproval,
  signingKeyFromSeed,
  signRevocation,
  signStanding,
  type StandingStatement,
  standingMessage,
} from "../src/index.js";
import { TestGate } from "../src/testing.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const HOUR = 3_600_000;

// --- the messages against the C++ CLI's signatures ----------------------------

interface VectorValue {
  money?: { amount: string; currency: string };
  int?: string;
  bool?: boolean;
  string?: string;
}
interface Signed {
  message: string;
  signature: string;
}
interface Vectors {
  seed: string;
  standing: (Signed & {
    tenant: string;
    id: string;
    tool: string;
    constraints: { argument: string; op: "==" | "!=" | "<" | "<=" | ">" | ">="; value: VectorValue }[];
    notBeforeUnixNanos: string;
    notAfterUnixNanos: string;
    maxUses: number;
    approverId: string;
    comment: string;
  })[];
  revocation: (Signed & { tenant: string; id: string; approverId: string; reason: string })[];
  approval: (Signed & {
    tenant: string;
    decisionId: string;
    actionDigest: string;
    verdict: "approve" | "deny";
    expiresAtUnixNanos: string;
    approverId: string;
    comment: string;
    proposal: { tool: string; rule: string; rationale: string };
    proposalId: string;
  })[];
}
const vectors = JSON.parse(readFileSync(resolve(root, "tests", "clients", "signing_vectors.json"), "utf8")) as Vectors;
const vectorKey = signingKeyFromSeed(Buffer.from(vectors.seed, "base64"));

function vectorValue(v: VectorValue): ConstraintValue {
  if (v.money) return money(v.money.amount, v.money.currency);
  if (v.int !== undefined) return BigInt(v.int);
  if (v.bool !== undefined) return v.bool;
  return v.string ?? "";
}

function dateOf(nanos: string): Date {
  const n = BigInt(nanos);
  assert.equal(n % 1_000_000n, 0n, "a vector time must be whole milliseconds");
  return new Date(Number(n / 1_000_000n));
}

test("standing approvals are encoded and signed as the C++ CLI signs them", () => {
  assert.ok(vectors.standing.length >= 2);
  for (const v of vectors.standing) {
    const s: StandingStatement = {
      tenant: v.tenant,
      id: v.id,
      tool: v.tool,
      constraints: v.constraints.map((c) => ({ argument: c.argument, op: c.op, value: vectorValue(c.value) })),
      notBefore: dateOf(v.notBeforeUnixNanos),
      notAfter: dateOf(v.notAfterUnixNanos),
      maxUses: v.maxUses,
      approverId: v.approverId,
      comment: v.comment,
    };
    assert.equal(hex(standingMessage(s)), v.message, v.id);
    assert.equal(hex(signStanding(s, vectorKey)), v.signature, v.id);
  }
});

test("revocations are encoded and signed as the C++ CLI signs them", () => {
  assert.ok(vectors.revocation.length >= 1);
  for (const v of vectors.revocation) {
    const r = { tenant: v.tenant, id: v.id, approverId: v.approverId, reason: v.reason };
    assert.equal(hex(revocationMessage(r)), v.message);
    assert.equal(hex(signRevocation(r, vectorKey)), v.signature);
  }
});

test("approvals with a proposal are encoded and signed as the C++ CLI signs them", () => {
  assert.ok(vectors.approval.length >= 1);
  for (const v of vectors.approval) {
    const a: ApprovalStatement = {
      tenant: v.tenant,
      decisionId: v.decisionId,
      actionDigest: Buffer.from(v.actionDigest, "hex"),
      verdict: v.verdict,
      expiresAt: dateOf(v.expiresAtUnixNanos),
      approverId: v.approverId,
      comment: v.comment,
      proposal: v.proposal,
    };
    assert.equal(hex(approvalMessage(a)), v.message);
    assert.equal(hex(signApproval(a, vectorKey)), v.signature);
    assert.equal(proposalId(a), v.proposalId);
    // Without the proposal, the bytes end at the comment, as before.
    const { proposal: _, ...plain } = a;
    assert.equal(hex(approvalMessage(plain)), v.message.slice(0, hex(approvalMessage(plain)).length));
    assert.equal(proposalId(plain), undefined);
  }
});

test("constraint values are checked before anything is signed", () => {
  const base: StandingStatement = {
    tenant: "t",
    id: "x",
    tool: "refund_order",
    notBefore: new Date(0),
    notAfter: new Date(HOUR),
    maxUses: 1,
    approverId: "alice",
  };
  assert.throws(() => standingMessage({ ...base, constraints: [{ argument: "amount", op: "<=", value: 100.5 }] }), TypeError);
  assert.throws(
    () => standingMessage({ ...base, constraints: [{ argument: "amount", op: "<=", value: { amount: 100, currency: "SAR" } as never }] }),
    TypeError,
  );
  assert.throws(() => standingMessage({ ...base, constraints: [{ argument: "tags", op: "==", value: ["a"] as never }] }), TypeError);
  assert.throws(() => standingMessage({ ...base, constraints: [{ argument: "amount", op: "=<" as never, value: 1 }] }), TypeError);
  assert.throws(() => standingMessage({ ...base, notAfter: new Date(Number.NaN) }), TypeError);
});

// --- against a real gate --------------------------------------------------------

const POLICY = `
policy "ts" version "ts-standing-1"
tenant "al-noor" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    arg reason: enum(damaged, late, other)
    arg items: int
    arg gift: bool
    rule refunds "refunds need the owner"
      approve by owner expires 1h
  }
}
`;

interface Fixture {
  gate: TestGate;
  agent: Gate;
  approver: Gate;
}

// One gate per test: a standing approval of one test would allow another's actions.
async function withGate(body: (f: Fixture) => Promise<void>, extraConfig = ""): Promise<void> {
  const gate = await TestGate.start({ policy: POLICY, tenants: ["al-noor"], extraConfig });
  const agent = new Gate(gate.target, { token: gate.agentToken });
  const approver = new Gate(gate.target, { token: gate.approverToken });
  try {
    await body({ gate, agent, approver });
  } finally {
    agent.close();
    approver.close();
    assert.equal(await gate.stop(), 0);
    await gate.dispose();
  }
}

function refund(orderId: string, amount: string, extra: Partial<Record<"reason" | "items" | "gift", string | number | boolean>> = {}): ActionInput {
  return {
    tenant: "al-noor",
    agent: "support-bot",
    tool: "refund_order",
    arguments: { order_id: orderId, amount: money(amount, "SAR"), reason: "damaged", items: 1, gift: false, ...extra },
  };
}

function statement(id: string, overrides: Partial<StandingStatement> = {}): StandingStatement {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    tenant: "al-noor",
    id,
    tool: "refund_order",
    constraints: [
      { argument: "amount", op: "<=", value: money("100", "SAR") },
      { argument: "reason", op: "==", value: "damaged" },
    ],
    notBefore: now,
    notAfter: new Date(now.getTime() + HOUR),
    maxUses: 5,
    approverId: "alice",
    comment: "damaged items",
    ...overrides,
  };
}

async function pendingStatement(f: Fixture, orderId: string, amount = "250.00"): Promise<ApprovalStatement> {
  const decision = await f.agent.evaluate(refund(orderId, amount));
  assert.equal(decision.outcome, "PENDING_APPROVAL");
  return {
    tenant: "al-noor",
    decisionId: decision.decisionId,
    actionDigest: decision.actionDigest,
    verdict: "approve",
    expiresAt: new Date(Date.now() + HOUR),
    approverId: "alice",
  };
}

test("a standing approval signed here allows matching actions citing it, and the listing counts uses", () =>
  withGate(async (f) => {
    const granted = await f.approver.grantStanding(statement("damaged-small", { maxUses: 2 }), f.gate.approverKey);
    assert.equal(granted.standing.id, "damaged-small");
    assert.equal(granted.uses, 0);
    assert.ok(granted.ledgerSequence > 0n);

    const allowed = await f.agent.evaluate(refund("A-1", "75.00"));
    assert.equal(allowed.outcome, "ALLOW");
    assert.equal(allowed.ruleIds[0], "standing:damaged-small");
    assert.equal((await f.agent.evaluate(refund("A-2", "150.00"))).outcome, "PENDING_APPROVAL");
    assert.equal((await f.agent.evaluate(refund("A-3", "50", { reason: "late" }))).outcome, "PENDING_APPROVAL");

    const [listed] = await f.approver.listStanding("al-noor");
    assert.equal(listed?.uses, 1);
    assert.equal(listed?.revoked, false);
    assert.deepEqual(listed?.standing.constraints, [
      { argument: "amount", op: "<=", value: { amount: "100", currency: "SAR" } },
      { argument: "reason", op: "==", value: "damaged" },
    ]);
    assert.equal(listed?.standing.notAfter.getTime(), granted.standing.notAfter.getTime());
    assert.equal((await f.agent.evaluate(refund("A-4", "10"))).outcome, "ALLOW");
    assert.equal((await f.agent.evaluate(refund("A-5", "10"))).outcome, "PENDING_APPROVAL"); // used up
  }));

test("int, bool and enum constraints are signed as the gate encodes them", () =>
  withGate(async (f) => {
    await f.approver.grantStanding(
      statement("typed", {
        constraints: [
          { argument: "items", op: ">=", value: 2 },
          { argument: "items", op: "!=", value: 7n },
          { argument: "gift", op: "==", value: true },
          { argument: "reason", op: "!=", value: "other" },
        ],
      }),
      f.gate.approverKey,
    );
    const allowed = await f.agent.evaluate(refund("T-1", "500", { reason: "late", items: 3, gift: true }));
    assert.equal(allowed.outcome, "ALLOW");
    assert.equal(allowed.ruleIds[0], "standing:typed");
    assert.equal((await f.agent.evaluate(refund("T-2", "500", { items: 7, gift: true }))).outcome, "PENDING_APPROVAL");
    assert.equal((await f.agent.evaluate(refund("T-3", "500", { items: 3, gift: false }))).outcome, "PENDING_APPROVAL");
  }));

test("a standing approval altered after signing is PermissionDenied", () =>
  withGate(async (f) => {
    const s = statement("altered");
    const signature = signStanding(s, f.gate.approverKey);
    for (const altered of [
      { ...s, maxUses: 100 },
      { ...s, constraints: [{ argument: "amount", op: "<=" as const, value: money("1000", "SAR") }] },
      { ...s, notAfter: new Date(s.notAfter.getTime() + HOUR) },
      { ...s, comment: "changed" },
    ]) {
      await assert.rejects(f.approver.sendStanding(altered, signature), PermissionDenied);
    }
    assert.equal((await f.approver.sendStanding(s, signature)).standing.id, "altered");
  }));

test("a revocation ends it: the next matching action waits for a person", () =>
  withGate(async (f) => {
    await f.approver.grantStanding(statement("revoked"), f.gate.approverKey);
    assert.equal((await f.agent.evaluate(refund("R-1", "10"))).outcome, "ALLOW");
    const r = { tenant: "al-noor", id: "revoked", approverId: "alice", reason: "batch handled" };
    await assert.rejects(f.approver.sendRevocation({ ...r, reason: "other" }, signRevocation(r, f.gate.approverKey)), PermissionDenied);
    const revoked = await f.approver.revokeStanding(r, f.gate.approverKey);
    assert.equal(revoked.revoked, true);
    assert.equal(revoked.revokedBy, "alice");
    assert.equal(revoked.uses, 1);
    assert.equal((await f.agent.evaluate(refund("R-2", "10"))).outcome, "PENDING_APPROVAL");
    assert.equal((await f.approver.listStanding("al-noor"))[0]?.revoked, true);
    await assert.rejects(f.approver.revokeStanding(r, f.gate.approverKey), FailedPrecondition);
    await assert.rejects(f.approver.revokeStanding({ ...r, id: "never-granted" }, f.gate.approverKey), NotFound);
  }));

test("the gate's refusals of a grant are typed errors with its message", () =>
  withGate(async (f) => {
    await f.approver.grantStanding(statement("taken"), f.gate.approverKey);
    await assert.rejects(f.approver.grantStanding(statement("taken"), f.gate.approverKey), FailedPrecondition); // ALREADY_EXISTS
    await assert.rejects(
      f.approver.grantStanding(
        statement("usd", { constraints: [{ argument: "amount", op: "<=", value: money("100", "USD") }] }),
        f.gate.approverKey,
      ),
      (e: unknown) => e instanceof InvalidAction && /amount/.test(e.message),
    );
  }));

const RULE =
  'rule damaged-refunds "refunds up to 100 SAR for damaged items" allow when args.amount <= 100 SAR and args.reason == "damaged"';

test("an approval with a proposal answers the id computed here from the signed statement", () =>
  withGate(async (f) => {
    const a: ApprovalStatement = {
      ...(await pendingStatement(f, "P-1")),
      comment: "photos checked",
      proposal: { tool: "refund_order", rule: RULE, rationale: "we always approve these" },
    };
    const result = await f.approver.approve(a, f.gate.approverKey);
    assert.equal(result.decision.outcome, "ALLOW");
    assert.match(result.proposalId ?? "", /^[0-9a-f]{16}$/);
    // The gate hashes its own encoding of the statement: equal ids, equal bytes.
    assert.equal(result.proposalId, proposalId(a));

    const plain = await f.approver.approve(await pendingStatement(f, "P-2"), f.gate.approverKey);
    assert.equal(plain.proposalId, undefined);
  }));

test("a proposal added after signing is PermissionDenied; one that does not compile is InvalidAction", () =>
  withGate(async (f) => {
    const a = await pendingStatement(f, "P-3");
    const signature = signApproval(a, f.gate.approverKey);
    const smuggled = { ...a, proposal: { tool: "refund_order", rule: RULE, rationale: "smuggled" } };
    await assert.rejects(f.approver.sendApproval(smuggled, signature), PermissionDenied);
    await assert.rejects(
      f.approver.approve({ ...a, proposal: { tool: "refund_order", rule: 'rule r "d"\n  deny when args.amount > 20 USD', rationale: "wrong currency" } }, f.gate.approverKey),
      (e: unknown) => e instanceof InvalidAction && /proposal:2:\d+: /.test(e.message),
    );
    const still = await f.agent.awaitDecision("al-noor", a.decisionId, { maxWaitMs: 0 });
    assert.equal(still.outcome, "PENDING_APPROVAL");
  }));

test("over the fatigue cap is ResourceExhausted with the gate's message; refusals and revocations are not capped", () =>
  withGate(
    async (f) => {
      await f.approver.grantStanding(statement("first"), f.gate.approverKey);
      await f.approver.approve(await pendingStatement(f, "F-1"), f.gate.approverKey);
      await assert.rejects(
        f.approver.grantStanding(statement("second"), f.gate.approverKey),
        (e: unknown) => e instanceof ResourceExhausted && /fatigue cap/.test(e.message),
      );
      await assert.rejects(f.approver.approve(await pendingStatement(f, "F-2"), f.gate.approverKey), ResourceExhausted);
      const refused = await f.approver.approve({ ...(await pendingStatement(f, "F-3")), verdict: "deny", comment: "no" }, f.gate.approverKey);
      assert.equal(refused.decision.outcome, "DENY");
      const revoked = await f.approver.revokeStanding({ tenant: "al-noor", id: "first", approverId: "alice" }, f.gate.approverKey);
      assert.equal(revoked.revoked, true);
    },
    "approvals:\n  fatigueCap:\n    maxPerWindow: 2\n    window: 3600s\n",
  ));
