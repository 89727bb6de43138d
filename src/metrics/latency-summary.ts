// The latency summary every result carries: {mean, p50, p90, p99, p999, max} in integer ns
// (CONTRACTS.md "L"), nearest-rank percentiles, mean rounded to the nearest ns.
import { percentileOfSorted } from './percentiles.js';

export interface LatencySummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** The three per-I/O latencies results report (devices-metrics-peers §3.1). */
export interface StageLatency {
  q2c_ns: LatencySummary;
  q2d_ns: LatencySummary;
  d2c_ns: LatencySummary;
}

export const EMPTY_LATENCY: Readonly<LatencySummary> = Object.freeze({
  mean: 0,
  p50: 0,
  p90: 0,
  p99: 0,
  p999: 0,
  max: 0,
});

/** Summary of an ascending sample; all zero when it is empty. */
export function summarizeSorted(sorted: Float64Array): LatencySummary {
  const n = sorted.length;
  if (n === 0) return { ...EMPTY_LATENCY };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    mean: Math.round(sum / n),
    p50: Math.round(percentileOfSorted(sorted, 50)),
    p90: Math.round(percentileOfSorted(sorted, 90)),
    p99: Math.round(percentileOfSorted(sorted, 99)),
    p999: Math.round(percentileOfSorted(sorted, 99.9)),
    max: Math.round(sorted[n - 1]),
  };
}

/** Summary of a sample in any order; sorts `values` in place. */
export function summarizeLatency(values: Float64Array): LatencySummary {
  return summarizeSorted(values.sort());
}
