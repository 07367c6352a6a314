// The action digest (docs/action-digest.md): BLAKE2b-256 over a canonical,
// length-prefixed encoding of tenant, agent, tool, arguments sorted by name
// and idempotency key. Matches the gate byte for byte; checked against
// docs/action-digest-vectors.json. Pure functions.
import { blake2b } from "@noble/hashes/blake2.js";
import type { Action, Value } from "../gen/portcullis/v1/action_pb.js";
import { type ActionInput, asAction } from "./action.js";
import { ByteWriter, toHex } from "./encoding.js";

const kAmount = /^(-?)([0-9]{1,18})(?:\.([0-9]{1,18}))?$/;

/**
 * The canonical form of a decimal amount: no leading zeros in the integer
 * part, no trailing zeros in the fraction, no point without a fraction,
 * "-0" written "0". Throws TypeError for a malformed amount.
 */
export function canonicalAmount(amount: string): string {
  const m = kAmount.exec(amount);
  if (!m) throw new TypeError(`"${amount}" is not a decimal amount`);
  const integer = (m[2] ?? "").replace(/^0+(?=.)/, "");
  const fraction = (m[3] ?? "").replace(/0+$/, "");
  const body = fraction ? `${integer}.${fraction}` : integer;
  return body === "0" ? "0" : `${m[1]}${body}`;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Appends one argument value as the digest encodes it (a type letter, then the value). */
export function writeValue(w: ByteWriter, value: Value): void {
  const kind = value.kind;
  switch (kind.case) {
    case "stringValue":
      w.tag("s").str(kind.value);
      return;
    case "intValue":
      w.tag("i").i64(kind.value);
      return;
    case "boolValue":
      w.tag("b").u8(kind.value ? 1 : 0);
      return;
    case "moneyValue":
      w.tag("m").str(kind.value.currency).str(canonicalAmount(kind.value.amount));
      return;
    case "listValue":
      w.tag("l").u32(kind.value.values.length);
      for (const v of kind.value.values) writeValue(w, v);
      return;
    default:
      throw new TypeError("an argument value has no kind");
  }
}

/** The canonical encoding the digest hashes. Throws TypeError on a malformed value. */
export function canonicalEncoding(action: ActionInput | Action): Uint8Array {
  const a = asAction(action);
  const w = new ByteWriter().domain("portcullis/action/v1").str(a.tenant).str(a.agent).str(a.tool);
  const names = Object.keys(a.arguments).sort(compareBytes);
  w.u32(names.length);
  for (const name of names) {
    w.str(name);
    const value = a.arguments[name];
    if (!value) throw new TypeError(`argument ${name} has no value`);
    writeValue(w, value);
  }
  w.str(a.idempotencyKey);
  return w.finish();
}

/** BLAKE2b-256 of the canonical encoding: 32 bytes. */
export function actionDigest(action: ActionInput | Action): Uint8Array {
  return blake2b(canonicalEncoding(action), { dkLen: 32 });
}

/** The digest as 64 lowercase hex characters. */
export function actionDigestHex(action: ActionInput | Action): string {
  return toHex(actionDigest(action));
}
