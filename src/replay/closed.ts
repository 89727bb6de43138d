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
  const pos = new Int32Array(ios.length);
  for (let p = 0; p + 1 < procStart.length; p++) {
    const start = procStart[p];
    const end = procStart[p + 1];
    let nDone = 0;
    for (let k = start; k < end; k++) {
      pos[rows[k]] = k;
      if (tC[rows[k]] !== NONE) nDone++;
    }
    // Completions of this process in time order (ties by row, for determinism). Traces mostly
    // complete in submission order, so the sort is skipped when they already are in order.
    const completed = new Uint32Array(nDone);
    let m = 0;
    let inOrder = true;
    for (let k = start; k < end; k++) {
      const r = rows[k];
      if (tC[r] === NONE) continue;
      if (m > 0 && (tC[r] < tC[completed[m - 1]] || (tC[r] === tC[completed[m - 1]] && r < completed[m - 1])))
        inOrder = false;
      completed[m++] = r;
    }
    if (!inOrder) completed.sort((a, b) => tC[a] - tC[b] || a - b);
    let j = 0;
    let lastDone = -1;
    for (let k = start; k < end; k++) {
      const r = rows[k];
      const q = tQ[r];
      // Advance over completions at or before this Q. One of a later-or-same row (only
      // possible for a zero-latency I/O) waits until that row has been passed.
      while (j < completed.length && tC[completed[j]] <= q && pos[completed[j]] < k)
        lastDone = completed[j++];
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
  return plan;
}
