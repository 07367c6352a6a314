// The console's in-browser action digest against docs/action-digest-vectors.json
// (the same vectors the gate's C++ and the reference Python are tested against).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { approvalMessage } from "../src/approval.js";
import { fromBase64, toBase64, toHex } from "../src/bytes.js";
import { actionDigestHex, canonicalAmount, canonicalEncoding } from "../src/digest.js";
import type { Action } from "../src/types.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const vectors = JSON.parse(readFileSync(join(root, "docs", "action-digest-vectors.json"), "utf8")) as {
  vectors: { name: string; action: Action; canonical_encoding_hex: string; digest_hex: string }[];
};

test("every vector's encoding and digest match", () => {
  assert.ok(vectors.vectors.length >= 4);
  for (const v of vectors.vectors) {
    assert.equal(toHex(canonicalEncoding(v.action)), v.canonical_encoding_hex, v.name);
    assert.equal(actionDigestHex(v.action), v.digest_hex, v.name);
  }
});

test("a changed amount changes the digest; a differently written one does not", () => {
  const v = vectors.vectors[1]!;
  const changed = structuredClone(v.action);
  changed.arguments!["value"]!.moneyValue!.amount = "500.00";
  assert.notEqual(actionDigestHex(changed), v.digest_hex);
  const same = structuredClone(v.action);
  same.arguments!["value"]!.moneyValue!.amount = "050.0";
  assert.equal(actionDigestHex(same), v.digest_hex);
});

test("malformed values are refused, not guessed", () => {
  assert.throws(() => canonicalAmount("1e3"), TypeError);
  assert.throws(() => actionDigestHex({ arguments: { x: {} } }), TypeError);
  assert.throws(() => actionDigestHex({ arguments: { x: { stringValue: "a", boolValue: true } } }), TypeError);
  assert.throws(() => actionDigestHex({ arguments: { x: { intValue: "9223372036854775808" } } }), TypeError);
});

test("the approval statement is laid out as docs/approvals.md says", () => {
  const digest = new Uint8Array(32).fill(7);
  const m = approvalMessage({
    tenant: "t",
    decisionId: "d",
    actionDigest: digest,
    verdict: "deny",
    expiresAt: new Date(1_000),
    approverId: "a",
    comment: "",
  });
  const expected =
    toHex(new TextEncoder().encode("portcullis/approval/v1")) +
    "00" + "00000001" + "74" + "00000001" + "64" + "00000020" + "07".repeat(32) +
    "02" + "000000003b9aca00" + "00000001" + "61" + "00000000";
  assert.equal(toHex(m), expected);
});

test("base64 round trips and accepts the URL-safe alphabet", () => {
  const b = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
  assert.deepEqual(fromBase64(toBase64(b)), b);
  assert.deepEqual(fromBase64("-_8"), Uint8Array.of(0xfb, 0xff));
});
