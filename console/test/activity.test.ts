// The monitor's activity list: newest first, each event once, bounded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ActivityLog } from "../src/activity.js";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

test("the activity list keeps the newest events first, each once, and at most max", () => {
  const log = new ActivityLog(3);
  assert.equal(log.add({ tenant: "a", sequence: "1", time: at(1), kind: "action.evaluated" }), true);
  assert.equal(log.add({ tenant: "a", sequence: "2", time: at(2) }), true);
  assert.equal(log.add({ tenant: "a", sequence: "2", time: at(2) }), false); // sent again after a reconnect
  assert.equal(log.add({ tenant: "b", sequence: "1", time: at(3) }), true);
  assert.equal(log.add({ tenant: "a", sequence: "3", time: at(4) }), true);
  assert.deepEqual(
    log.list().map((e) => `${e.tenant}${e.sequence}`),
    ["a3", "b1", "a2"],
  );
  // Older than everything kept, on a full list: not shown.
  assert.equal(log.add({ tenant: "c", sequence: "1", time: at(0) }), false);
  // Same time: the later sequence first.
  const same = new ActivityLog(5);
  same.add({ tenant: "a", sequence: "9", time: at(1) });
  same.add({ tenant: "a", sequence: "10", time: at(1) });
  assert.deepEqual(same.list().map((e) => e.sequence), ["10", "9"]);
  for (let i = 0; i < 1000; i++) same.add({ tenant: "x", sequence: String(i), time: at(i % 50) });
  assert.equal(same.list().length, 5);
});
