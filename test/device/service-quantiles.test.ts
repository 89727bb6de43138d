// Empirical service-time tables (readServiceQuantiles / writeServiceQuantiles): inverse-CDF
// sampling checked against hand interpolation, size-class choice, validation with field
// paths, the JSON schema's limits, and the flash model using a table (a one-value table
// must equal the fixed time it stands for; draws follow the table; runs are deterministic).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { SsdProfile } from '../../src/device/profile.js';
import { profileParameters, validateProfile } from '../../src/device/profile.js';
import schema from '../../src/device/profile.schema.json' with { type: 'json' };
import {
  QUANTILE_POINTS_MAX,
  SERVICE_CLASSES_MAX,
  ServiceSampler,
  sampleQuantileNs,
} from '../../src/device/service-quantiles.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { Bench } from './harness.js';

// The hand-computable flash profile of ssd.test.ts: link 1 ns/B + 2 µs per command, channel
// 2 ns/B, 4 KiB pages, read overhead 10 µs, t_R 50 µs, write overhead 5 µs, flush 30 µs.
const T: SsdProfile = {
  name: 'test-ssd',
  type: 'ssd',
  description: 'hand-computable flash device',
  source: { origin: 'assumed' },
  queueDepth: 64,
  nrHwQueues: 1,
  rotational: false,
  readOverheadUs: 10,
  writeOverheadUs: 5,
  linkMBps: 1000,
  linkCommandUs: 2,
  channels: 4,
  diesPerChannel: 1,
  channelMBps: 500,
  pageKiB: 4,
  readLatencyUs: 50,
  programLatencyUs: 200,
  writeAmplification: 2,
  writeCache: 'volatile',
  writeBufferKiB: 64,
  flushLatencyUs: 30,
  flushBlocksQueue: false,
  fua: true,
  readHitRatio: 0,
  readHitLatencyUs: 0,
};
const ssd = (o: Partial<SsdProfile>): SsdProfile => ({ ...T, ...o });
const LINK_4K = 2_000 + 4_096; // command + 4096 B at 1 ns/B
const CH_4K = 8_192; // 4096 B at 2 ns/B

describe('inverse-CDF sampling of a quantile table', () => {
  // Points at probabilities 0, 0.5, 1: 10, 20, 40 µs; linear in between.
  const table = Float64Array.from([10_000, 20_000, 40_000]);
  it.each([
    [0, 10_000],
    [0.25, 15_000],
    [0.5, 20_000],
    [0.75, 30_000],
    [0.875, 35_000],
  ])('u = %f gives %i ns', (u, ns) => {
    expect(sampleQuantileNs(table, u)).toBe(ns);
  });

  it('u just below 1 gives the maximum (rounded to whole ns)', () => {
    expect(sampleQuantileNs(table, 1 - 2 ** -53)).toBe(40_000);
  });

  test.prop([
    fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 2, maxLength: 50 }),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  ])('draws stay within [min, max] and never decrease with u', (xs, u1, u2) => {
    const t = Float64Array.from(xs).sort();
    const [a, b] = u1 <= u2 ? [u1, u2] : [u2, u1];
    const da = sampleQuantileNs(t, a);
    const db = sampleQuantileNs(t, b);
    expect(da).toBeGreaterThanOrEqual(t[0]);
    expect(db).toBeLessThanOrEqual(t[t.length - 1]);
    expect(da).toBeLessThanOrEqual(db);
  });

  it('size classes: the first whose bound holds the request, the last for larger ones', () => {
    const s = new ServiceSampler([
      { upToKiB: 4, quantilesUs: [100, 100] },
      { upToKiB: 128, quantilesUs: [300, 300] },
    ]);
    expect(s.draw(512, 0.5)).toBe(100_000);
    expect(s.draw(4096, 0.5)).toBe(100_000);
    expect(s.draw(4097, 0.5)).toBe(300_000);
    expect(s.draw(131072, 0.5)).toBe(300_000);
    expect(s.draw(1 << 20, 0.5)).toBe(300_000);
  });
});

