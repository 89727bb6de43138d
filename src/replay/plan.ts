// An arrival plan: when each recorded I/O is handed to the simulated block layer, as data.
// The three replay modes (open.ts, closed.ts, afap.ts) each build one from an IoTable; the
// driver (driver.ts) executes it against the engine. A plan is typed arrays indexed by IoTable
// row, so a 10-million-I/O trace needs no object per I/O. This module groups rows by process.
import { type IoTable, NONE } from '../trace/io-table.js';

export type ReplayMode = 'open' | 'closed' | 'afap';
export const REPLAY_MODES: readonly ReplayMode[] = ['open', 'closed', 'afap'];

/** How a row's arrival time is found. */
export const ARRIVE = {
  /** At `delayNs` after the start of the replay. */
  AT: 0,
  /** `delayNs` after the simulated submission of the process's previous I/O (`dep`). */
  AFTER_ISSUE: 1,
  /** `delayNs` after the simulated completion of the process's I/O `dep`. */
  AFTER_COMPLETION: 2,
  /** When the process has fewer than its depth of I/Os in flight (afap). */
  AT_DEPTH: 3,
} as const;
export type ArriveKind = (typeof ARRIVE)[keyof typeof ARRIVE];

/**
 * The replay order of a trace's I/Os, by process. Processes are numbered densely in the order
 * their first I/O arrives in the trace; within a process, rows keep trace Q order, which the
 * driver preserves (a process submits its I/Os one after the other).
 */
export interface ProcessOrder {
  /** Replayed rows, grouped by process; rows[procStart[p] .. procStart[p+1]) belong to p. */
  rows: Uint32Array;
  procStart: Uint32Array;
  /** pid of each process. */
  procPid: Uint32Array;
  /** Dense process index of each row; -1 for rows not replayed. */
  procOf: Int32Array;
  /** Smallest Q time in the trace (ns): trace time t becomes simulated time t - t0. */
  t0Ns: number;
  /** Rows without a Q time, which cannot be replayed. */
  skipped: number;
}

export interface ArrivalPlan extends ProcessOrder {
  mode: ReplayMode;
  /** Per row (IoTable index): ARRIVE kind, the row it depends on (or -1), the delay in ns. */
  kind: Uint8Array;
  dep: Int32Array;
  delayNs: Float64Array;
  /** Per process: most I/Os in flight at once (afap); 0 in other modes. */
  depth: Uint32Array;
}

/** Rows that have a Q time, ordered by (tQ, row): the trace's arrival order. */
export function arrivalOrder(ios: IoTable): { order: Uint32Array; skipped: number } {
  const n = ios.length;
  const order = new Uint32Array(n);
  let m = 0;
  let sorted = true;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = ios.tQ[i];
    if (t === NONE) continue;
    if (t < last) sorted = false;
    last = t;
    order[m++] = i;
  }
  const out = order.subarray(0, m);
  // Pairing emits rows in Q order, so the sort is normally skipped; a table of data rows
  // followed by empty-flush rows (replay.ts) is two sorted runs, merged in one pass.
  if (!sorted && !mergeTwoRuns(out, ios.tQ)) out.sort((a, b) => ios.tQ[a] - ios.tQ[b] || a - b);
  return { order: out, skipped: n - m };
}

/**
 * Orders `rows` by (t, row) in place when they form two ascending runs; false (rows untouched)
 * otherwise. Rows within each run ascend, so equal times keep row order.
 */
function mergeTwoRuns(rows: Uint32Array, t: Float64Array): boolean {
  let cut = 1;
  while (cut < rows.length && t[rows[cut]] >= t[rows[cut - 1]]) cut++;
  for (let k = cut + 1; k < rows.length; k++) if (t[rows[k]] < t[rows[k - 1]]) return false;
  const left = rows.slice(0, cut);
  const right = rows.slice(cut);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < left.length && j < right.length) {
    const a = left[i];
    const b = right[j];
    if (t[a] < t[b] || (t[a] === t[b] && a < b)) {
      rows[k++] = a;
      i++;
    } else {
      rows[k++] = b;
      j++;
    }
  }
  while (i < left.length) rows[k++] = left[i++];
  while (j < right.length) rows[k++] = right[j++];
  return true;
}

/** Groups the trace's rows by process (pid), each process in trace Q order. */
export function processOrder(ios: IoTable): ProcessOrder {
  const { order, skipped } = arrivalOrder(ios);
  const procOf = new Int32Array(ios.length).fill(-1);
  const pids: number[] = [];
  const counts: number[] = [];
  numberProcesses(order, ios.pid, procOf, pids, counts);
  const procStart = new Uint32Array(pids.length + 1);
  for (let p = 0; p < pids.length; p++) procStart[p + 1] = procStart[p] + counts[p];
  const rows = new Uint32Array(order.length);
  placeRows(order, procOf, procStart.slice(0, pids.length), rows);
  return {
    rows,
    procStart,
    procPid: Uint32Array.from(pids),
    procOf,
    t0Ns: order.length > 0 ? ios.tQ[order[0]] : 0,
    skipped,
  };
}

// The one-shot loops over every row are functions of their own (here and in closed.ts): V8
// compiles a long loop on the stack (OSR) only as far as the code has run, so a function
// with several loops drops back to the interpreter at the end of each one.

// Numbers the processes in arrival order (procOf, their pids) and counts their rows.
function numberProcesses(
  order: Uint32Array,
  pidOf: Uint32Array,
  procOf: Int32Array,
  pids: number[],
  counts: number[],
): void {
  const index = new Map<number, number>();
  let lastPid = -1;
  let lastP = -1;
  for (let k = 0; k < order.length; k++) {
    const r = order[k];
    const pid = pidOf[r];
    // Runs of one process's rows skip the map.
    let p = pid === lastPid ? lastP : index.get(pid);
    if (p === undefined) {
      p = pids.length;
      index.set(pid, p);
      pids.push(pid);
      counts.push(0);
    }
    lastPid = pid;
    lastP = p;
    procOf[r] = p;
    counts[p]++;
  }
}

// Rows in arrival order into their process's range (`fill`: each range's next free slot).
function placeRows(order: Uint32Array, procOf: Int32Array, fill: Uint32Array, rows: Uint32Array): void {
  for (let k = 0; k < order.length; k++) {
    const r = order[k];
    rows[fill[procOf[r]]++] = r;
  }
}

/** A plan with every row's kind, dependency and delay still to be filled in. */
export function emptyPlan(ios: IoTable, order: ProcessOrder, mode: ReplayMode): ArrivalPlan {
  return {
    ...order,
    mode,
    kind: new Uint8Array(ios.length),
    dep: new Int32Array(ios.length).fill(-1),
    delayNs: new Float64Array(ios.length),
    depth: new Uint32Array(order.procPid.length),
  };
}

/** True when at least one I/O of the trace has a completion time. */
export function hasCompletions(ios: IoTable): boolean {
  for (let i = 0; i < ios.length; i++) if (ios.tC[i] !== NONE) return true;
  return false;
}

/** A trace gap scaled by --time-scale, rounded to the engine's integer ns. */
export function scaled(gapNs: number, timeScale: number): number {
  return Math.max(0, Math.round(gapNs * timeScale));
}
