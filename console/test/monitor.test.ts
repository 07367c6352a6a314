// What the monitor says about connectors and policy reloads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectorLine, reloadLine, resultText } from "../src/monitor.js";

const now = Date.parse("2026-01-01T00:10:00Z");

test("a connector row reads as working, failing or not called yet, with its calls", () => {
  const failing = connectorLine(
    { name: "payments", state: "failing", ok: 3, failed: { http_5xx: 2, deadline_exceeded: 1 }, lastFailure: "2026-01-01T00:08:00+00:00" },
    now,
  );
  assert.equal(failing.name, "payments");
  assert.equal(failing.stateText, "Failing");
  assert.equal(failing.calls, "3 ok, 2 server error (HTTP 5xx), 1 timed out");
  assert.equal(failing.lastFailure, "last failed 2 minutes ago");

  const healthy = connectorLine({ name: "helpdesk", state: "healthy", ok: 7 }, now);
  assert.equal(healthy.stateText, "Working");
  assert.equal(healthy.calls, "7 ok");
  assert.equal(healthy.lastFailure, "");

  const unused = connectorLine({ name: "crm", state: "unused", ok: 0, failed: {} }, now);
  assert.equal(unused.stateText, "Not called yet");
  assert.equal(unused.calls, "no calls yet");
  assert.equal(resultText("failed_precondition"), "failed precondition");
});

test("a policy reload reads as when it worked, or why it failed and what is still enforced", () => {
  assert.equal(reloadLine({}, now), null);
  assert.deepEqual(reloadLine({ policy: { version: "4" }, lastReload: { time: "2026-01-01T00:08:00Z", ok: true } }, now), {
    failed: false,
    text: "Policy reloaded 2 minutes ago",
  });
  assert.deepEqual(
    reloadLine({ policy: { version: "3" }, lastReload: { time: "2026-01-01T00:09:00Z", ok: false, error: "policy from gate.policy does not compile" } }, now),
    { failed: true, text: "Last reload failed 1 minute ago: policy from gate.policy does not compile — still enforcing version 3" },
  );
  assert.equal(reloadLine({ lastReload: { ok: false } }, now)?.text.endsWith("no policy is in force"), true);
});
