import assert from "node:assert/strict";
import { test } from "node:test";

import { latestOnly } from "../src/latest.js";

test("of two overlapping draws only the one started last paints, whichever finishes first", async () => {
  const painted: string[] = [];
  const reads: Array<(value: string) => void> = [];
  const draw = latestOnly(async (current) => {
    const read = await new Promise<string>((resolve) => reads.push(resolve));
    if (current()) painted.push(read);
  });
  const settle = (i: number, value: string): void => {
    const read = reads[i];
    assert.ok(read, `read ${i} has started`);
    read(value);
  };
  const stale = draw(); // a poll that read before the halt
  const fresh = draw(); // the redraw after it
  settle(1, "halted");
  await fresh;
  settle(0, "running"); // the stale read finishes last
  await stale;
  assert.deepEqual(painted, ["halted"]);
  // A later draw paints again.
  const next = draw();
  settle(2, "running");
  await next;
  assert.deepEqual(painted, ["halted", "running"]);
});
