// The compact series a comparison report draws from (devices-metrics-peers §4.3): the Q2C
// latency CDF sampled at fixed percentiles, the completed I/Os and bytes per time bin, and
// each process's completed bytes. Small enough to ride along in every run result, so that a
// report can be rebuilt from results.json alone; no object per I/O.
import { type IoTable, NONE } from '../trace/io-table.js';
import { nearestRank, percentileOfSorted } from './percentiles.js';
import { logBucket, logBuckets, planSlots, type SlotPlan, Slots } from './rank-select.js';
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
  // Pass 1 counts Q2C into a histogram and finds the span and each pid's bytes; pass 2
  // refines the Q2C buckets holding a CDF rank and bins the completions (rank-select.ts).
  const hist = new Int32Array(logBuckets(STEP_BITS));
  const first = firstPass(ios, hist);
  let q2cNs: number[];
  let timeline: ThroughputTimeline;
  if (!first.exact) {
    q2cNs = q2cCdf(ios);
    timeline = binned(ios, first.startNs, first.endNs, null, null, null);
  } else {
    const n = first.q2c;
    const buckets: number[] = [];
    const sizes: number[] = [];
    const plan =
      n === 0
        ? null
        : planSlots(
            hist,
            0,
            CDF_PERCENTILES.map((p) => nearestRank(p, n)),
            buckets,
            sizes,
          );
    const slots = new Slots(buckets, sizes, STEP_BITS);
    timeline = binned(ios, first.startNs, first.endNs, hist, slots, plan);
    q2cNs = new Array<number>(CDF_PERCENTILES.length).fill(0);
    if (plan !== null) slots.resolve(plan, q2cNs, 0);
  }
  return {
    percentiles: [...CDF_PERCENTILES],
    q2cNs,
    timeline,
    processBytes: first.processBytes,
  };
}

/** Log-linear steps per power of two of the Q2C histogram (rank-select.ts): 2^8. */
const STEP_BITS = 8;

interface FirstPass {
  /** False when a Q2C is not an integer below 2^32: `hist` is then incomplete (sort instead). */
  exact: boolean;
  /** Q2C samples (rows with Q and C). */
  q2c: number;
  /** First Q and last C; +/-Infinity when absent. */
  startNs: number;
  endNs: number;
  processBytes: { pid: number; bytes: number }[];
}

/**
 * Q2C counted into `hist` (btt/inlines.h tdelta: at least 1 ns) while every one is an integer
 * below 2^32, the span and each pid's completed bytes.
 */
function firstPass(ios: IoTable, hist: Int32Array): FirstPass {
  const { tQ, tC, pid, bytes } = ios;
  const bits = STEP_BITS;
  let exact = true;
  let q2c = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  // A dense index per pid; runs of one pid's rows skip the map.
  const index = new Map<number, number>();
  const pids: number[] = [];
  const sums: number[] = [];
  let lastPid = -1;
  let g = -1;
  for (let i = 0; i < ios.length; i++) {
    const q = tQ[i];
    const c = tC[i];
    if (q !== NONE && q < first) first = q;
    if (pid[i] !== lastPid) {
      lastPid = pid[i];
      const known = index.get(lastPid);
      if (known === undefined) {
        g = pids.length;
        index.set(lastPid, g);
        pids.push(lastPid);
        // -0: a double from the start, like every sum (see group-select.ts); + 0 makes it 0.
        sums.push(-0);
      } else g = known;
    }
    if (c === NONE) continue;
    sums[g] += bytes[i];
    if (c > last) last = c;
    if (q === NONE) continue;
    const v = q < c ? c - q : 1;
    const u = v >>> 0;
    if (u !== v) exact = false;
    else if (exact) hist[logBucket(u, bits)]++;
    q2c++;
  }
  const processBytes = pids.map((p, k) => ({ pid: p, bytes: sums[k] + 0 })).sort((a, b) => a.pid - b.pid);
  return { exact, q2c, startNs: first, endNs: last, processBytes };
}

/** Q2C at every CDF_PERCENTILES point by sorting (the general path). */
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

/**
 * Completions and their bytes per bin of [first, last]; with `slots`, also each Q2C whose
 * bucket of `hist` is a slot is refined.
 */
function binned(
  ios: IoTable,
  first: number,
  last: number,
  hist: Int32Array | null,
  slots: Slots | null,
  plan: SlotPlan | null,
): ThroughputTimeline {
  const empty = !(last >= first);
  const binNs = empty ? MIN_BIN_NS : binWidthNs(last - first);
  const nBins = empty ? 0 : Math.floor((last - first) / binNs) + 1;
  // A C before the first Q has no bin (index < 0).
  const count = new Float64Array(nBins);
  const sum = new Float64Array(nBins);
  const refine = hist !== null && slots !== null && plan !== null;
  const bits = STEP_BITS;
  const { tQ, tC, bytes } = ios;
  for (let i = 0; i < ios.length; i++) {
    const c = tC[i];
    if (c === NONE) continue;
    if (!empty) {
      const b = Math.floor((c - first) / binNs);
      count[b]++;
      sum[b] += bytes[i];
    }
    const q = tQ[i];
    if (!refine || q === NONE) continue;
    const u = q < c ? c - q : 1;
    const h = hist[logBucket(u, bits)];
    if (h < 0) slots.add(h, u);
  }
  if (empty) return { startNs: 0, binNs: MIN_BIN_NS, ios: [], bytes: [] };
  return { startNs: first, binNs, ios: Array.from(count), bytes: Array.from(sum) };
}
