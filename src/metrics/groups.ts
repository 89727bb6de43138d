// Per-group counts, spans and latency summaries over an IoTable, with no object per I/O.
// Several groupings (whole table, process, op, class) are summarised together. Radix
// selection (group-select.ts) gives every group's figures in two passes over the rows
// without sorting; samples it cannot treat exactly go to groups-sorted.ts, which sorts each
// latency kind once. Both give the same figures. Serves `inspect` and `run` alike.
import { type IoTable, NONE } from '../trace/io-table.js';
import { selectStats } from './group-select.js';
import { sortedStats } from './groups-sorted.js';
import type { StageLatency } from './latency-summary.js';

export interface GroupStats {
  /** I/Os (Q rows) in the group. */
  ios: number;
  /** Of those, completed (tC seen), and their bytes. */
  completed: number;
  completedBytes: number;
  /** First Q and last C of the group, ns; NONE when absent. */
  firstQNs: number;
  lastCNs: number;
  latency: StageLatency;
}

/** One way of grouping rows: `groupOf[row]` in 0..nGroups-1, negative to leave the row out. */
export interface Grouping {
  /** null puts every row in group 0 (the whole table). */
  groupOf: ArrayLike<number> | null;
  nGroups: number;
}

/**
 * Statistics for groups 0..nGroups-1 of one grouping; `groupOf[row]` names each row's group
 * (a negative id leaves the row out).
 */
export function groupStats(ios: IoTable, groupOf: ArrayLike<number>, nGroups: number): GroupStats[] {
  return groupStatsMany(ios, [{ groupOf, nGroups }])[0];
}

/** Statistics of several groupings of the same table. */
export function groupStatsMany(ios: IoTable, groupings: readonly Grouping[]): GroupStats[][] {
  return selectStats(ios, groupings) ?? sortedStats(ios, groupings);
}

/** Completions of each group with tC inside [startNs, endNs]. */
export function completionsBetween(
  ios: IoTable,
  groupOf: ArrayLike<number>,
  nGroups: number,
  startNs: number,
  endNs: number,
): Float64Array {
  const out = new Float64Array(nGroups);
  const tC = ios.tC;
  for (let i = 0; i < ios.length; i++) {
    const g = groupOf[i];
    const t = tC[i];
    if (g >= 0 && t !== NONE && t >= startNs && t <= endNs) out[g]++;
  }
  return out;
}
