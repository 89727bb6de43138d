// Per-group statistics by radix selection (rank-select.ts), in two passes over the rows and
// no sort. The first pass takes every count, span and sum, computes the three latencies of
// each I/O (Q2C, Q2D, D2C) and counts each into a log-linear histogram of the whole table
// and of its group in every grouping. The buckets holding a wanted rank (the percentiles,
// and the last rank for the maximum) become slots; the second pass refines only the samples
// that fall in a slot. Gives up (null) when a latency is not an integer below 2^32, when a
// sum might round, or when there are too many groups for the histograms: groups-sorted.ts
// then sorts, with the same figures. Each pass is a function of its own: a run summarises
// one table, and small functions reach optimised code sooner.
import { type IoTable, NONE } from '../trace/io-table.js';
import type { Grouping, GroupStats } from './groups.js';
import { EMPTY_LATENCY, type LatencySummary } from './latency-summary.js';
import { nearestRank } from './percentiles.js';
import { logBucket, logBuckets, planSlots, type SlotPlan, Slots } from './rank-select.js';

/** Latency kinds, in the order results list them. */
const KINDS = 3;
const KIND_Q2C = 0;
const KIND_Q2D = 1;
const KIND_D2C = 2;
/** Percentiles each summary reports, besides mean and max (CONTRACTS.md "L"). */
const PERCENTILES = [50, 90, 99, 99.9] as const;
/**
 * Log-linear steps per power of two: 2^8, buckets ~0.4 % wide. Finer buckets would leave
 * fewer samples to refine but cost more to scan per histogram; refining is cheap.
 */
const STEP_BITS = 8;
/** Histogram cells all groups of all kinds may use together: 2^21 (8 MiB of counts). */
const MAX_CELLS = 1 << 21;

/** What the passes share: the groupings, the histograms and the per-group sums. */
interface Pass {
  ios: IoTable;
  /** Row-wise groupings: their group arrays, group counts and first histogram. */
  wOf: ArrayLike<number>[];
  wGroups: number[];
  wBase: number[];
  /** Histograms: the whole table (0), then each grouping's groups and its spare id. */
  groups: number;
  bits: number;
  /** Buckets per histogram; cell of kind k, histogram x, bucket b: k * kindCells + x * nb + b. */
  nb: number;
  kindCells: number;
  hist: Int32Array;
  /** Per kind and histogram (k * groups + x): samples and their sum. */
  size: Float64Array;
  sum: Float64Array;
  /** Per histogram. */
  count: Float64Array;
  completed: Float64Array;
  completedBytes: Float64Array;
  firstQ: Float64Array;
  lastC: Float64Array;
}

