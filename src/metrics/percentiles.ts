// Nearest-rank percentiles over a sorted Float64Array (devices-metrics-peers §3.3): the
// value at rank max(1, ceil(p/100 * N)). Exact, no interpolation, no histogram; callers
// sort once and read several percentiles.

/** Relative tolerance for p/100*N landing on an integer despite binary fractions (99.9 * 1000). */
const RANK_EPSILON = 1e-9;

/** 1-based nearest rank of percentile `p` (0..100) in a sample of `n` values; 0 when n is 0. */
export function nearestRank(p: number, n: number): number {
  if (n === 0) return 0;
  const exact = (p * n) / 100;
  const nearest = Math.round(exact);
  const rank = Math.abs(exact - nearest) <= RANK_EPSILON * Math.max(1, exact) ? nearest : Math.ceil(exact);
  return Math.min(n, Math.max(1, rank));
}

/** Percentile `p` of an ascending `sorted` sample; 0 for an empty sample. */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  const rank = nearestRank(p, sorted.length);
  return rank === 0 ? 0 : sorted[rank - 1];
}

/** Percentile `p` of `values` in any order (sorts a copy). */
export function percentile(values: Float64Array, p: number): number {
  return percentileOfSorted(Float64Array.from(values).sort(), p);
}
