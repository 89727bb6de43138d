// summarizeBySelection: the summary of samples in any order without sorting them must equal
// what sorting gives (nearest-rank percentiles, devices-metrics-peers §3.3), and it must
// decline samples whose mean could depend on the order of addition.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { summarizeBySelection } from '../../src/metrics/select.js';

/** The summary the plain way, ranks as ceil(per-mille × n / 1000) in integer arithmetic. */
function plain(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const at = (pm: number) => s[Math.max(1, Math.ceil((pm * n) / 1000)) - 1];
  return {
    mean: Math.round(s.reduce((a, b) => a + b, 0) / n),
    p50: at(500),
    p90: at(900),
    p99: at(990),
    p999: at(999),
    max: s[n - 1],
  };
}

describe('summarizeBySelection', () => {
  test.prop([
    fc.array(fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 3000 })), {
      minLength: 1,
      maxLength: 5000,
    }),
  ])('integer samples: the figures sorting gives', (list) => {
    const values = Float64Array.from(list);
    expect(summarizeBySelection(values)).toEqual(plain(list));
    expect(Array.from(values)).toEqual(list);
  });

  it('declines fractions, negatives, values of 2^32 and more, and an empty sample', () => {
    expect(summarizeBySelection(Float64Array.of(1, 2.5))).toBeNull();
    expect(summarizeBySelection(Float64Array.of(1, -2))).toBeNull();
    expect(summarizeBySelection(Float64Array.of(2 ** 32))).toBeNull();
    expect(summarizeBySelection(new Float64Array(0))).toBeNull();
  });

  it('declines a sample whose sum could round (n × max at 2^53 or more)', () => {
    const big = new Float64Array(2 ** 22).fill(2 ** 31);
    expect(summarizeBySelection(big)).toBeNull();
  });
});
