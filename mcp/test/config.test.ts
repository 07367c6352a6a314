// The configuration is checked strictly, and argument mapping never guesses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseConfig } from "../src/config.js";
import { mapArguments, UnmappableCall } from "../src/mapping.js";

const base = {
  identity: { tenant: "acme", agent: "a" },
  upstreams: { up: { command: "true" } },
  tools: [{ name: "refund", upstream: "up", arguments: { amount: { type: "money", currency: "SAR" }, order: { type: "string", from: "orderId" } } }],
};

function parse(value: unknown) {
  return parseConfig(JSON.stringify(value), "/tmp");
}

test("a valid configuration gets its defaults", () => {
  const config = parse(base);
  assert.equal(config.gate.target, "127.0.0.1:7575");
  assert.equal(config.pending.waitMs, 30_000);
});

test("unknown fields, unknown upstreams, money without currency and bad vault:// are errors", () => {
  assert.throws(() => parse({ ...base, surprise: true }), ConfigError);
  assert.throws(() => parse({ ...base, tools: [{ name: "x", upstream: "nowhere" }] }), /no upstream/);
  assert.throws(
    () => parse({ ...base, tools: [{ name: "x", upstream: "up", arguments: { v: { type: "money" } } }] }),
    /currency/,
  );
  assert.throws(
    () => parse({ ...base, upstreams: { up: { command: "x", env: { API_KEY: "vault://acme/key" } } } }),
    /only secrets named "upstream\.\*"/,
  );
  assert.throws(
    () => parse({ ...base, upstreams: { up: { command: "x", args: ["vault://acme/upstream.key"] } } }),
    /env only/,
  );
  const ok = parse({ ...base, upstreams: { up: { command: "x", env: { API_KEY: "Bearer vault://acme/upstream.key" } } } });
  assert.equal(ok.upstreams.up && "env" in ok.upstreams.up ? ok.upstreams.up.env.API_KEY : "", "Bearer vault://acme/upstream.key");
});

test("money is read from a decimal string only, never from a JSON number", () => {
  const tool = parse(base).tools[0];
  assert.ok(tool);
  assert.deepEqual(mapArguments(tool, { amount: "75.00", orderId: "A-1" }), {
    amount: { amount: "75.00", currency: "SAR" },
    order: "A-1",
  });
  assert.throws(() => mapArguments(tool, { amount: 75, orderId: "A-1" }), UnmappableCall);
  assert.throws(() => mapArguments(tool, { amount: "7e1", orderId: "A-1" }), UnmappableCall);
  assert.throws(() => mapArguments(tool, { amount: "1", orderId: "A-1", note: "x" }), /not mapped/);
  assert.throws(() => mapArguments(tool, { amount: "1" }), /required/);
});
