// The compact series a comparison report draws from (devices-metrics-peers §4.3): the Q2C
// latency CDF sampled at fixed percentiles, the completed I/Os and bytes per time bin, and
// each process's completed bytes. Small enough to ride along in every run result, so that a
// report can be rebuilt from results.json alone; no object per I/O.
import { type IoTable, NONE } from '../trace/io-table.js';
import { percentileOfSorted } from './percentiles.js';
import { sortWithRows } from './sort.js';

/**
 * Percentiles (0..100) at which the Q2C CDF is sampled: every 2 % for the body, then the
 * tail points a scheduler comparison is judged on. 0 is the minimum (nearest rank 1).
 */
export const CDF_PERCENTILES: readonly number[] = Object.freeze([
  ...Array.from({ length: 50 }, (_, i) => i * 2),
  99,
  99.5,
  99.9,
  99.95,
  99.99,
  100,
]);

/** Most time bins a timeline gets; the bin width grows in 1-2-5 steps to stay under it. */
export const MAX_TIMELINE_BINS = 100;
/** Narrowest bin, ns (1 ms: finer bins hold too few completions to read as a rate). */
export const MIN_BIN_NS = 1_000_000;

export interface ThroughputTimeline {
  /** Start of the first bin: the first Q, ns. */
  startNs: number;
  /** Bin width, ns (1, 2 or 5 × a power of ten, at least MIN_BIN_NS). */
  binNs: number;
  /** Completions whose C falls in each bin. */
  ios: number[];
  /** Their bytes. */
  bytes: number[];
}

export interface RunSeries {
  /** Percentiles (0..100) of `q2cNs`. */
  percentiles: number[];
  /** Nearest-rank Q2C at each percentile, ns (all 0 when nothing completed). */
  q2cNs: number[];
  timeline: ThroughputTimeline;
  /** Completed bytes of each process, keyed by pid, in ascending pid order. */
  processBytes: { pid: number; bytes: number }[];
}

/** The series of a table of I/Os with stage times (a replay's simulated table). */
export function runSeries(ios: IoTable): RunSeries {
  return {
    percentiles: [...CDF_PERCENTILES],
    q2cNs: q2cCdf(ios),
    timeline: timeline(ios),
    processBytes: bytesByPid(ios),
  };
}

/** Q2C at every CDF_PERCENTILES point (btt/inlines.h tdelta: at least 1 ns). */
function q2cCdf(ios: IoTable): number[] {
  const { tQ, tC } = ios;
  let n = 0;
  for (let i = 0; i < ios.length; i++) if (tC[i] !== NONE && tQ[i] !== NONE) n++;
  const values = new Float64Array(n);
  n = 0;
  for (let i = 0; i < ios.length; i++)
    if (tC[i] !== NONE && tQ[i] !== NONE) values[n++] = tQ[i] < tC[i] ? tC[i] - tQ[i] : 1;
  sortWithRows(values, new Int32Array(n));
  return CDF_PERCENTILES.map((p) => Math.round(percentileOfSorted(values, p)));
}

/** Smallest 1-2-5 bin width covering `spanNs` in at most MAX_TIMELINE_BINS bins. */
export function binWidthNs(spanNs: number): number {
  const want = Math.max(MIN_BIN_NS, spanNs / MAX_TIMELINE_BINS);
  for (let decade = MIN_BIN_NS; ; decade *= 10)
    for (const step of [1, 2, 5]) if (step * decade >= want) return step * decade;
}

function timeline(ios: IoTable): ThroughputTimeline {
  const { tQ, tC, bytes } = ios;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ios.length; i++) {
    if (tQ[i] !== NONE && tQ[i] < first) first = tQ[i];
    if (tC[i] !== NONE && tC[i] > last) last = tC[i];
  }
  if (!(last >= first)) return { startNs: 0, binNs: MIN_BIN_NS, ios: [], bytes: [] };
  const binNs = binWidthNs(last - first);
  const nBins = Math.floor((last - first) / binNs) + 1;
  const count = new Array<number>(nBins).fill(0);
  const sum = new Array<number>(nBins).fill(0);
  for (let i = 0; i < ios.length; i++) {
    if (tC[i] === NONE) continue;
    const b = Math.floor((tC[i] - first) / binNs);
    count[b]++;
    sum[b] += bytes[i];
  }
  return { startNs: first, binNs, ios: count, bytes: sum };
}

function bytesByPid(ios: IoTable): { pid: number; bytes: number }[] {
  // A dense index per pid; runs of one pid's rows skip the map.
  const index = new Map<number, number>();
  const pids: number[] = [];
  const sums: number[] = [];
  const { pid, tC, bytes } = ios;
  let lastPid = -1;
  let g = -1;
  for (let i = 0; i < ios.length; i++) {
    if (pid[i] !== lastPid) {
      lastPid = pid[i];
      const known = index.get(lastPid);
      if (known === undefined) {
        g = pids.length;
        index.set(lastPid, g);
        pids.push(lastPid);
        sums.push(0);
      } else g = known;
    }
    sums[g] += tC[i] !== NONE ? bytes[i] : 0;
  }
  return pids.map((p, k) => ({ pid: p, bytes: sums[k] })).sort((a, b) => a.pid - b.pid);
}
