// The monitor's activity list: the latest events of the gate's activity
// stream, newest first, at most `max` of them (older ones fall off, so a
// busy gate cannot grow the page). Events arrive once per stream; a new
// stream after a reconnect sends the latest entries again, which are
// recognised by tenant and sequence and kept once.
import type { ActivityEvent } from "./types.js";

function key(e: ActivityEvent): string {
  return `${e.tenant ?? ""}\u0000${e.sequence ?? ""}`;
}

/** Newest first: by time, then by sequence within a tenant. */
function newer(a: ActivityEvent, b: ActivityEvent): number {
  const ta = Date.parse(a.time ?? "") || 0;
  const tb = Date.parse(b.time ?? "") || 0;
  if (ta !== tb) return tb - ta;
  const sa = BigInt(a.sequence ?? "0");
  const sb = BigInt(b.sequence ?? "0");
  return sa === sb ? 0 : sa < sb ? 1 : -1;
}

export class ActivityLog {
  private events: ActivityEvent[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly max = 50) {}

  /** Adds `e`; false when it was already there or is older than every kept event of a full list. */
  add(e: ActivityEvent): boolean {
    const k = key(e);
    if (this.seen.has(k)) return false;
    if (this.events.length >= this.max && newer(e, this.events[this.events.length - 1]!) >= 0) return false;
    this.events.push(e);
    this.seen.add(k);
    this.events.sort(newer);
    while (this.events.length > this.max) {
      const dropped = this.events.pop()!;
      this.seen.delete(key(dropped));
    }
    return true;
  }

  /** The kept events, newest first. */
  list(): readonly ActivityEvent[] {
    return this.events;
  }
}
