// A latency summary without sorting: when every sample is an integer below 2^32 and their
// sum stays exact in a double, the mean does not depend on the order of addition, and the
// nearest-rank percentiles are order statistics that radix selection finds (rank-select.ts).
// The figures are exactly those of summarizeSorted over the sorted samples; samples it
// cannot treat that way (fractions, huge values) are left to the caller's sort.
import type { LatencySummary } from './latency-summary.js';
import { nearestRank } from './percentiles.js';
import { selectRanks } from './rank-select.js';

/** Percentiles a summary reports besides mean and max, as summarizeSorted reads them. */
const PERCENTILES = [50, 90, 99, 99.9] as const;

/**
 * The summary of `values` (any order; left unchanged), or null when a sample is not an
 * integer in [0, 2^32) or n × max reaches 2^53 (a sum that might round). Empty: null too.
 */
export function summarizeBySelection(values: Float64Array): LatencySummary | null {
  const n = values.length;
  if (n === 0) return null;
  const sum = new Float64Array(1);
  // The maximum is the value at rank n.
  const at = selectRanks(values, [...PERCENTILES.map((p) => nearestRank(p, n)), n], sum);
  if (at === null || at[4] * n >= Number.MAX_SAFE_INTEGER) return null;
  return {
    mean: Math.round(sum[0] / n),
    p50: at[0],
    p90: at[1],
    p99: at[2],
    p999: at[3],
    max: at[4],
  };
}
