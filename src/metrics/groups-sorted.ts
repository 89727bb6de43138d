// Per-group counts, spans and latency summaries by sorting: the general path, for samples
// selection cannot treat exactly (group-select.ts: fractions of a ns, latencies of 2^32 ns
// and more, sums that might round, very many groups). Several groupings are summarised
// together: each latency kind (Q2C, Q2D, D2C) is sorted once, carrying a packed key that
// holds the row's group in every grouping, and one pass over the sorted samples gives each
// group its sum (in ascending order) and its nearest-rank percentiles. When one group of
// every grouping holds all the samples, select.ts finds the whole kind's figures unsorted.
import { InvariantError } from '../errors.js';
import { type IoTable, NONE } from '../trace/io-table.js';
import type { Grouping, GroupStats } from './groups.js';
import { EMPTY_LATENCY, type LatencySummary, summarizeSorted } from './latency-summary.js';
import { nearestRank } from './percentiles.js';
import { summarizeBySelection } from './select.js';
import { SortScratch, sortWithRows } from './sort.js';

/** btt/inlines.h tdelta: a latency is at least 1 ns, also when clocks of two CPUs disagree. */
function latencyNs(from: number, to: number): number {
  return from < to ? to - from : 1;
}

/** Percentiles each summary reports, besides mean and max (CONTRACTS.md "L"). */
const PERCENTILES = [50, 90, 99, 99.9] as const;
const NP = PERCENTILES.length;
/** Bits a packed key may use: the radix sort carries keys as Int32, kept non-negative. */
const KEY_BITS = 31;

/** Statistics of several groupings of the same table (see groupStatsMany), sorting each latency kind once. */
export function sortedStats(ios: IoTable, groupings: readonly Grouping[]): GroupStats[][] {
  // Each grouping gets the bits for its groups plus one spare id for rows it leaves out.
  const shift: number[] = [];
  const mask: number[] = [];
  let bits = 0;
  for (const g of groupings) {
    const b = Math.max(1, Math.ceil(Math.log2(g.nGroups + 1)));
    shift.push(bits);
    mask.push((1 << b) - 1);
    bits += b;
  }
  if (bits > KEY_BITS && groupings.length > 1) return groupings.map((g) => sortedStats(ios, [g])[0]);
  if (bits > KEY_BITS) throw new InvariantError(`${groupings[0].nGroups} groups do not fit a 31-bit key`);

  // Flat per-group state: grouping k's group g (or its spare id) is base[k] + g.
  const base: number[] = [];
  let total = 0;
  for (const g of groupings) {
    base.push(total);
    total += g.nGroups + 1;
  }
  const { packed, uniform } = packKeys(ios.length, groupings, shift);
  const counts = rowCounts(ios, packed, base, shift, mask, uniform, total);
  // One set of sample and sort buffers serves the three kinds in turn.
  const work: KindWork = {
    values: new Float64Array(ios.length),
    keys: new Int32Array(ios.length),
    sort: new SortScratch(ios.length),
  };
  const kinds = [KIND_Q2C, KIND_Q2D, KIND_D2C].map((kind) =>
    kindSummaries(ios, kind, packed, counts.samples[kind], base, shift, mask, work),
  );
  return groupings.map((g, k) => {
    const out: GroupStats[] = [];
    for (let j = 0; j < g.nGroups; j++) {
      const x = base[k] + j;
      out.push({
        ios: counts.count[x],
        completed: counts.completed[x],
        completedBytes: counts.completedBytes[x],
        firstQNs: counts.count[x] > 0 ? counts.firstQ[x] : NONE,
        lastCNs: counts.completed[x] > 0 ? counts.lastC[x] : NONE,
        latency: { q2c_ns: kinds[KIND_Q2C][x], q2d_ns: kinds[KIND_Q2D][x], d2c_ns: kinds[KIND_D2C][x] },
      });
    }
    return out;
  });
}

/**
 * Each row's group in every grouping, packed; a row a grouping leaves out gets its spare id.
 * Also, per grouping, the id every row has when they all share one (else -1).
 */
