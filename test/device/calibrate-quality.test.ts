// Fit-quality figures (devices-metrics §2.6): nearest-rank quantiles (§3.3), the demerit
// figure, the two-sample KS statistic, checked on hand-computed samples and as properties.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  compareDistributions,
  demeritFigure,
  ksStatistic,
  quantileOfSorted,
} from '../../src/device/calibrate/quality.js';

const f64 = (xs: number[]) => Float64Array.from(xs).sort();

describe('quantiles: nearest rank max(1, ceil(u·N)) (§3.3)', () => {
  it('four values', () => {
    const s = f64([40, 10, 30, 20]);
    expect(quantileOfSorted(s, 0.25)).toBe(10); // rank 1
    expect(quantileOfSorted(s, 0.5)).toBe(20); // rank 2
    expect(quantileOfSorted(s, 0.9)).toBe(40); // ceil(3.6) = 4
    expect(quantileOfSorted(s, 0)).toBe(10);
  });

  it('p90 of 1000 values is the 900th, not the 901st (binary fraction guard)', () => {
    const s = f64(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(quantileOfSorted(s, 0.9)).toBe(900);
  });
});

describe('demerit figure: RMS horizontal CDF distance over the recorded mean', () => {
  it('a constant 10% slower: 10%', () => {
    expect(demeritFigure(f64(Array(50).fill(100)), f64(Array(70).fill(110)))).toBeCloseTo(0.1, 12);
  });

  it('1..100 against 6..105: 5 / 50.5', () => {
    const rec = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(demeritFigure(f64(rec), f64(rec.map((x) => x + 5)))).toBeCloseTo(5 / 50.5, 12);
  });

  it('an empty sample gives 0', () => {
    expect(demeritFigure(f64([]), f64([1, 2]))).toBe(0);
  });
});

describe('KS statistic: largest vertical distance between the empirical CDFs', () => {
  it('{1,2,3,4} against {3,4,5,6}: 0.5', () => {
    expect(ksStatistic(f64([1, 2, 3, 4]), f64([3, 4, 5, 6]))).toBe(0.5);
  });

  it('disjoint samples: 1', () => {
    expect(ksStatistic(f64([1, 2]), f64([3, 4, 5]))).toBe(1);
  });

  it('ties are stepped over together', () => {
    // F_a jumps to 1 at 1; F_b reaches 1/2 at 1 and 1 at 2.
    expect(ksStatistic(f64([1, 1]), f64([1, 2]))).toBe(0.5);
  });
});

describe('compareDistributions', () => {
  it('relative percentile errors', () => {
    const rec = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
    const c = compareDistributions(Float64Array.from(rec), Float64Array.from(rec.map((x) => x * 1.2)));
    expect(c.error.p50).toBeCloseTo(0.2, 12);
    expect(c.error.p90).toBeCloseTo(0.2, 12);
    expect(c.error.p99).toBeCloseTo(0.2, 12);
    expect(c.meanAbsLogRatio).toBeCloseTo(Math.log(1.2), 12);
    expect(c.recorded.p50).toBe(50_000);
  });
});

const sample = fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 200 });

describe('properties', () => {
  test.prop([sample])('a sample against itself: demerit 0, KS 0', (xs) => {
    const s = f64(xs);
    expect(demeritFigure(s, s)).toBe(0);
    expect(ksStatistic(s, s)).toBe(0);
  });

  test.prop([sample, sample])('KS is symmetric and within [0, 1]', (a, b) => {
    const ks = ksStatistic(f64(a), f64(b));
    expect(ks).toBe(ksStatistic(f64(b), f64(a)));
    expect(ks).toBeGreaterThanOrEqual(0);
    expect(ks).toBeLessThanOrEqual(1);
  });

  test.prop([sample, fc.integer({ min: 0, max: 1000 })])('a shift by c gives demerit c / mean', (xs, c) => {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(demeritFigure(f64(xs), f64(xs.map((x) => x + c)))).toBeCloseTo(c / mean, 9);
  });
});