describe('validation of service tables (field paths)', () => {
  const paths = (o: Partial<SsdProfile> | Record<string, unknown>) =>
    validateProfile({ ...T, ...o }).map((p) => p.path);

  it('a valid table passes, on reads and writes', () => {
    const table = [
      { upToKiB: 4, quantilesUs: [13, 90, 120, 700] },
      { upToKiB: 128, quantilesUs: [150, 150, 400] },
    ];
    expect(validateProfile(ssd({ readServiceQuantiles: table, writeServiceQuantiles: table }))).toEqual([]);
  });

  it('decreasing quantiles: the point that decreases', () => {
    expect(paths({ readServiceQuantiles: [{ upToKiB: 4, quantilesUs: [10, 30, 20] }] })).toEqual([
      'readServiceQuantiles[0].quantilesUs[2]',
    ]);
  });

  it('zero, negative or non-numeric points', () => {
    expect(
      paths({ writeServiceQuantiles: [{ upToKiB: 4, quantilesUs: [0, -1, 'x', 5] as unknown as number[] }] }),
    ).toEqual([
      'writeServiceQuantiles[0].quantilesUs[0]',
      'writeServiceQuantiles[0].quantilesUs[1]',
      'writeServiceQuantiles[0].quantilesUs[2]',
    ]);
  });

  it('too few or too many points', () => {
    expect(paths({ readServiceQuantiles: [{ upToKiB: 4, quantilesUs: [10] }] })).toEqual([
      'readServiceQuantiles[0].quantilesUs',
    ]);
    const many = Array.from({ length: QUANTILE_POINTS_MAX + 1 }, (_, i) => i + 1);
    expect(paths({ readServiceQuantiles: [{ upToKiB: 4, quantilesUs: many }] })).toEqual([
      'readServiceQuantiles[0].quantilesUs',
    ]);
  });

  it('size classes out of order, unknown keys, bad bounds', () => {
    expect(
      paths({
        readServiceQuantiles: [
          { upToKiB: 128, quantilesUs: [1, 2] },
          { upToKiB: 4, quantilesUs: [1, 2] },
          { upToKiB: 0, quantilesUs: [1, 2], p: 1 } as unknown as { upToKiB: number; quantilesUs: number[] },
        ],
      }),
    ).toEqual([
      'readServiceQuantiles[1].upToKiB',
      'readServiceQuantiles[2].p',
      'readServiceQuantiles[2].upToKiB',
    ]);
  });

  it('not an array, empty, or more classes than allowed', () => {
    expect(paths({ readServiceQuantiles: 5 as unknown as [] })).toEqual(['readServiceQuantiles']);
    expect(paths({ readServiceQuantiles: [] })).toEqual(['readServiceQuantiles']);
    const classes = Array.from({ length: SERVICE_CLASSES_MAX + 1 }, (_, i) => ({
      upToKiB: i + 1,
      quantilesUs: [1, 2],
    }));
    expect(paths({ readServiceQuantiles: classes })).toEqual(['readServiceQuantiles']);
  });

  it('not a field of the other models', () => {
    const hdd = { type: 'hdd', readServiceQuantiles: [{ upToKiB: 4, quantilesUs: [1, 2] }] };
    expect(validateProfile(hdd).map((p) => p.path)).toContain('readServiceQuantiles');
  });

  it('profiles show summarises a table on one line', () => {
    const p = ssd({ readServiceQuantiles: [{ upToKiB: 4, quantilesUs: [13, 90, 700] }] });
    const row = profileParameters(p).find((r) => r.key === 'readServiceQuantiles');
    expect(row?.value).toBe('<=4 KiB: 3 points 13 / 90 / 700');
  });

  it('the JSON schema states the same limits', () => {
    const cls = (schema.definitions as Record<string, unknown>).serviceClass as {
      properties: {
        quantilesUs: { minItems: number; maxItems: number; items: { exclusiveMinimum: number } };
      };
    };
    expect(cls.properties.quantilesUs.minItems).toBe(2);
    expect(cls.properties.quantilesUs.maxItems).toBe(QUANTILE_POINTS_MAX);
    expect(cls.properties.quantilesUs.items.exclusiveMinimum).toBe(0);
    const ssdDef = (
      schema.definitions as Record<string, { properties: Record<string, { maxItems?: number }> }>
    ).ssd;
    expect(ssdDef.properties.readServiceQuantiles.maxItems).toBe(SERVICE_CLASSES_MAX);
    expect(ssdDef.properties.writeServiceQuantiles.maxItems).toBe(SERVICE_CLASSES_MAX);
  });
});

