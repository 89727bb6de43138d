// Nearest-rank percentiles (devices-metrics-peers §3.3): value at rank max(1, ceil(p/100·N)).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { nearestRank, percentile, percentileOfSorted } from '../../src/metrics/percentiles.js';

/** Reference in integer arithmetic: p given in tenths of a percent, rank = ceil(p10·N / 1000). */
function referenceRank(p10: number, n: number): number {
  return Math.max(1, Math.floor((p10 * n + 999) / 1000));
}

describe('nearest-rank percentiles', () => {
  it('worked example: 1..10', () => {
    const v = Float64Array.from([7, 1, 10, 3, 2, 9, 4, 8, 6, 5]);
    expect([50, 90, 99, 99.9, 100, 0].map((p) => percentile(v, p))).toEqual([5, 9, 10, 10, 10, 1]);
  });

  it('binary fractions do not push an exact rank up (99.9 of 1000 is rank 999)', () => {
    expect(nearestRank(99.9, 1000)).toBe(999);
    expect(nearestRank(99.9, 10000)).toBe(9990);
    expect(nearestRank(90, 10)).toBe(9);
    expect(nearestRank(50, 0)).toBe(0);
    expect(percentileOfSorted(new Float64Array(0), 50)).toBe(0);
  });

  test.prop([
    fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 3000 }),
    fc.constantFrom(1, 100, 500, 900, 990, 999, 1000),
  ])('equal a sort-based reference', (values, p10) => {
    const sorted = [...values].sort((a, b) => a - b);
    const want = sorted[referenceRank(p10, values.length) - 1];
    expect(percentile(Float64Array.from(values), p10 / 10)).toBe(want);
  });
});
