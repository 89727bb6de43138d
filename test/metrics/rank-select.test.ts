// Radix selection: the value at any rank must be the one a sort puts there, whether the
// samples spread over the whole 32-bit range, crowd into one bucket (many equal values, or
// a bucket too wide to count per ns) or sit below the exact-bucket limit.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { logBucket, logBuckets, selectRanks } from '../../src/metrics/rank-select.js';

/** Integers in [0, 2^32): spread, clustered near one value, and huge (buckets wider than 2^16). */
const sample = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fc.integer({ min: 31_990, max: 32_010 }),
  fc.integer({ min: 2 ** 30, max: 2 ** 30 + 3 }),
  fc.integer({ min: 0, max: 600 }),
);

/** Ascending 1-based ranks in 1..n (repeats allowed), from fractions of n. */
function ranksOf(fractions: number[], n: number): number[] {
  return fractions.map((f) => 1 + Math.min(n - 1, Math.floor(f * n))).sort((a, b) => a - b);
}

describe('selectRanks', () => {
  test.prop([
    fc.array(sample, { minLength: 1, maxLength: 4000 }),
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }),
  ])('the values a sort puts at each rank, and the sum', (list, fractions) => {
    const values = Float64Array.from(list);
    const sorted = [...list].sort((a, b) => a - b);
    const ranks = ranksOf(fractions, list.length);
    const sum = new Float64Array(1);
    expect(selectRanks(values, ranks, sum)).toEqual(ranks.map((r) => sorted[r - 1]));
    expect(sum[0]).toBe(list.reduce((a, b) => a + b, 0));
    expect(Array.from(values)).toEqual(list);
  });

  it('many equal values: each rank falls among them', () => {
    const list = [...new Array(50_000).fill(48_576), ...new Array(30_000).fill(31_954), 7, 2 ** 32 - 1];
    const values = Float64Array.from(list);
    // Sorted: 7, 30 000 × 31 954, 50 000 × 48 576, 2^32 - 1.
    expect(selectRanks(values, [1, 2, 30_001, 30_002, 80_001, 80_002])).toEqual([
      7,
      31_954,
      31_954,
      48_576,
      48_576,
      2 ** 32 - 1,
    ]);
  });

  it('a wide bucket with many distinct values is resolved on its own', () => {
    // 2^30 + k·37 for k < 5000: all in one bucket of 2^19 ns at 11 step bits.
    const list = Array.from({ length: 5000 }, (_, k) => 2 ** 30 + ((k * 7919) % 5000) * 37);
    expect(selectRanks(Float64Array.from(list), [1, 2500, 5000])).toEqual([
      2 ** 30,
      2 ** 30 + 2499 * 37,
      2 ** 30 + 4999 * 37,
    ]);
  });

  it('declines fractions, negatives, 2^32 and more, and an empty sample', () => {
    expect(selectRanks(Float64Array.of(1, 2.5), [1])).toBeNull();
    expect(selectRanks(Float64Array.of(1, -2), [1])).toBeNull();
    expect(selectRanks(Float64Array.of(2 ** 32), [1])).toBeNull();
    expect(selectRanks(new Float64Array(0), [])).toBeNull();
  });
});

describe('logBucket', () => {
  test.prop([
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.integer({ min: 0, max: 11 }),
  ])('ascends with the value and stays inside the table', (a, b, bits) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    expect(logBucket(lo, bits)).toBeLessThanOrEqual(logBucket(hi, bits));
    expect(logBucket(hi, bits)).toBeLessThan(logBuckets(bits));
  });

  it('is the value itself below 2^(bits+1), then 2^bits steps per power of two', () => {
    expect(logBucket(511, 8)).toBe(511);
    // 512..1023 in steps of 2: 1023 shares a bucket with 1022, not with 1021.
    expect(logBucket(1022, 8)).toBe(logBucket(1023, 8));
    expect(logBucket(1021, 8)).toBe(logBucket(1020, 8));
    expect(logBucket(1021, 8)).toBeLessThan(logBucket(1022, 8));
  });
});
