// Fairness between processes (devices-metrics-peers §3.4): Jain's index over each flow's
// IOPS inside the contention window, the interval in which every flow is active, from the
// moment the last flow starts issuing to the moment the first flow finishes.
// Which processes count as flows is a rule of ours, documented in docs/metrics.md: a flow
// has I/O outstanding (queued, not yet completed) for at least MIN_FLOW_BACKLOG_FRACTION of
// the trace span. A kworker writing back a few pages is backlogged for a few milliseconds
// and does not shrink the window; a starved process, with few I/Os that wait long, counts.
import { type IoTable, NONE } from '../trace/io-table.js';

/**
 * What the busy-time figures read of a table: [tQ, tC] per row. Summaries pass the I/Os
 * followed by the empty flushes (a process waiting for its fsync's flush waits on the device).
 */
export type Intervals = Pick<IoTable, 'length' | 'tQ' | 'tC'>;

/** Smallest share of the trace span (first Q to last C) a flow must have I/O outstanding. */
export const MIN_FLOW_BACKLOG_FRACTION = 0.1;

export interface Fairness {
  /** Jain's index over the flows' windowIops: 1/n (one flow gets all) .. 1 (equal). */
  jain: number;
  windowStartNs: number;
  windowEndNs: number;
  /** Processes counted as flows. */
  flows: number;
  /**
   * False when the flows never overlap (or fewer than two exist): the window is then the
   * whole trace span and the index says little.
   */
  overlap: boolean;
  /**
   * devices-metrics-peers §3.4's reading: Jain's index over each flow's completions per second
   * in the time when every flow has I/O outstanding (`ns` of it, 0 with fewer than two flows
   * or none in common; the index is then 1). A rate-capped flow, idle part of the window,
   * then shows the service it got while it asked for some.
   */
  backlogged: { jain: number; ns: number };
}

/** Where one process was active. */
export interface FlowSpan {
  /** First Q and last C; NONE when absent. */
  firstQNs: number;
  lastCNs: number;
  /** Time with at least one of its I/Os outstanding (the union of its [Q, C] intervals). */
  backlogNs: number;
}

/**
 * Jain's fairness index (Σx)² / (n·Σx²). 1 for an empty sample or one that is all zero
 * (nobody is favoured).
 */
export function jainIndex(x: ArrayLike<number>): number {
  const n = x.length;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    sum += x[i];
    sumSq += x[i] * x[i];
  }
  if (n === 0 || sumSq === 0) return 1;
  return Math.min(1, (sum * sum) / (n * sumSq));
}

/** Which spans are flows under the rule above, given the whole trace span. */
export function flowMask(spans: readonly FlowSpan[], spanStartNs: number, spanEndNs: number): boolean[] {
  const minBacklogNs = MIN_FLOW_BACKLOG_FRACTION * Math.max(0, spanEndNs - spanStartNs);
  return spans.map(
    (s) => s.firstQNs !== NONE && s.lastCNs !== NONE && s.backlogNs >= minBacklogNs && s.backlogNs > 0,
  );
}

/**
 * Backlogged time of each group: the length of the union of its rows' [tQ, tC] intervals,
 * an I/O never completed counting as outstanding until `endNs`. Rows of a group are
 * expected in Q order (pairing and replay write them so); a group that is not is sorted.
 */
export function backlogNs(
  ios: Intervals,
  groupOf: ArrayLike<number>,
  nGroups: number,
  endNs: number,
): Float64Array {
  const total = new Float64Array(nGroups);
  const curStart = new Float64Array(nGroups).fill(NONE);
  const curEnd = new Float64Array(nGroups).fill(NONE);
  const unsorted = new Uint8Array(nGroups);
  const { tQ, tC } = ios;
  for (let i = 0; i < ios.length; i++) {
    const g = groupOf[i];
    if (g < 0 || unsorted[g]) continue;
    const q = tQ[i];
    const c = tC[i] === NONE ? Math.max(q, endNs) : Math.max(q, tC[i]);
    if (curStart[g] === NONE) {
      curStart[g] = q;
      curEnd[g] = c;
    } else if (q < curStart[g]) unsorted[g] = 1;
    else if (q <= curEnd[g]) curEnd[g] = Math.max(curEnd[g], c);
    else {
      total[g] += curEnd[g] - curStart[g];
      curStart[g] = q;
      curEnd[g] = c;
    }
  }
  for (let g = 0; g < nGroups; g++) {
    if (unsorted[g]) total[g] = backlogSorted(ios, groupOf, g, endNs);
    else if (curStart[g] !== NONE) total[g] += curEnd[g] - curStart[g];
  }
  return total;
}

