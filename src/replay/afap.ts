// As-fast-as-possible replay: every process starts at time 0 and keeps as many of its I/Os in
// flight as it had at most in the trace, issuing the next one (in trace order) as soon as one
// completes. It measures the policy and device at the workload's own concurrency, without
// its think times. The depth counts bios from Q to C, as the trace shows them; an I/O with no
// recorded completion counts as in flight until the end of the trace. A process none of whose
// I/Os completed in the trace gets depth 1 (nothing tells its concurrency).
import { type IoTable, NONE } from '../trace/io-table.js';
import { ARRIVE, type ArrivalPlan, emptyPlan, type ProcessOrder, processOrder } from './plan.js';

/** Arrival plan for afap replay: each process's depth, every row gated on it. */
export function planAfap(ios: IoTable, order: ProcessOrder = processOrder(ios)): ArrivalPlan {
  const plan = emptyPlan(ios, order, 'afap');
  for (let k = 0; k < order.rows.length; k++) plan.kind[order.rows[k]] = ARRIVE.AT_DEPTH;
  for (let p = 0; p + 1 < order.procStart.length; p++)
    plan.depth[p] = traceDepth(ios, order.rows, order.procStart[p], order.procStart[p + 1]);
  return plan;
}

/**
 * Most I/Os of rows[start..end) (one process, Q order) in flight at once, Q..C. A completion
 * at the same ns as a Q counts as before it.
 */
export function traceDepth(ios: IoTable, rows: Uint32Array, start: number, end: number): number {
  const heap = new MinHeap();
  let depth = 0;
  let anyDone = false;
  for (let k = start; k < end; k++) {
    const r = rows[k];
    const q = ios.tQ[r];
    while (heap.size > 0 && heap.peek() <= q) heap.pop();
    const c = ios.tC[r];
    if (c !== NONE) anyDone = true;
    heap.push(c === NONE ? Number.POSITIVE_INFINITY : c);
    if (heap.size > depth) depth = heap.size;
  }
  return anyDone ? depth : Math.min(depth, 1);
}

/** A binary min-heap of numbers (completion times). */
class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): number {
    return this.a[0];
  }
  push(v: number): void {
    const a = this.a;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up] <= v) break;
      a[i] = a[up];
      i = up;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      const n = a.length;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1] < a[c]) c++;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
