// The rows of some processes only: how a process is replayed "alone" for slowdown fairness
// (devices-metrics-peers §3.4). The other processes' I/Os are dropped before the replay plan is
// built, so the kept ones see an otherwise idle queue and device.
import { IO_COLUMN_NAMES, type IoTable, IoTableBuilder, NONE } from '../trace/io-table.js';

/** A copy of `ios` with only the rows of the listed pids (row order kept; `ios` when all are kept). */
export function selectPids(ios: IoTable, pids: readonly number[]): IoTable {
  const wanted = new Set(pids);
  let kept = 0;
  for (let i = 0; i < ios.length; i++) if (wanted.has(ios.pid[i])) kept++;
  if (kept === ios.length) return ios;
  const b = new IoTableBuilder(kept);
  const out = b.table;
  for (let i = 0; i < ios.length; i++) {
    if (!wanted.has(ios.pid[i])) continue;
    const r = b.push();
    for (const name of IO_COLUMN_NAMES) out[name][r] = ios[name][i];
  }
  // Merge links name rows of the input table; the replay does not read them.
  const t = b.finish();
  t.mergedInto.fill(NONE);
  return t;
}
