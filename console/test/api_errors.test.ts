// How the console words a refused call, the fatigue cap in particular.
import assert from "node:assert/strict";
import { test } from "node:test";
import { explain } from "../src/api.js";

test("a fatigue cap refusal says so and when the approver may sign again", () => {
  const text = explain(
    429,
    "RESOURCE_EXHAUSTED",
    'fatigue cap: approver "alice" has signed 20 approvals within the last 1h (the cap is 20 per 1h); this approval is refused. The next is possible at 2026-01-04T13:12:09Z (in 14m3s); until then another approver can sign',
  );
  assert.match(text, /^Not signed: you have reached the approver fatigue cap\./);
  assert.match(text, /The next is possible at 2026-01-04T13:12:09Z/);
  assert.doesNotMatch(text, /busy/);
});

test("other refusals for load still read as a busy gate", () => {
  assert.match(explain(429, "RESOURCE_EXHAUSTED", "too many calls"), /busy/);
});
