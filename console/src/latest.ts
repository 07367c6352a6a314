// Pages redraw from more than one trigger (a poll, a live event, an
// operator's action), and their reads of the gate can finish out of order.

/**
 * Wraps a page's draw so that only the latest call started paints: a poll
 * that read the gate before a halt, or before a request was decided, must
 * not paint over the draw that read it after. `draw` calls `current()`
 * after its last read and paints only when it is true.
 */
export function latestOnly(draw: (current: () => boolean) => Promise<void>): () => Promise<void> {
  let started = 0;
  return () => {
    const mine = ++started;
    return draw(() => mine === started);
  };
}
