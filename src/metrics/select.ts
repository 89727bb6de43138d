// A latency summary without sorting: when every sample is an integer below 2^32 and their
// sum stays exact in a double, the mean does not depend on the order of addition, and the
// nearest-rank percentiles are order statistics that a bucket count can find. One pass sums
// and finds the maximum, one counts the samples into 2^16 buckets of the value range, and one
// collects the few buckets that hold a wanted rank, which are then sorted on their own. The
// figures are exactly those of summarizeSorted over the sorted samples; samples it cannot
// treat that way (fractions, huge values) are left to the caller's sort.
import type { LatencySummary } from './latency-summary.js';
import { nearestRank } from './percentiles.js';

/** Bits of the bucket index: 65536 buckets, a 256 KiB count table. */
const BUCKET_BITS = 16;
/** Percentiles a summary reports besides mean and max, as summarizeSorted reads them. */
const PERCENTILES = [50, 90, 99, 99.9] as const;

/**
 * The summary of `values` (any order; left unchanged), or null when a sample is not an
 * integer in [0, 2^32) or n × max reaches 2^53 (a sum that might round). Empty: null too.
 */
export function summarizeBySelection(values: Float64Array): LatencySummary | null {
  const n = values.length;
  if (n === 0) return null;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v >>> 0 !== v) return null;
    sum += v;
    if (v > max) max = v;
  }
  if (max * n >= Number.MAX_SAFE_INTEGER) return null;

  // Bucket b holds values v with v >>> shift === b.
  const shift = Math.max(0, 32 - Math.clz32(max) - BUCKET_BITS);
  const count = new Uint32Array((max >>> shift) + 1);
  for (let i = 0; i < n; i++) count[values[i] >>> shift]++;
  const ranks = PERCENTILES.map((p) => nearestRank(p, n));
  // For each rank: its bucket and its rank inside the bucket (ranks ascend with p).
  const bucketOf: number[] = [];
  const within: number[] = [];
  let b = 0;
  let before = 0;
  for (const r of ranks) {
    while (before + count[b] < r) before += count[b++];
    bucketOf.push(b);
    within.push(r - before);
  }
  // The wanted buckets' samples, each sorted on its own.
  const wanted = [...new Set(bucketOf)];
  const members = wanted.map((w) => new Float64Array(count[w]));
  const fill = new Int32Array(wanted.length);
  const slot = new Int32Array(count.length).fill(-1);
  wanted.forEach((w, k) => {
    slot[w] = k;
  });
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const k = slot[v >>> shift];
    if (k >= 0) members[k][fill[k]++] = v;
  }
  for (const m of members) m.sort();
  const at = (j: number) => members[slot[bucketOf[j]]][within[j] - 1];
  return {
    mean: Math.round(sum / n),
    p50: Math.round(at(0)),
    p90: Math.round(at(1)),
    p99: Math.round(at(2)),
    p999: Math.round(at(3)),
    max: Math.round(max),
  };
}
