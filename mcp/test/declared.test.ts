// The declared-tools cache tells listeners when a refresh finds a
// principal's declared tools changed, and only then.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Gate } from "@portcullis/client";
import { DeclaredToolCache } from "../src/declared.js";
import type { Principal } from "../src/gateway.js";

function principalDeclaring(lists: string[][]): Principal {
  const gate = {
    listTools: async () => ({
      tools: (lists.shift() ?? []).map((name) => ({ name, arguments: [] })),
      policyVersion: "v",
      policyHash: "h",
    }),
  };
  return { key: "p", tenant: "acme", agent: "a", gate: gate as unknown as Gate };
}

test("a refresh that finds the same tools is silent; one that finds others tells the listeners", async () => {
  const principal = principalDeclaring([["a", "b"], ["b", "a"], ["a"], ["a"]]);
  const cache = new DeclaredToolCache(1000, () => 0);
  const heard: string[] = [];
  const unsubscribe = cache.onChange("p", (previous, current) => heard.push(`${[...previous].sort()} -> ${[...current].sort()}`));
  await cache.refresh(principal); // the first answer is no change
  await cache.refresh(principal); // same set, other order
  assert.deepEqual(heard, []);
  await cache.refresh(principal);
  assert.deepEqual(heard, ["a,b -> a"]);
  unsubscribe();
  await cache.refresh(principal);
  assert.equal(heard.length, 1);
});
