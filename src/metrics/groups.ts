// Per-group counts, spans and latency summaries over an IoTable, with no object per I/O:
// each latency kind (Q2C, Q2D, D2C) is sorted once for the whole table (sortedLatencies),
// and any grouping (process, op, class) then takes its groups' sorted samples in one linear
// pass. The same code serves a recorded trace (inspect) and a replay (run).
import { type IoTable, NONE } from '../trace/io-table.js';
import { type StageLatency, summarizeSorted } from './latency-summary.js';
import { sortWithRows } from './sort.js';

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

/** btt/inlines.h tdelta: a latency is at least 1 ns, also when clocks of two CPUs disagree. */
function latencyNs(from: number, to: number): number {
  return from < to ? to - from : 1;
}

/** Every latency sample of a table, ascending, with the row it belongs to. */
export interface SortedLatencies {
  /** Completed I/Os: C - Q. */
  q2c: { values: Float64Array; rows: Int32Array };
  /** Dispatched I/Os: D - Q. */
  q2d: { values: Float64Array; rows: Int32Array };
  /** Dispatched and completed I/Os: C - D. */
  d2c: { values: Float64Array; rows: Int32Array };
}

/** Collects and sorts the three latency kinds of `ios`. */
export function sortedLatencies(ios: IoTable): SortedLatencies {
  const { tQ, tD, tC } = ios;
  let nc = 0;
  let nd = 0;
  let ndc = 0;
  for (let i = 0; i < ios.length; i++) {
    const done = tC[i] !== NONE;
    const issued = tD[i] !== NONE;
    if (done) nc++;
    if (issued) nd++;
    if (done && issued) ndc++;
  }
  const kind = (n: number) => ({ values: new Float64Array(n), rows: new Int32Array(n) });
  const out: SortedLatencies = { q2c: kind(nc), q2d: kind(nd), d2c: kind(ndc) };
  nc = 0;
  nd = 0;
  ndc = 0;
  for (let i = 0; i < ios.length; i++) {
    const done = tC[i] !== NONE;
    const issued = tD[i] !== NONE;
    if (done) {
      out.q2c.values[nc] = latencyNs(tQ[i], tC[i]);
      out.q2c.rows[nc++] = i;
    }
    if (issued) {
      out.q2d.values[nd] = latencyNs(tQ[i], tD[i]);
      out.q2d.rows[nd++] = i;
    }
    if (done && issued) {
      out.d2c.values[ndc] = latencyNs(tD[i], tC[i]);
      out.d2c.rows[ndc++] = i;
    }
  }
  for (const k of [out.q2c, out.q2d, out.d2c]) sortWithRows(k.values, k.rows);
  return out;
}

/**
 * Statistics for groups 0..nGroups-1; `groupOf[row]` names each row's group (a negative id
 * leaves the row out). Pass `sorted` (from sortedLatencies of the same table) when several
 * groupings are summarised, so that sorting happens once.
 */
export function groupStats(
  ios: IoTable,
  groupOf: ArrayLike<number>,
  nGroups: number,
  sorted: SortedLatencies = sortedLatencies(ios),
): GroupStats[] {
  const { tQ, tC, bytes } = ios;
  const count = new Float64Array(nGroups);
  const completed = new Float64Array(nGroups);
  const completedBytes = new Float64Array(nGroups);
  const firstQ = new Float64Array(nGroups).fill(Number.POSITIVE_INFINITY);
  const lastC = new Float64Array(nGroups).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < ios.length; i++) {
    const g = groupOf[i];
    if (g < 0) continue;
    count[g]++;
    if (tQ[i] < firstQ[g]) firstQ[g] = tQ[i];
    if (tC[i] !== NONE) {
      completed[g]++;
      completedBytes[g] += bytes[i];
      if (tC[i] > lastC[g]) lastC[g] = tC[i];
    }
  }
  const q2c = splitSorted(sorted.q2c, groupOf, nGroups);
  const q2d = splitSorted(sorted.q2d, groupOf, nGroups);
  const d2c = splitSorted(sorted.d2c, groupOf, nGroups);
  const out: GroupStats[] = [];
  for (let g = 0; g < nGroups; g++) {
    out.push({
      ios: count[g],
      completed: completed[g],
      completedBytes: completedBytes[g],
      firstQNs: count[g] > 0 ? firstQ[g] : NONE,
      lastCNs: completed[g] > 0 ? lastC[g] : NONE,
      latency: {
        q2c_ns: summarizeSorted(q2c[g]),
        q2d_ns: summarizeSorted(q2d[g]),
        d2c_ns: summarizeSorted(d2c[g]),
      },
    });
  }
  return out;
}

/** Each group's samples, still ascending (a stable counting partition of the sorted whole). */
function splitSorted(
  kind: { values: Float64Array; rows: Int32Array },
  groupOf: ArrayLike<number>,
  nGroups: number,
): Float64Array[] {
  const { values, rows } = kind;
  const n = values.length;
  const count = new Float64Array(nGroups + 1);
  for (let j = 0; j < n; j++) {
    const g = groupOf[rows[j]];
    if (g >= 0) count[g + 1]++;
  }
  for (let g = 1; g <= nGroups; g++) count[g] += count[g - 1];
  const all = new Float64Array(count[nGroups]);
  const fill = count.slice(0, nGroups);
  for (let j = 0; j < n; j++) {
    const g = groupOf[rows[j]];
    if (g >= 0) all[fill[g]++] = values[j];
  }
  return Array.from({ length: nGroups }, (_, g) => all.subarray(count[g], count[g + 1]));
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