/** Statistics of `groupings` (see groupStatsMany), or null when selection cannot be exact. */
export function selectStats(ios: IoTable, groupings: readonly Grouping[]): GroupStats[][] | null {
  const walked: number[] = [];
  const wOf: ArrayLike<number>[] = [];
  const wGroups: number[] = [];
  const wBase: number[] = [];
  let groups = 1;
  for (let k = 0; k < groupings.length; k++) {
    const { groupOf, nGroups } = groupings[k];
    if (groupOf === null) continue;
    walked.push(k);
    wOf.push(groupOf);
    wGroups.push(nGroups);
    wBase.push(groups);
    groups += nGroups + 1;
  }
  // Coarser buckets when there are many histograms, within the cell budget.
  let bits = STEP_BITS;
  while (bits > 0 && KINDS * groups * logBuckets(bits) > MAX_CELLS) bits--;
  const nb = logBuckets(bits);
  if (KINDS * groups * nb > MAX_CELLS) return null;
  const pass: Pass = {
    ios,
    wOf,
    wGroups,
    wBase,
    groups,
    bits,
    nb,
    kindCells: groups * nb,
    hist: new Int32Array(KINDS * groups * nb),
    size: new Float64Array(KINDS * groups),
    sum: new Float64Array(KINDS * groups),
    count: new Float64Array(groups),
    completed: new Float64Array(groups),
    completedBytes: new Float64Array(groups),
    firstQ: new Float64Array(groups).fill(Number.POSITIVE_INFINITY),
    lastC: new Float64Array(groups).fill(Number.NEGATIVE_INFINITY),
  };
  if (!countPass(pass)) return null;
  // Every group's sum is exact when the whole's is (sums of non-negative integers).
  for (let k = 0; k < KINDS; k++) if (pass.sum[k * groups] > Number.MAX_SAFE_INTEGER) return null;

  // Each histogram's wanted buckets, marked in place with their slot.
  const plans: (SlotPlan | null)[] = new Array(KINDS * groups).fill(null);
  const wanted = new Uint8Array(KINDS * nb);
  const buckets: number[] = [];
  const sizes: number[] = [];
  for (let kx = 0; kx < KINDS * groups; kx++) {
    const n = pass.size[kx];
    if (n === 0) continue;
    const ranks = PERCENTILES.map((p) => nearestRank(p, n));
    ranks.push(n);
    const first = buckets.length;
    plans[kx] = planSlots(pass.hist, kx * nb, ranks, buckets, sizes);
    const kindWanted = Math.floor(kx / groups) * nb;
    for (let s = first; s < buckets.length; s++) wanted[kindWanted + buckets[s]] = 1;
  }
  const slots = new Slots(buckets, sizes, bits);
  refinePass(pass, wanted, slots);

  const latency: LatencySummary[] = new Array(KINDS * groups);
  const at: number[] = new Array(PERCENTILES.length + 1);
  for (let kx = 0; kx < KINDS * groups; kx++) {
    const plan = plans[kx];
    if (plan === null) {
      latency[kx] = { ...EMPTY_LATENCY };
      continue;
    }
    slots.resolve(plan, at, 0);
    latency[kx] = {
      mean: Math.round(pass.sum[kx] / pass.size[kx]),
      p50: at[0],
      p90: at[1],
      p99: at[2],
      p999: at[3],
      max: at[4],
    };
  }
  const stats = (x: number): GroupStats => ({
    ios: pass.count[x],
    completed: pass.completed[x],
    completedBytes: pass.completedBytes[x],
    firstQNs: pass.count[x] > 0 ? pass.firstQ[x] : NONE,
    lastCNs: pass.completed[x] > 0 ? pass.lastC[x] : NONE,
    latency: {
      q2c_ns: { ...latency[KIND_Q2C * groups + x] },
      q2d_ns: { ...latency[KIND_Q2D * groups + x] },
      d2c_ns: { ...latency[KIND_D2C * groups + x] },
    },
  });
  return groupings.map((g, k) => {
    const out: GroupStats[] = [];
    const w = walked.indexOf(k);
    // A grouping without group array puts every row in group 0.
    for (let j = 0; j < g.nGroups; j++)
      out.push(w >= 0 ? stats(wBase[w] + j) : j === 0 ? stats(0) : emptyStats());
    return out;
  });
}

function emptyStats(): GroupStats {
  return {
    ios: 0,
    completed: 0,
    completedBytes: 0,
    firstQNs: NONE,
    lastCNs: NONE,
    latency: { q2c_ns: { ...EMPTY_LATENCY }, q2d_ns: { ...EMPTY_LATENCY }, d2c_ns: { ...EMPTY_LATENCY } },
  };
}

/**
 * Pass 1: counts, spans, and every latency counted into its histograms; false when a
 * latency is not an integer in [0, 2^32). Buckets: rank-select.ts logBucket.
 */