function packKeys(
  n: number,
  groupings: readonly Grouping[],
  shift: readonly number[],
): { packed: Int32Array; uniform: number[] } {
  const packed = new Int32Array(n);
  const uniform: number[] = [];
  for (let k = 0; k < groupings.length; k++) {
    const { groupOf, nGroups } = groupings[k];
    if (groupOf === null) {
      uniform.push(0);
      continue;
    }
    const s = shift[k];
    let first = -1;
    let same = true;
    for (let i = 0; i < n; i++) {
      const x = groupOf[i];
      const id = x >= 0 && x < nGroups ? x : nGroups;
      if (i === 0) first = id;
      else if (id !== first) same = false;
      packed[i] |= id << s;
    }
    uniform.push(same && n > 0 ? first : -1);
  }
  return { packed, uniform };
}

/**
 * Count, first Q, completions, their bytes, last C and latency samples of every flat group.
 * Totals over all rows are taken once; a grouping whose rows all share one group (one
 * process, say) gets them as that group's, and only the others are counted row by row.
 */
function rowCounts(
  ios: IoTable,
  packed: Int32Array,
  base: readonly number[],
  shift: readonly number[],
  mask: readonly number[],
  uniform: readonly number[],
  total: number,
) {
  const { tQ, tD, tC, bytes } = ios;
  const len = ios.length;
  const count = new Float64Array(total);
  const completed = new Float64Array(total);
  const completedBytes = new Float64Array(total);
  const firstQ = new Float64Array(total).fill(Number.POSITIVE_INFINITY);
  const lastC = new Float64Array(total).fill(Number.NEGATIVE_INFINITY);
  // Latency samples per group, by kind (Q2C, Q2D, D2C).
  const samples = [new Float64Array(total), new Float64Array(total), new Float64Array(total)];
  const [nQ2C, nQ2D, nD2C] = samples;
  const rowWise: number[] = [];
  for (let k = 0; k < base.length; k++) if (uniform[k] < 0) rowWise.push(k);
  const nk = rowWise.length;
  const rBase = rowWise.map((k) => base[k]);
  const rShift = rowWise.map((k) => shift[k]);
  const rMask = rowWise.map((k) => mask[k]);
  let allFirstQ = Number.POSITIVE_INFINITY;
  let allLastC = Number.NEGATIVE_INFINITY;
  let allCompleted = 0;
  let allBytes = 0;
  let allQ2D = 0;
  let allD2C = 0;
  for (let i = 0; i < len; i++) {
    const q = tQ[i];
    const c = tC[i];
    const done = c !== NONE;
    const issued = tD[i] !== NONE;
    if (q < allFirstQ) allFirstQ = q;
    if (done) {
      allCompleted++;
      allBytes += bytes[i];
      if (c > allLastC) allLastC = c;
      if (issued) allD2C++;
    }
    if (issued) allQ2D++;
    if (nk === 0) continue;
    const key = packed[i];
    for (let k = 0; k < nk; k++) {
      const g = rBase[k] + ((key >>> rShift[k]) & rMask[k]);
      count[g]++;
      if (q < firstQ[g]) firstQ[g] = q;
      if (done) {
        completed[g]++;
        completedBytes[g] += bytes[i];
        if (c > lastC[g]) lastC[g] = c;
        nQ2C[g]++;
        if (issued) nD2C[g]++;
      }
      if (issued) nQ2D[g]++;
    }
  }
  for (let k = 0; k < base.length; k++) {
    if (uniform[k] < 0) continue;
    const g = base[k] + uniform[k];
    count[g] = len;
    completed[g] = allCompleted;
    completedBytes[g] = allBytes;
    nQ2C[g] = allCompleted;
    nQ2D[g] = allQ2D;
    nD2C[g] = allD2C;
    if (len > 0) firstQ[g] = allFirstQ;
    lastC[g] = allLastC;
  }
  return { count, completed, completedBytes, firstQ, lastC, samples };
}

/** Buffers the latency kinds share, each sized for every row of the table. */
interface KindWork {
  values: Float64Array;
  keys: Int32Array;
  sort: SortScratch;
}

const KIND_Q2C = 0;
const KIND_Q2D = 1;
const KIND_D2C = 2;

/**
 * One latency kind's summary for every flat group: the samples are sorted once with their
 * packed keys, then walked in order; a group's samples arrive in ascending order, so its
 * running count meets each nearest rank exactly when the value at that rank goes by. The
 * sum is accumulated in that same ascending order (as a sorted per-group array would be).
 */
