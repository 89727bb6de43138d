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
    // submission order, so the sort is skipped when they already are in order.
    const completed = collectDone(rows, start, end, tC);
    if (!doneInOrder(rows, completed, tC))
      completed.sort((a, b) => tC[rows[a]] - tC[rows[b]] || rows[a] - rows[b]);
    closedRows(rows, start, end, completed, tQ, tC, kind, dep, delayNs, t0, scale);
  }
  return plan;
}

// The per-row loops are functions of their own (see plan.ts processOrder).

// True if the rows at these positions, in this order, are in (completion time, row) order.
function doneInOrder(rows: Uint32Array, positions: Uint32Array, tC: Float64Array): boolean {
  for (let j = 1; j < positions.length; j++) {
    const a = rows[positions[j - 1]];
    const b = rows[positions[j]];
    if (tC[b] < tC[a] || (tC[b] === tC[a] && b < a)) return false;
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
// `completed`: the completed rows' positions in completion order.
function closedRows(
  rows: Uint32Array,
  start: number,
  end: number,
  completed: Uint32Array,
  tQ: Float64Array,
  tC: Float64Array,
  kind: Uint8Array,
  dep: Int32Array,
  delayNs: Float64Array,
  t0: number,
  scale: number,
): void {
  let j = 0;
  let lastDone = -1;
  for (let k = start; k < end; k++) {
    const r = rows[k];
    const q = tQ[r];
    // Advance over completions at or before this Q. One of a later-or-same row (only
    // possible for a zero-latency I/O) waits until that row has been passed.
    while (j < completed.length) {
      const c = completed[j];
      if (c >= k || tC[rows[c]] > q) break;
      lastDone = rows[c];
      j++;
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
