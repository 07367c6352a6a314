// Standing approvals (docs/approvals.md, "Standing approvals"): an
// approver's signed approval, in advance, of a bounded class of actions of
// one tool — argument constraints, a validity window, a number of uses —
// and the signed revocation that ends one early. The messages match the
// gate's (gate/standing_approval.cc) byte for byte; Ed25519 with node's
// crypto, so the private key never leaves the caller. Pure functions.
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { KeyObject } from "node:crypto";
import { sign } from "node:crypto";
import type { Value } from "../gen/portcullis/v1/action_pb.js";
import {
  ConstraintOp as WireOp,
  type StandingApproval as StandingMessage,
  StandingApprovalSchema,
  StandingConstraintSchema,
  type StandingRevocation as RevocationMessage,
  StandingRevocationSchema,
  type StandingStatus as StatusMessage,
} from "../gen/portcullis/v1/gate_pb.js";
import { type Money, toValue } from "./action.js";
import { writeValue } from "./digest.js";
import { ByteWriter } from "./encoding.js";

/** How a constraint compares; ordering applies to int and money arguments only. */
export type ConstraintOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** Of the argument's declared type: a string (also enum members), an integer, a boolean, or money. */
export type ConstraintValue = string | number | bigint | boolean | Money;

/** One condition on a typed argument: `{argument: "amount", op: "<=", value: money("100", "SAR")}`. */
export interface Constraint {
  argument: string;
  op: ConstraintOp;
  value: ConstraintValue;
}

/**
 * What an approver signs to approve, in advance, every action of `tool`
 * (for `tenant`) that meets all `constraints`, decided within
 * [notBefore, notAfter), at most `maxUses` times. `id` is the approver's
 * choice: 1-63 of a-z 0-9 - _, unique within the tenant. The window may end
 * at most 31 days from now.
 */
export interface StandingStatement {
  tenant: string;
  id: string;
  tool: string;
  constraints?: readonly Constraint[];
  notBefore: Date;
  notAfter: Date;
  maxUses: number;
  approverId: string;
  comment?: string;
}

/** Ends a standing approval before its window does; any approver of the tenant may sign one. */
export interface RevocationStatement {
  tenant: string;
  id: string;
  approverId: string;
  reason?: string;
}

/** A standing approval as the gate holds it. */
export interface StandingStatus {
  /** The signed statement (dates to the millisecond; integers as bigint). */
  standing: StandingStatement;
  /** Actions allowed by it so far. */
  uses: number;
  revoked: boolean;
  revokedBy: string;
  /** The sequence of its "standing.granted" ledger entry. */
  ledgerSequence: bigint;
}

const kOps: Record<ConstraintOp, WireOp> = {
  "==": WireOp.EQ,
  "!=": WireOp.NE,
  "<": WireOp.LT,
  "<=": WireOp.LE,
  ">": WireOp.GT,
  ">=": WireOp.GE,
};

function wireOp(op: ConstraintOp): WireOp {
  const wire = kOps[op];
  if (wire === undefined) throw new TypeError(`unknown constraint operator "${String(op)}": one of == != < <= > >=`);
  return wire;
}

function constraintValue(c: Constraint, where: string): Value {
  if (Array.isArray(c.value)) throw new TypeError(`${where}: a list cannot constrain ${c.argument}`);
  return toValue(c.value, where);
}

function nanos(date: Date, where: string): bigint {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TypeError(`${where} is not a valid date`);
  return BigInt(ms) * 1_000_000n;
}

