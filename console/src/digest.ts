// The action digest (docs/action-digest.md) of an action in protobuf's JSON
// form, as the console's API sends it: BLAKE2b-256 over the canonical,
// length-prefixed encoding of tenant, agent, tool, arguments sorted by
// name (byte order) and idempotency key. Runs in the browser (no Buffer);
// tested against docs/action-digest-vectors.json. Pure functions.
import { blake2b } from "@noble/hashes/blake2.js";
import { ByteWriter, toHex } from "./bytes.js";
import type { Action, Value } from "./types.js";

const kAmount = /^(-?)([0-9]{1,18})(?:\.([0-9]{1,18}))?$/;
const kInt = /^-?[0-9]{1,19}$/;
const kUtf8 = new TextEncoder();

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
  const x = kUtf8.encode(a);
  const y = kUtf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

function int64(v: string | number): bigint {
  const text = String(v);
  if (!kInt.test(text)) throw new TypeError(`"${text}" is not an integer`);
  const n = BigInt(text);
  if (n < -(2n ** 63n) || n >= 2n ** 63n) throw new TypeError(`${text} does not fit in 64 bits`);
  return n;
}

function writeValue(w: ByteWriter, value: Value): void {
  const kinds = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1) throw new TypeError("an argument value must have exactly one kind");
  if (value.stringValue !== undefined) {
    w.tag("s").str(value.stringValue);
  } else if (value.intValue !== undefined) {
    w.tag("i").i64(int64(value.intValue));
  } else if (value.boolValue !== undefined) {
    w.tag("b").u8(value.boolValue ? 1 : 0);
  } else if (value.moneyValue !== undefined) {
    w.tag("m")
      .str(value.moneyValue.currency ?? "")
      .str(canonicalAmount(value.moneyValue.amount ?? ""));
  } else if (value.listValue !== undefined) {
    const values = value.listValue.values ?? [];
    w.tag("l").u32(values.length);
    for (const v of values) writeValue(w, v);
  } else {
    throw new TypeError(`unknown argument value kind ${kinds[0]}`);
  }
}

/** The canonical encoding the digest hashes. Throws TypeError on a malformed value. */
export function canonicalEncoding(a: Action): Uint8Array {
  const w = new ByteWriter()
    .domain("portcullis/action/v1")
    .str(a.tenant ?? "")
    .str(a.agent ?? "")
    .str(a.tool ?? "");
  const args = a.arguments ?? {};
  const names = Object.keys(args).sort(compareBytes);
  w.u32(names.length);
  for (const name of names) {
    w.str(name);
    const value = args[name];
    if (!value) throw new TypeError(`argument ${name} has no value`);
    writeValue(w, value);
  }
  w.str(a.idempotencyKey ?? "");
  return w.finish();
}

/** BLAKE2b-256 of the canonical encoding: 32 bytes. */
export function actionDigest(action: Action): Uint8Array {
  return blake2b(canonicalEncoding(action), { dkLen: 32 });
}

/** The digest as 64 lowercase hex characters. */
export function actionDigestHex(action: Action): string {
  return toHex(actionDigest(action));
}
