// runSeries: the Q2C CDF at fixed percentiles, the throughput timeline and bytes per process,
// on a hand-built table whose answers follow from the definitions (nearest rank, bins).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { binWidthNs, CDF_PERCENTILES, runSeries } from '../../src/metrics/series.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';

const US = 1e3;
const MS = 1e6;

/** 100 I/Os of pid 7, 4 KiB each: I/O k queued at k ms, completed (k + 1) µs later. */
function table(extra?: (b: IoTableBuilder) => void) {
  const b = new IoTableBuilder(128);
  for (let k = 0; k < 100; k++) {
    const i = b.push();
    b.table.pid[i] = 7;
    b.table.bytes[i] = 4096;
    b.table.tQ[i] = k * MS;
    b.table.tD[i] = k * MS;
    b.table.tC[i] = k * MS + (k + 1) * US;
  }
  extra?.(b);
  return b.finish();
}

describe('runSeries', () => {
  it('CDF: the nearest-rank Q2C at each percentile (devices-metrics-peers §3.3)', () => {
    const s = runSeries(table());
    expect(s.percentiles).toEqual([...CDF_PERCENTILES]);
    // Q2C values are 1..100 µs, one each: rank max(1, ceil(p/100 * 100)) holds ceil(p) µs.
    expect(s.q2cNs).toEqual(CDF_PERCENTILES.map((p) => Math.max(1, Math.ceil(p)) * US));
    expect(s.q2cNs[0]).toBe(1 * US);
    expect(s.q2cNs.at(-1)).toBe(100 * US);
  });

  it('timeline: 1 ms bins from the first Q, one completion of 4 KiB in each', () => {
    const t = runSeries(table()).timeline;
    // Span 0 .. 99.1 ms: 0.991 ms per bin for 100 bins, rounded up to the 1 ms floor.
    expect(t.startNs).toBe(0);
    expect(t.binNs).toBe(MS);
    expect(t.ios).toEqual(new Array(100).fill(1));
    expect(t.bytes).toEqual(new Array(100).fill(4096));
  });

  it('bytes per process count completed I/Os only, in pid order', () => {
    const s = runSeries(
      table((b) => {
        for (const [pid, done] of [
          [3, true],
          [3, false],
        ] as const) {
          const i = b.push();
          b.table.pid[i] = pid;
          b.table.bytes[i] = 512;
          b.table.tQ[i] = 5 * MS;
          b.table.tC[i] = done ? 6 * MS : NONE;
        }
      }),
    );
    expect(s.processBytes).toEqual([
      { pid: 3, bytes: 512 },
      { pid: 7, bytes: 409600 },
    ]);
  });

  // Q2C is found by selection when every one is an integer below 2^32, else by sorting.
  test.prop([
    fc.array(
      fc.oneof(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.constantFrom(3, 32_000),
        fc.integer({ min: 2 ** 32 - 3, max: 2 ** 32 + 3 }),
      ),
      { minLength: 1, maxLength: 2000 },
    ),
  ])('CDF: the nearest rank of the sorted Q2C, at every percentile', (q2c) => {
    const b = new IoTableBuilder(q2c.length);
    for (const [k, v] of q2c.entries()) {
      const i = b.push();
      b.table.tQ[i] = k;
      b.table.tC[i] = k + v;
    }
    const sorted = [...q2c].sort((x, y) => x - y);
    // Rank max(1, ceil(p/100 · n)), with p in hundredths of a percent to stay in integers.
    const rank = (p: number) => Math.max(1, Math.ceil((Math.round(p * 100) * q2c.length) / 10_000));
    expect(runSeries(b.finish()).q2cNs).toEqual(CDF_PERCENTILES.map((p) => sorted[rank(p) - 1]));
  });

  it('an empty table gives zeros, not NaN', () => {
    const s = runSeries(new IoTableBuilder().finish());
    expect(s.q2cNs.every((v) => v === 0)).toBe(true);
    expect(s.timeline.ios).toEqual([]);
    expect(s.processBytes).toEqual([]);
  });

  it('bin widths step 1-2-5 so that a span takes at most 100 bins, never under 1 ms', () => {
    expect(binWidthNs(0)).toBe(MS);
    expect(binWidthNs(1e9)).toBe(10 * MS); // 1 s / 100 = 10 ms exactly
    expect(binWidthNs(1.001e9)).toBe(20 * MS);
    expect(binWidthNs(2.5e9)).toBe(50 * MS);
    expect(binWidthNs(150e9)).toBe(2000 * MS);
  });
});
