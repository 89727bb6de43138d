// Closed-loop (dependency-aware) replay: each I/O follows the latest earlier event of its own
// process in the trace, either the completion of one of its I/Os or its previous submission,
// and is issued the same delay after that event's simulated time. A policy that slows a
// process's completions therefore slows that process's arrivals, as on a real machine.
// Needs completion times; replay.ts falls back to open-loop (and says so) when there are none.
import { type IoTable, NONE } from '../trace/io-table.js';
import { ARRIVE, type ArrivalPlan, emptyPlan, type ProcessOrder, processOrder, scaled } from './plan.js';

export interface ClosedOptions {
  /** Multiplier of the recorded delays (think times); 1 = as recorded. */
  timeScale: number;
}

/**
 * Arrival plan for closed-loop replay. A process's first I/O arrives at its recorded time
 * (relative to the trace start, scaled). Every later I/O r depends on the later of:
 * the process's previous Q, and the latest completion (tC ≤ tQ[r]) of an earlier I/O of the
 * same process; a tie goes to the previous Q. The delay is the recorded gap from that event.
 */
export function planClosed(
  ios: IoTable,
  options: ClosedOptions,
  order: ProcessOrder = processOrder(ios),
): ArrivalPlan {
  const plan = emptyPlan(ios, order, 'closed');
  const { rows, procStart } = order;
  const { tQ, tC } = ios;
  const { kind, dep, delayNs } = plan;
  const t0 = order.t0Ns;
  const scale = options.timeScale;
  for (let p = 0; p + 1 < procStart.length; p++) {
    const start = procStart[p];
    const end = procStart[p + 1];
    // Completions of this process in time order (ties by row, for determinism), as positions
    // in `rows` (so "earlier in the process" is a comparison). Traces mostly complete in
    // submission order: then that order is the rows' own and needs no list.
    let completed: Uint32Array | null = null;
    if (!doneInOrder(rows, start, end, tC)) {
      completed = collectDone(rows, start, end, tC);
      completed.sort((a, b) => tC[rows[a]] - tC[rows[b]] || rows[a] - rows[b]);
    }
    closedRows(rows, start, end, completed, tQ, tC, kind, dep, delayNs, t0, scale);
  }
  return plan;
}

// The per-row loops are functions of their own (see plan.ts processOrder).

// True if the completed rows of rows[start..end), in that order, are in (time, row) order.
function doneInOrder(rows: Uint32Array, start: number, end: number, tC: Float64Array): boolean {
  let lastT = Number.NEGATIVE_INFINITY;
  let lastR = -1;
  for (let k = start; k < end; k++) {
    const r = rows[k];
    const t = tC[r];
    if (t === NONE) continue;
    if (t < lastT || (t === lastT && r < lastR)) return false;
    lastT = t;
    lastR = r;
  }
  return true;
}

// Positions in `rows` of the completed rows of rows[start..end), in position order.
function collectDone(rows: Uint32Array, start: number, end: number, tC: Float64Array): Uint32Array {
  let n = 0;
  for (let k = start; k < end; k++) if (tC[rows[k]] !== NONE) n++;
  const completed = new Uint32Array(n);
  let m = 0;
  for (let k = start; k < end; k++) if (tC[rows[k]] !== NONE) completed[m++] = k;
  return completed;
}

// One process's rows[start..end): kind, dependency and delay of each (see planClosed).
// `completed`: the completed rows' positions in completion order, or null when that is
// position order (the positions are then found by scanning).
function closedRows(
  rows: Uint32Array,
  start: number,
  end: number,
  completed: Uint32Array | null,
  tQ: Float64Array,
  tC: Float64Array,
  kind: Uint8Array,
  dep: Int32Array,
  delayNs: Float64Array,
  t0: number,
  scale: number,
): void {
  // The next completion in order: its index in `completed`, or (null) its position.
  let j = completed === null ? start : 0;
  const jEnd = completed === null ? end : completed.length;
  if (completed === null) while (j < jEnd && tC[rows[j]] === NONE) j++;
  let lastDone = -1;
  for (let k = start; k < end; k++) {
    const r = rows[k];
    const q = tQ[r];
    // Advance over completions at or before this Q. One of a later-or-same row (only
    // possible for a zero-latency I/O) waits until that row has been passed.
    for (;;) {
      if (j >= jEnd) break;
      const c = completed === null ? j : completed[j];
      if (c >= k || tC[rows[c]] > q) break;
      lastDone = rows[c];
      j++;
      if (completed === null) while (j < jEnd && tC[rows[j]] === NONE) j++;
    }
    if (k === start) {
      kind[r] = ARRIVE.AT;
      delayNs[r] = scaled(q - t0, scale);
      continue;
    }
    const prev = rows[k - 1];
    if (lastDone >= 0 && tC[lastDone] > tQ[prev]) {
      kind[r] = ARRIVE.AFTER_COMPLETION;
      dep[r] = lastDone;
      delayNs[r] = scaled(q - tC[lastDone], scale);
    } else {
      kind[r] = ARRIVE.AFTER_ISSUE;
      dep[r] = prev;
      delayNs[r] = scaled(q - tQ[prev], scale);
    }
  }
}