function kindSummaries(
  ios: IoTable,
  kind: number,
  packed: Int32Array,
  size: Float64Array,
  base: readonly number[],
  shift: readonly number[],
  mask: readonly number[],
  work: KindWork,
): LatencySummary[] {
  const { tQ, tD, tC } = ios;
  const len = ios.length;
  let n = 0;
  for (let i = 0; i < len; i++) if (inKind(kind, tD[i], tC[i])) n++;
  const total = size.length;
  const out: LatencySummary[] = new Array(total);
  // A grouping with a group that holds every sample needs no walk: that group has the
  // summary of the whole kind, the others none. The walk visits the other groupings only.
  const walked: number[] = [];
  const holdsAll: number[] = [];
  for (let k = 0; k < base.length; k++) {
    const end = k + 1 < base.length ? base[k + 1] : total;
    let all = -1;
    for (let x = base[k]; x < end; x++) if (size[x] === n) all = x;
    if (all < 0) walked.push(k);
    else holdsAll.push(all);
  }
  const values = work.values.subarray(0, n);
  const keys = work.keys.subarray(0, n);
  const withKeys = walked.length > 0;
  n = 0;
  for (let i = 0; i < len; i++) {
    const d = tD[i];
    const c = tC[i];
    if (!inKind(kind, d, c)) continue;
    values[n] =
      kind === KIND_Q2C ? latencyNs(tQ[i], c) : kind === KIND_Q2D ? latencyNs(tQ[i], d) : latencyNs(d, c);
    if (withKeys) keys[n] = packed[i];
    n++;
  }
  // Without a walk only the whole kind's figures are wanted: selection finds them without a
  // sort when the samples allow (select.ts); otherwise, and for a walk, sort.
  let whole = withKeys ? null : summarizeBySelection(values);
  if (whole === null) {
    sortWithRows(values, keys, work.sort);
    whole = summarizeSorted(values);
  }
  for (let k = 0; k < base.length; k++) {
    if (walked.includes(k)) continue;
    const end = k + 1 < base.length ? base[k + 1] : total;
    for (let x = base[k]; x < end; x++) out[x] = holdsAll.includes(x) ? { ...whole } : { ...EMPTY_LATENCY };
  }
  if (walked.length === 0) return out;

  // Ranks wanted per group, ascending with the percentiles; next[] is the next one to meet.
  const rank = new Float64Array(total * NP);
  const at = new Float64Array(total * NP);
  const next = new Int32Array(total);
  for (let x = 0; x < total; x++)
    for (let p = 0; p < NP; p++) rank[x * NP + p] = nearestRank(PERCENTILES[p], size[x]);
  const sum = new Float64Array(total);
  const seen = new Float64Array(total);
  const max = new Float64Array(total);
  const wBase = walked.map((k) => base[k]);
  const wShift = walked.map((k) => shift[k]);
  const wMask = walked.map((k) => mask[k]);
  const nw = walked.length;
  for (let j = 0; j < n; j++) {
    const v = values[j];
    const key = keys[j];
    for (let w = 0; w < nw; w++) {
      const x = wBase[w] + ((key >>> wShift[w]) & wMask[w]);
      sum[x] += v;
      const c = ++seen[x];
      let p = next[x];
      while (p < NP && rank[x * NP + p] === c) at[x * NP + p++] = v;
      next[x] = p;
      max[x] = v;
    }
  }
  for (const k of walked) {
    const end = k + 1 < base.length ? base[k + 1] : total;
    for (let x = base[k]; x < end; x++)
      out[x] =
        size[x] === 0
          ? { ...EMPTY_LATENCY }
          : {
              mean: Math.round(sum[x] / size[x]),
              p50: Math.round(at[x * NP]),
              p90: Math.round(at[x * NP + 1]),
              p99: Math.round(at[x * NP + 2]),
              p999: Math.round(at[x * NP + 3]),
              max: Math.round(max[x]),
            };
  }
  return out;
}

/** Whether a row has a sample of the kind: Q2C needs a C, Q2D a D, D2C both. */
function inKind(kind: number, d: number, c: number): boolean {
  if (kind === KIND_Q2C) return c !== NONE;
  if (kind === KIND_Q2D) return d !== NONE;
  return d !== NONE && c !== NONE;
}