/** The bytes an approver signs for a standing approval. Throws TypeError on a malformed statement. */
export function standingMessage(s: StandingStatement): Uint8Array {
  const constraints = s.constraints ?? [];
  const w = new ByteWriter().domain("portcullis/standing/v1").str(s.tenant).str(s.id).str(s.tool);
  w.u32(constraints.length);
  constraints.forEach((c, i) => {
    const where = `constraints[${i}]`;
    w.str(c.argument).u8(wireOp(c.op));
    writeValue(w, constraintValue(c, where));
  });
  if (!Number.isInteger(s.maxUses) || s.maxUses < 0 || s.maxUses > 0xffffffff) {
    throw new TypeError("maxUses must be an integer (the gate accepts 1..100000)");
  }
  return w
    .i64(nanos(s.notBefore, "notBefore"))
    .i64(nanos(s.notAfter, "notAfter"))
    .u32(s.maxUses)
    .str(s.approverId)
    .str(s.comment ?? "")
    .finish();
}

/** Ed25519 signature (64 bytes) of the standing approval by the approver's key. */
export function signStanding(s: StandingStatement, key: KeyObject): Uint8Array {
  return new Uint8Array(sign(null, standingMessage(s), key));
}

/** The bytes an approver signs to revoke a standing approval. */
export function revocationMessage(r: RevocationStatement): Uint8Array {
  return new ByteWriter()
    .domain("portcullis/standing-revocation/v1")
    .str(r.tenant)
    .str(r.id)
    .str(r.approverId)
    .str(r.reason ?? "")
    .finish();
}

/** Ed25519 signature (64 bytes) of the revocation by the approver's key. */
export function signRevocation(r: RevocationStatement, key: KeyObject): Uint8Array {
  return new Uint8Array(sign(null, revocationMessage(r), key));
}

/** The wire message of a statement (what GrantStanding carries). */
export function toStandingMessage(s: StandingStatement): StandingMessage {
  return create(StandingApprovalSchema, {
    tenant: s.tenant,
    id: s.id,
    tool: s.tool,
    constraints: (s.constraints ?? []).map((c, i) =>
      create(StandingConstraintSchema, { argument: c.argument, op: wireOp(c.op), value: constraintValue(c, `constraints[${i}]`) }),
    ),
    notBefore: timestampFromMs(s.notBefore.getTime()),
    notAfter: timestampFromMs(s.notAfter.getTime()),
    maxUses: s.maxUses,
    approverId: s.approverId,
    comment: s.comment ?? "",
  });
}

/** The wire message of a revocation (what RevokeStanding carries). */
export function toRevocationMessage(r: RevocationStatement): RevocationMessage {
  return create(StandingRevocationSchema, {
    tenant: r.tenant,
    id: r.id,
    approverId: r.approverId,
    reason: r.reason ?? "",
  });
}

function opName(op: WireOp): ConstraintOp {
  const found = (Object.keys(kOps) as ConstraintOp[]).find((k) => kOps[k] === op);
  if (found === undefined) throw new TypeError(`the gate sent an unknown constraint operator ${op}`);
  return found;
}

function fromValue(value: Value | undefined): ConstraintValue {
  const kind = value?.kind;
  switch (kind?.case) {
    case "stringValue":
    case "boolValue":
    case "intValue":
      return kind.value;
    case "moneyValue":
      return { amount: kind.value.amount, currency: kind.value.currency };
    default:
      throw new TypeError("the gate sent a constraint value that is not a string, int, bool or money");
  }
}

/** A StandingStatus as the gate sent it, in the statement's own terms. */
export function fromStatusMessage(m: StatusMessage | undefined): StandingStatus {
  const a = m?.approval;
  if (!m || !a) throw new TypeError("the gate answered without a standing approval");
  return {
    standing: {
      tenant: a.tenant,
      id: a.id,
      tool: a.tool,
      constraints: a.constraints.map((c) => ({ argument: c.argument, op: opName(c.op), value: fromValue(c.value) })),
      notBefore: a.notBefore ? timestampDate(a.notBefore) : new Date(0),
      notAfter: a.notAfter ? timestampDate(a.notAfter) : new Date(0),
      maxUses: a.maxUses,
      approverId: a.approverId,
      comment: a.comment,
    },
    uses: m.uses,
    revoked: m.revoked,
    revokedBy: m.revokedBy,
    ledgerSequence: m.ledgerSequence,
  };
}
