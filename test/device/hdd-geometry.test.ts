// Disk geometry against the formulas and worked numbers of devices-metrics §2.2.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { HddGeometry, seekExponent } from '../../src/device/hdd-geometry.js';
import type { HddProfile } from '../../src/device/profile.js';
import { loadProfile } from '../../src/device/registry.js';

const base = loadProfile('hdd-7200') as HddProfile;

describe('hdd geometry', () => {
  it('seek exponent of the spec example: t_min 1.0, t_avg 8.5, t_full 17 ms gives p ≈ 0.63', () => {
    expect(seekExponent(1, 8.5, 17)).toBeCloseTo(0.63, 2);
  });

  it('the fitted curve averages to t_avg over uniformly random pairs (density 2(1 - x))', () => {
    for (const [tMin, tAvg, tFull] of [
      [1, 8.5, 17],
      [0.8, 8, 16],
      [0.3, 3.3, 6.5],
      [1, 12, 20],
    ]) {
      const p = seekExponent(tMin, tAvg, tFull);
      // Simpson's rule over [0, 1] with 2000 intervals.
      const f = (x: number) => 2 * (1 - x) * (tMin + (tFull - tMin) * x ** p);
      const n = 2000;
      let sum = f(0) + f(1);
      for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(i / n);
      expect(sum / (3 * n) / tAvg).toBeCloseTo(1, 4);
    }
  });

  it('seek time: none within a track, t_min + (t_full - t_min) x^p beyond, t_full across the disk', () => {
    const g = new HddGeometry(base);
    const p = seekExponent(0.8, 8, 16);
    expect(g.seekNs(1000, 1100)).toBe(0);
    const half = Math.floor(g.capacitySectors / 2);
    // Tabulated curve: within 10 ns of the formula.
    expect(Math.abs(g.seekNs(0, half) - (0.8 + 15.2 * (half / g.capacitySectors) ** p) * 1e6)).toBeLessThan(
      10,
    );
    expect(Math.abs(g.seekNs(0, g.capacitySectors) - 16e6)).toBeLessThan(10);
  });

  test.prop([fc.double({ min: 0.3, max: 1.5, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'the tabulated seek curve stays within the linear-interpolation bound of t_min + (t_full - t_min) x^p',
    (p, x) => {
      // Choose t_avg so that the fitted exponent is p: t_avg = t_min + span·2/((p+1)(p+2)).
      const tAvg = 1 + (16 * 2) / ((p + 1) * (p + 2));
      const g = new HddGeometry({ ...base, trackToTrackSeekMs: 1, avgSeekMs: tAvg, fullStrokeSeekMs: 17 });
      const d = Math.max(Math.ceil(g.sectorsPerTrack(0)), Math.round(x * g.capacitySectors));
      const exact = (1 + 16 * (d / g.capacitySectors) ** p) * 1e6;
      // The table holds f(u) = u^(4p) at u = i/1024 (u = x^(1/4)); linear interpolation errs by
      // at most h²/8 · max|f''| with h = 1/1024 and f''(u) = 4p(4p-1)u^(4p-2), largest at u = 1
      // for 4p >= 2 and at the first interval end otherwise, times the 16 ms span: ~11 ns at
      // p = 0.73, ~57 ns at p = 1.5, a few ns below p = 0.5.
      const h = 1 / 1024;
      const k = 4 * p;
      const f2 = Math.abs(k * (k - 1)) * Math.max(1, h ** (k - 2));
      const bound = ((h * h) / 8) * f2 * 16e6;
      expect(Math.abs(g.seekNs(0, d) - exact)).toBeLessThanOrEqual(bound + 1);
    },
  );

  it('zoned rate: R_OD at LBA 0, R_ID at the end, R_OD·sqrt(1 - f(1 - k²)) between', () => {
    const g = new HddGeometry(base);
    const mbps = (s: number) => g.rateAt(s) * 1000; // bytes/ns -> MB/s
    expect(mbps(0)).toBeCloseTo(255, 9);
    expect(mbps(g.capacitySectors)).toBeCloseTo(140, 9);
    const k = 140 / 255;
    expect(mbps(g.capacitySectors / 4)).toBeCloseTo(255 * Math.sqrt(1 - 0.25 * (1 - k * k)), 9);
  });

  it('spec example: 270 MB/s at 7200 rpm is about 2.25 MB (about 4400 sectors) per outer track', () => {
    const g = new HddGeometry({ ...base, mediaRateOdMBps: 270, mediaRateIdMBps: 150 });
    expect((g.sectorsPerTrack(0) * 512) / 1e6).toBeCloseTo(2.25, 2);
    expect(g.sectorsPerTrack(0)).toBeGreaterThan(4350);
    expect(g.sectorsPerTrack(0)).toBeLessThan(4450);
    expect(g.revNs).toBeCloseTo(8_333_333.33, 1);
  });
});