function countPass(p: Pass): boolean {
  const { tQ, tD, tC, bytes } = p.ios;
  const len = p.ios.length;
  const { hist, sum, size, count, completed, completedBytes, firstQ, lastC, wOf, wGroups, wBase } = p;
  const { bits, nb, groups } = p;
  const q2dAt = KIND_Q2D * p.kindCells;
  const d2cAt = KIND_D2C * p.kindCells;
  const nw = wOf.length;
  // Sums start at -0, a double, so that the compiled adds are double adds from the start
  // (an integer sum outgrowing 31 bits would discard the compiled loop).
  let allFirstQ = Number.POSITIVE_INFINITY;
  let allLastC = Number.NEGATIVE_INFINITY;
  let allBytes = -0;
  let nQ2C = 0;
  let nQ2D = 0;
  let nD2C = 0;
  let sumQ2C = -0;
  let sumQ2D = -0;
  let sumD2C = -0;
  for (let i = 0; i < len; i++) {
    const q = tQ[i];
    const d = tD[i];
    const c = tC[i];
    if (q < allFirstQ) allFirstQ = q;
    // btt/inlines.h tdelta: a latency is at least 1 ns. A bucket of -1: no sample.
    let bQ2C = -1;
    let uQ2C = 0;
    let bD2C = -1;
    let uD2C = 0;
    let bQ2D = -1;
    let uQ2D = 0;
    let by = 0;
    if (c !== NONE) {
      by = bytes[i];
      allBytes += by;
      if (c > allLastC) allLastC = c;
      const v = q < c ? c - q : 1;
      uQ2C = v >>> 0;
      if (uQ2C !== v) return false;
      bQ2C = logBucket(uQ2C, bits);
      hist[bQ2C]++;
      nQ2C++;
      sumQ2C += uQ2C;
      if (d !== NONE) {
        const v2 = d < c ? c - d : 1;
        uD2C = v2 >>> 0;
        if (uD2C !== v2) return false;
        bD2C = logBucket(uD2C, bits);
        hist[d2cAt + bD2C]++;
        nD2C++;
        sumD2C += uD2C;
      }
    }
    if (d !== NONE) {
      const v = q < d ? d - q : 1;
      uQ2D = v >>> 0;
      if (uQ2D !== v) return false;
      bQ2D = logBucket(uQ2D, bits);
      hist[q2dAt + bQ2D]++;
      nQ2D++;
      sumQ2D += uQ2D;
    }
    for (let w = 0; w < nw; w++) {
      const g = wOf[w][i];
      const x = wBase[w] + (g >= 0 && g < wGroups[w] ? g : wGroups[w]);
      count[x]++;
      if (q < firstQ[x]) firstQ[x] = q;
      if (bQ2C >= 0) {
        completed[x]++;
        completedBytes[x] += by;
        if (c > lastC[x]) lastC[x] = c;
        hist[x * nb + bQ2C]++;
        size[x]++;
        sum[x] += uQ2C;
      }
      if (bD2C >= 0) {
        hist[d2cAt + x * nb + bD2C]++;
        size[KIND_D2C * groups + x]++;
        sum[KIND_D2C * groups + x] += uD2C;
      }
      if (bQ2D >= 0) {
        hist[q2dAt + x * nb + bQ2D]++;
        size[KIND_Q2D * groups + x]++;
        sum[KIND_Q2D * groups + x] += uQ2D;
      }
    }
  }
  count[0] = len;
  completed[0] = nQ2C;
  completedBytes[0] = allBytes + 0; // -0 + 0 is 0
  firstQ[0] = allFirstQ;
  lastC[0] = allLastC;
  size[KIND_Q2C * groups] = nQ2C;
  size[KIND_Q2D * groups] = nQ2D;
  size[KIND_D2C * groups] = nD2C;
  sum[KIND_Q2C * groups] = sumQ2C;
  sum[KIND_Q2D * groups] = sumQ2D;
  sum[KIND_D2C * groups] = sumD2C;
  return true;
}

/** Pass 2: the latencies of pass 1 again; those in a wanted bucket go to their slots. */
function refinePass(p: Pass, wanted: Uint8Array, slots: Slots): void {
  const { tQ, tD, tC } = p.ios;
  const len = p.ios.length;
  const { bits, nb } = p;
  const q2dAt = KIND_Q2D * nb;
  const d2cAt = KIND_D2C * nb;
  for (let i = 0; i < len; i++) {
    const q = tQ[i];
    const d = tD[i];
    const c = tC[i];
    if (c !== NONE) {
      const u = q < c ? c - q : 1;
      const b = logBucket(u, bits);
      if (wanted[b] !== 0) refine(p, slots, KIND_Q2C, b, u, i);
      if (d !== NONE) {
        const u2 = d < c ? c - d : 1;
        const b2 = logBucket(u2, bits);
        if (wanted[d2cAt + b2] !== 0) refine(p, slots, KIND_D2C, b2, u2, i);
      }
    }
    if (d !== NONE) {
      const u = q < d ? d - q : 1;
      const b = logBucket(u, bits);
      if (wanted[q2dAt + b] !== 0) refine(p, slots, KIND_Q2D, b, u, i);
    }
  }
}

/** Sample `u` of kind `k` in bucket `b`, row `i`: into the slot of each histogram wanting it. */
function refine(p: Pass, slots: Slots, k: number, b: number, u: number, i: number): void {
  const { hist, nb, wOf, wGroups, wBase } = p;
  const cell = k * p.kindCells + b;
  slots.add(hist[cell], u);
  for (let w = 0; w < wOf.length; w++) {
    const g = wOf[w][i];
    slots.add(hist[cell + (wBase[w] + (g >= 0 && g < wGroups[w] ? g : wGroups[w])) * nb], u);
  }
}
