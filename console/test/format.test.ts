// How the console words things for a merchant.
import assert from "node:assert/strict";
import { test } from "node:test";
import { argumentRows, confidence, formatValue, label, outcomeText, quorumText, relative } from "../src/format.js";

test("money shows its currency and comes first; other values read plainly", () => {
  assert.equal(formatValue({ moneyValue: { amount: "120", currency: "SAR" } }), "120 SAR");
  assert.equal(formatValue({ boolValue: false }), "no");
  assert.equal(formatValue({ listValue: { values: [{ stringValue: "a" }, { intValue: "2" }] } }), "a, 2");
  assert.deepEqual(
    argumentRows({ arguments: { order_id: { stringValue: "AN-1" }, amount: { moneyValue: { amount: "5", currency: "USD" } } } }),
    [["amount", "5 USD", true], ["order_id", "AN-1", false]],
  );
  assert.equal(label("order_id"), "Order id");
});

test("times read as from now", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(relative("2026-01-01T00:00:04Z", now), "in 4 seconds");
  assert.equal(relative("2026-01-01T00:59:00Z", now), "in 59 minutes");
  assert.equal(relative("2026-01-01T25:00:00Z", now), "");
  assert.equal(relative("2026-01-01T02:01:00Z", now), "in 2 hours 1 minute");
  assert.equal(relative("2025-12-31T23:58:00Z", now), "2 minutes ago");
  assert.equal(relative("2026-01-05T00:00:00Z", now), "in 4 days");
  assert.equal(relative(undefined, now), "");
});

test("quorum progress counts approvals only, and confidence is a percentage", () => {
  const p = {
    votes: [
      { approverId: "alice", verdict: "APPROVAL_VERDICT_APPROVE" },
      { approverId: "bob", verdict: "APPROVAL_VERDICT_DENY" },
    ],
  };
  assert.equal(quorumText({ quorum: 2, roles: ["owner", "finance"] }, p), "1 of 2 approvals from owner or finance");
  assert.equal(quorumText({ quorum: 1 }, {}), "0 of 1 approval from any approver");
  assert.equal(confidence({ context: { confidence: 0.725 } }), "73%");
  assert.equal(confidence({}), "not given");
  assert.equal(outcomeText("OUTCOME_UNSPECIFIED"), "unknown");
});
