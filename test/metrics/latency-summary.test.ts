import { describe, expect, it } from 'vitest';
import { summarizeLatency } from '../../src/metrics/latency-summary.js';

describe('latency summary L (CONTRACTS.md)', () => {
  it('mean rounded to the ns, nearest-rank percentiles, max', () => {
    const v = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1..1000 in reverse
    expect(summarizeLatency(v)).toEqual({ mean: 501, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000 });
  });

  it('is all zero for an empty sample', () => {
    expect(summarizeLatency(new Float64Array(0))).toEqual({
      mean: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      p999: 0,
      max: 0,
    });
  });
});