/** The rare path: one group's intervals sorted by Q first. */
function backlogSorted(ios: Intervals, groupOf: ArrayLike<number>, g: number, endNs: number): number {
  const rows: number[] = [];
  for (let i = 0; i < ios.length; i++) if (groupOf[i] === g) rows.push(i);
  rows.sort((a, b) => ios.tQ[a] - ios.tQ[b]);
  let total = 0;
  let start = NONE;
  let end = NONE;
  for (const i of rows) {
    const q = ios.tQ[i];
    const c = ios.tC[i] === NONE ? Math.max(q, endNs) : Math.max(q, ios.tC[i]);
    if (start === NONE) {
      start = q;
      end = c;
    } else if (q <= end) end = Math.max(end, c);
    else {
      total += end - start;
      start = q;
      end = c;
    }
  }
  return start === NONE ? total : total + end - start;
}

/**
 * The contention window of the flows (mask true): [latest first Q, earliest last C]. With
 * fewer than two flows, or flows that never overlap, the whole trace span is returned and
 * `overlap` is false.
 */
export function contentionWindow(
  spans: readonly FlowSpan[],
  isFlow: readonly boolean[],
  spanStartNs: number,
  spanEndNs: number,
): { startNs: number; endNs: number; overlap: boolean } {
  let start = Number.NEGATIVE_INFINITY;
  let end = Number.POSITIVE_INFINITY;
  let flows = 0;
  spans.forEach((s, i) => {
    if (!isFlow[i]) return;
    flows++;
    start = Math.max(start, s.firstQNs);
    end = Math.min(end, s.lastCNs);
  });
  if (flows < 2 || !(end > start)) return { startNs: spanStartNs, endNs: spanEndNs, overlap: false };
  return { startNs: start, endNs: end, overlap: true };
}

/**
 * The intervals in which every flow (mask true) has I/O outstanding, and Jain's index over
 * each flow's completions inside them per second of them. An I/O never completed is
 * outstanding until `endNs`. Only rows below `countBelow` count as completions (the I/Os of
 * a table whose later rows are empty flushes).
 */
export function backloggedFairness(
  ios: Intervals,
  groupOf: ArrayLike<number>,
  isFlow: readonly boolean[],
  endNs: number,
  countBelow: number = ios.length,
): { jain: number; ns: number } {
  const flows: number[] = [];
  isFlow.forEach((f, g) => {
    if (f) flows.push(g);
  });
  if (flows.length < 2) return { jain: 1, ns: 0 };
  const slot = new Map(flows.map((g, k) => [g, k]));
  // Every flow's [Q, C] spans in one pass over the rows, then each merged into busy time.
  const spans: number[][] = flows.map(() => []);
  for (let i = 0; i < ios.length; i++) {
    const k = slot.get(groupOf[i]);
    if (k === undefined) continue;
    const q = ios.tQ[i];
    spans[k].push(q, ios.tC[i] === NONE ? Math.max(q, endNs) : Math.max(q, ios.tC[i]));
  }
  let common = busyIntervals(spans[0]);
  for (let k = 1; k < flows.length && common.length > 0; k++)
    common = intersect(common, busyIntervals(spans[k]));
  let ns = 0;
  for (let j = 0; j < common.length; j += 2) ns += common[j + 1] - common[j];
  if (ns <= 0) return { jain: 1, ns: 0 };
  const done = new Float64Array(flows.length);
  for (let i = 0; i < countBelow; i++) {
    const k = slot.get(groupOf[i]);
    if (k !== undefined && ios.tC[i] !== NONE && inside(common, ios.tC[i])) done[k]++;
  }
  const seconds = ns / 1e9;
  return { jain: jainIndex(Array.from(done, (c) => c / seconds)), ns };
}

/** [start, end] spans (flattened pairs) merged into sorted, disjoint busy intervals. */
function busyIntervals(spans: number[]): number[] {
  const order = Array.from({ length: spans.length / 2 }, (_, j) => j);
  order.sort((a, b) => spans[2 * a] - spans[2 * b]);
  const out: number[] = [];
  for (const j of order) {
    const a = spans[2 * j];
    const b = spans[2 * j + 1];
    const n = out.length;
    if (n > 0 && a <= out[n - 1]) out[n - 1] = Math.max(out[n - 1], b);
    else out.push(a, b);
  }
  return out;
}

/** The intersection of two sorted, disjoint interval lists (flattened pairs). */
function intersect(x: number[], y: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const a = Math.max(x[i], y[j]);
    const b = Math.min(x[i + 1], y[j + 1]);
    if (a < b) out.push(a, b);
    if (x[i + 1] < y[j + 1]) i += 2;
    else j += 2;
  }
  return out;
}

/** Whether t lies in one of the sorted intervals [start, end] (ends included). */
function inside(iv: number[], t: number): boolean {
  let lo = 0;
  let hi = iv.length / 2 - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (t < iv[2 * m]) hi = m - 1;
    else if (t > iv[2 * m + 1]) lo = m + 1;
    else return true;
  }
  return false;
}
