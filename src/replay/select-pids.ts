// The rows of some processes only: how a process is replayed "alone" for slowdown fairness
// (devices-metrics-peers §3.4). The other processes' I/Os are dropped before the replay plan is
// built, so the kept ones see an otherwise idle queue and device.
import { type IoTable, NONE } from '../trace/io-table.js';
import { copyRows } from './tables.js';

/** A copy of `ios` with only the rows of the listed pids (row order kept; `ios` when all are kept). */
export function selectPids(ios: IoTable, pids: readonly number[]): IoTable {
  const wanted = new Set(pids);
  const keep = (i: number) => wanted.has(ios.pid[i]);
  let kept = 0;
  for (let i = 0; i < ios.length; i++) if (keep(i)) kept++;
  if (kept === ios.length) return ios;
  const t = copyRows(ios, kept, keep);
  // Merge links name rows of the input table; the replay does not read them.
  t.mergedInto.fill(NONE);
  return t;
}
