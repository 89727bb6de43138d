// A bounded reorder window for row-per-I/O formats whose rows are only roughly in time order
// (Alibaba 2020 says so, trace-formats §5.3). Rows are written into a pending batch; once it
// holds two windows, it is sorted by time (stable: file order breaks ties) and the first
// window is emitted. A row displaced by at most `window` rows thus comes out in order; one
// displaced further is emitted at the time of the last emitted row and counted.
// Optionally rebases times so that the first emitted row is at 0 ("relative to the first row").
import {
  batchOf,
  COLUMN_NAMES,
  countWarning,
  type EventBatch,
  newBatch,
  type WarningCounts,
} from '../event.js';

export const LATE_ROW_WARNING = 'row earlier than the reorder window allows (time raised to keep order)';

export class ReorderWindow {
  /** Rows not yet emitted; the caller fills row `pending.length` and calls `commit()`. */
  pending: EventBatch;
  /** A second buffer of the same size, swapped with `pending` on each take (no reallocation). */
  private spare: EventBatch;
  private sorted = true;
  private lastTime = Number.NEGATIVE_INFINITY;
  private emittedMax = Number.NEGATIVE_INFINITY;
  /** Offset subtracted from every time when rebasing; fixed by the first emitted row. */
  base: number | undefined;

  constructor(
    private readonly window: number,
    private readonly warnings: WarningCounts,
    rebase: boolean,
  ) {
    this.pending = newBatch(2 * window);
    this.spare = newBatch(2 * window);
    if (!rebase) this.base = 0;
  }

  /** Accepts the row the caller just wrote at index `pending.length`. */
  commit(): void {
    const p = this.pending;
    const t = p.timeNs[p.length];
    if (t < this.lastTime) this.sorted = false;
    this.lastTime = t;
    p.length++;
  }

  /** True when a row at (not rebased) time `t` would come out late: rows after it have gone out. */
  wouldBeLate(t: number): boolean {
    return this.base !== undefined && t - this.base < this.emittedMax;
  }

  /** True when the caller must `take()` before writing another row. */
  get full(): boolean {
    return this.pending.length >= 2 * this.window;
  }

  /** Emits the rows that can no longer be overtaken (all of them when `final`). */
  take(final: boolean): EventBatch | undefined {
    let p = this.pending;
    const keep = final ? 0 : Math.min(this.window, p.length);
    const n = p.length - keep;
    if (n <= 0) return undefined;
    let rest = this.spare;
    if (!this.sorted) {
      sortInto(p, rest);
      [p, rest] = [rest, p];
    }
    const out = slice(p, 0, n);
    rest.msg.clear();
    for (const name of COLUMN_NAMES)
      (rest[name] as Float64Array).set((p[name] as Float64Array).subarray(n, n + keep));
    for (const [k, v] of p.msg) if (k >= n) rest.msg.set(k - n, v);
    rest.length = keep;
    p.length = 0;
    p.msg.clear();
    this.pending = rest;
    this.spare = p;
    this.sorted = true;
    this.lastTime = keep > 0 ? rest.timeNs[keep - 1] : Number.NEGATIVE_INFINITY;
    this.finishTimes(out);
    return out;
  }

  /** Rebases and enforces order against rows already emitted. */
  private finishTimes(out: EventBatch): void {
    if (this.base === undefined) this.base = out.timeNs[0];
    const base = this.base;
    let max = this.emittedMax;
    for (let i = 0; i < out.length; i++) {
      let t = out.timeNs[i] - base;
      if (t < max) {
        countWarning(this.warnings, LATE_ROW_WARNING);
        t = max;
      }
      out.timeNs[i] = t;
      max = t;
    }
    this.emittedMax = max;
  }
}

/** Rows [from, from + n) of `b` as a new batch of exactly n rows. */
function slice(b: EventBatch, from: number, n: number): EventBatch {
  const batch = batchOf(n, new Map<number, string>(), (name) =>
    (b[name] as Float64Array).slice(from, from + n),
  );
  for (const [k, v] of b.msg) if (k >= from && k < from + n) batch.msg.set(k - from, v);
  return batch;
}

/** Writes the rows of `b`, stably sorted by time, into `into`. */
function sortInto(b: EventBatch, into: EventBatch): void {
  const n = b.length;
  const t = b.timeNs;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => t[x] - t[y] || x - y);
  for (const name of COLUMN_NAMES) {
    const src = b[name] as Float64Array;
    const dst = into[name] as Float64Array;
    for (let i = 0; i < n; i++) dst[i] = src[order[i]];
  }
  into.msg.clear();
  if (b.msg.size > 0) {
    for (let i = 0; i < n; i++) {
      const m = b.msg.get(order[i]);
      if (m !== undefined) into.msg.set(i, m);
    }
  }
  into.length = n;
}