describe('flash model with a service table', () => {
  it('a one-value read table equals the fixed t_R it stands for', () => {
    const fixed = new Bench(T, 3);
    const table = new Bench(ssd({ readServiceQuantiles: [{ upToKiB: 4, quantilesUs: [50, 50] }] }), 3);
    for (const b of [fixed, table]) {
      for (let i = 0; i < 40; i++) b.at(i * 20_000, OP.READ, (i * 7919) % 4096, 4096);
      b.run();
    }
    expect(table.done.map((d) => [d.rq.id, d.doneNs])).toEqual(fixed.done.map((d) => [d.rq.id, d.doneNs]));
  });

  it('QD1 reads: overhead + drawn t_R + page/channel + link, the draws spread over the table', () => {
    // t_R uniform on [100, 300] µs: mean 200, quartiles 150 and 250.
    const b = new Bench(ssd({ readServiceQuantiles: [{ upToKiB: 4, quantilesUs: [100, 300] }] }), 5);
    const n = 4000;
    for (let i = 0; i < n; i++) b.at(i * 1_000_000, OP.READ, 0, 4096);
    b.run();
    const tR = b.done.map((d) => d.doneNs - d.submitNs - 10_000 - CH_4K - LINK_4K).sort((x, y) => x - y);
    expect(tR[0]).toBeGreaterThanOrEqual(100_000);
    expect(tR[n - 1]).toBeLessThanOrEqual(300_000);
    const mean = tR.reduce((s, x) => s + x, 0) / n;
    expect(mean).toBeGreaterThan(197_000);
    expect(mean).toBeLessThan(203_000);
    expect(tR[n / 4]).toBeGreaterThan(145_000);
    expect(tR[n / 4]).toBeLessThan(155_000);
    expect(tR[(3 * n) / 4]).toBeGreaterThan(245_000);
    expect(tR[(3 * n) / 4]).toBeLessThan(255_000);
  });

  it('a long draw holds its die: the next read of that die waits for it', () => {
    // Two reads of page 0 at once: the second is sensed after the first left the die.
    const b = new Bench(ssd({ readServiceQuantiles: [{ upToKiB: 4, quantilesUs: [400, 400] }] }));
    b.at(0, OP.READ, 0, 4096);
    b.at(0, OP.READ, 0, 4096);
    b.run();
    const first = 10_000 + 400_000 + CH_4K;
    expect(b.done[0].doneNs).toBe(first + LINK_4K);
    expect(b.done[1].doneNs).toBe(first + 400_000 + CH_4K + LINK_4K);
  });

  it('writes draw their acknowledgement time; FLUSH keeps writeOverheadUs', () => {
    const b = new Bench(ssd({ writeServiceQuantiles: [{ upToKiB: 64, quantilesUs: [80, 80] }] }));
    b.at(0, OP.WRITE, 0, 4096);
    b.at(1_000_000, OP.FLUSH, 0, 0, FLAG.PREFLUSH);
    b.run();
    expect(b.done[0].doneNs).toBe(LINK_4K + 80_000);
    // The write's page was programmed long before the flush: command overhead + flush cost.
    expect(b.done[1].doneNs - 1_000_000).toBe(5_000 + 30_000);
  });

  it('same seed, same times; another seed, other times', () => {
    const p = ssd({ readServiceQuantiles: [{ upToKiB: 4, quantilesUs: [20, 60, 400] }] });
    const times = (seed: number) => {
      const b = new Bench(p, seed);
      for (let i = 0; i < 200; i++) b.at(i * 100_000, OP.READ, (i * 104729) % 65536, 4096);
      return b.run().done.map((d) => d.doneNs);
    };
    expect(times(9)).toEqual(times(9));
    expect(times(9)).not.toEqual(times(10));
  });
});
