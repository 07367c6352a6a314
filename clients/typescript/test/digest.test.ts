// The action digest and approval encoding against the published vectors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ActionSchema } from "../gen/portcullis/v1/action_pb.js";
import { actionDigestHex, canonicalAmount, canonicalEncoding, money, toAction } from "../src/index.js";
import { approvalMessage } from "../src/approval.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
interface Vector {
  name: string;
  action: JsonValue;
  canonical_encoding_hex: string;
  digest_hex: string;
}
const vectors = (JSON.parse(readFileSync(resolve(root, "docs", "action-digest-vectors.json"), "utf8")) as {
  vectors: Vector[];
}).vectors;

test("every published vector has the published encoding and digest", () => {
  assert.ok(vectors.length >= 3);
  for (const v of vectors) {
    const action = fromJson(ActionSchema, v.action);
    assert.equal(Buffer.from(canonicalEncoding(action)).toString("hex"), v.canonical_encoding_hex, v.name);
    assert.equal(actionDigestHex(action), v.digest_hex, v.name);
  }
});

test("a caller's action gives the same digest as its wire form", () => {
  const digest = actionDigestHex({
    tenant: "al-noor",
    agent: "support-bot",
    tool: "create_coupon",
    arguments: { value: money("50", "SAR"), code: "WELCOME10" },
    idempotencyKey: "coupon-7",
  });
  assert.equal(digest, "b89d6ed1132858b78bbd23f11ea92c337c817f80d259e784ff6b8cb9edde82be");
});

test("amounts are put in canonical form", () => {
  for (const [text, canonical] of [
    ["50", "50"],
    ["50.00", "50"],
    ["050.10", "50.1"],
    ["-0.000", "0"],
    ["-0012.500", "-12.5"],
    ["0.01", "0.01"],
  ] as const) {
    assert.equal(canonicalAmount(text), canonical, text);
  }
  for (const bad of ["", "1e3", "+1", ".5", "1."]) assert.throws(() => canonicalAmount(bad), TypeError, bad);
});

test("a JS number for money, or a fractional number anywhere, is a TypeError", () => {
  const base = { tenant: "t", agent: "a", tool: "x" };
  assert.throws(() => toAction({ ...base, arguments: { v: { amount: 75, currency: "SAR" } as never } }), TypeError);
  assert.throws(() => toAction({ ...base, arguments: { v: 0.1 } }), TypeError);
  assert.throws(() => toAction({ ...base, arguments: { v: { amount: "1e3", currency: "SAR" } } }), TypeError);
  assert.throws(() => money("75.00", "sar"), TypeError);
  assert.equal(toAction({ ...base, arguments: { n: 7 } }).arguments["n"]?.kind.value, 7n);
});

test("the approval message covers every field in the documented layout", () => {
  const digest = new Uint8Array(32).fill(7);
  const m = Buffer.from(
    approvalMessage({
      tenant: "t",
      decisionId: "d",
      actionDigest: digest,
      verdict: "approve",
      expiresAt: new Date(1_000),
      approverId: "alice",
      comment: "ok",
    }),
  );
  const expected = Buffer.concat([
    Buffer.from("portcullis/approval/v1\0"),
    Buffer.from("0000000174", "hex"),
    Buffer.from("0000000164", "hex"),
    Buffer.from("00000020", "hex"),
    Buffer.from(digest),
    Buffer.from("01", "hex"),
    Buffer.from("000000003b9aca00", "hex"), // 1 s in nanoseconds
    Buffer.from("00000005616c696365", "hex"),
    Buffer.from("000000026f6b", "hex"),
  ]);
  assert.equal(m.toString("hex"), expected.toString("hex"));
});
