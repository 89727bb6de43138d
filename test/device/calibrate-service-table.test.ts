// Fitting empirical service-time tables: evenly spaced quantiles and size classes checked by
// hand, and a round trip where idle requests run on a flash model whose t_R and write
// acknowledgement follow known tables (the harness drives the model, not calibration code)
// and calibration must give those distributions back (devices-metrics §2.5 step 3).
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/device/calibrate/calibrate.js';
import { requestsFromRows } from '../../src/device/calibrate/requests.js';
import { evenQuantiles, fitServiceTable } from '../../src/device/calibrate/service-table.js';
import type { SsdProfile } from '../../src/device/profile.js';
import { loadProfile } from '../../src/device/registry.js';
import { Rng } from '../../src/sim/rng.js';
import { OP } from '../../src/trace/event.js';
import { Bench } from './harness.js';

describe('evenQuantiles: probabilities i/(m−1), linear between order statistics', () => {
  const s = Float64Array.from([1, 2, 3, 4, 5]);
  it('m = n gives the sample itself', () => {
    expect(evenQuantiles(s, 5)).toEqual([1, 2, 3, 4, 5]);
  });
  it('m = 3: minimum, median, maximum', () => {
    expect(evenQuantiles(s, 3)).toEqual([1, 3, 5]);
  });
  it('m = 9: half-way points between neighbours', () => {
    expect(evenQuantiles(s, 9)).toEqual([1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]);
  });
  it('values at or below zero become 1 ns (0.001 µs)', () => {
    expect(evenQuantiles(Float64Array.from([-3, 0, 2]), 3)).toEqual([0.001, 0.001, 2]);
  });
});

describe('fitServiceTable: size classes of at least 50 samples', () => {
  const fill = (bytes: number, n: number) => Array.from({ length: n }, () => bytes);
  it('4 KiB x60, 8 KiB x10, 128 KiB x55: classes up to 4 and up to 128 KiB', () => {
    const bytes = [...fill(4096, 60), ...fill(8192, 10), ...fill(131072, 55)];
    const t = fitServiceTable(
      bytes,
      bytes.map((b) => b / 1024),
    );
    expect(t?.classes.map((c) => c.upToKiB)).toEqual([4, 128]);
    expect(t?.counts).toEqual([60, 65]);
    // The 128 KiB class holds ten 8 µs samples and fifty-five 128 µs ones.
    expect(t?.classes[1].quantilesUs[0]).toBe(8);
    expect(t?.classes[1].quantilesUs[64]).toBe(128);
  });
  it('a size too rare to stand alone at the end joins the last class', () => {
    const bytes = [...fill(4096, 60), ...fill(8192, 10)];
    const t = fitServiceTable(
      bytes,
      bytes.map(() => 1),
    );
    expect(t?.classes.map((c) => c.upToKiB)).toEqual([8]);
    expect(t?.counts).toEqual([70]);
  });
  it('fewer than 50 samples in all: no table', () => {
    expect(fitServiceTable(fill(4096, 49), fill(1, 49))).toBeUndefined();
  });
});

describe('calibrate: service-time tables round trip', () => {
  // t_R: half the reads uniform on 50..150 µs, half on 150..450 µs (quartiles 100, 150, 300);
  // write acknowledgement uniform on 100..200 µs (quartiles 125, 150, 175).
  const truth: SsdProfile = {
    ...(loadProfile('loop-virtio') as SsdProfile),
    name: 'truth',
    readOverheadUs: 15,
    readHitRatio: 0,
    channelMBps: 1000,
    channels: 4,
    readServiceQuantiles: [{ upToKiB: 64, quantilesUs: [50, 150, 450] }],
    writeServiceQuantiles: [{ upToKiB: 64, quantilesUs: [100, 200] }],
  };
  const rng = new Rng(11);
  const b = new Bench(truth, 4);
  // Idle device: one request every 2 ms (service under 0.6 ms); 4 KiB and 64 KiB reads, 8 KiB writes.
  for (let i = 0; i < 8000; i++) {
    const u = rng.next();
    const [op, bytes] = u < 0.45 ? [OP.READ, 4096] : u < 0.9 ? [OP.READ, 65536] : [OP.WRITE, 8192];
    b.at(i * 2_000_000, op, rng.int(1 << 20) * 128, bytes);
  }
  b.run();
  const reqs = requestsFromRows(
    b.done.map((d) => ({
      tD: d.submitNs,
      tC: d.doneNs,
      op: d.rq.op,
      sector: d.rq.sector,
      bytes: d.rq.bytes,
    })),
  );
  const p = calibrate([{ name: 'synthetic', requests: reqs }], { name: 'fit' }).profile as SsdProfile;
  const at = (q: number[], u: number) => q[Math.round(u * (q.length - 1))];

  it('one read class per size seen, one write class', () => {
    expect(p.readServiceQuantiles?.map((c) => c.upToKiB)).toEqual([4, 64]);
    expect(p.writeServiceQuantiles?.map((c) => c.upToKiB)).toEqual([8]);
  });

  it('reads: fixed delay + table quartiles = 15 µs + 100 / 150 / 300 µs within 5% (both sizes)', () => {
    for (const c of p.readServiceQuantiles ?? [])
      for (const [u, tR] of [
        [0.25, 100],
        [0.5, 150],
        [0.75, 300],
      ]) {
        const v = p.readOverheadUs + at(c.quantilesUs, u);
        expect(v).toBeGreaterThan((15 + tR) * 0.95);
        expect(v).toBeLessThan((15 + tR) * 1.05);
      }
  });

  it('writes: table quartiles 125 / 150 / 175 µs within 5%', () => {
    const q = p.writeServiceQuantiles?.[0].quantilesUs ?? [];
    for (const [u, ack] of [
      [0.25, 125],
      [0.5, 150],
      [0.75, 175],
    ]) {
      expect(at(q, u)).toBeGreaterThan(ack * 0.95);
      expect(at(q, u)).toBeLessThan(ack * 1.05);
    }
  });

  it('the fit cites where the tables came from', () => {
    expect(p.source.params?.readServiceQuantiles).toMatch(/^fitted: quantiles of \d+ idle reads/);
    expect(p.source.params?.writeServiceQuantiles).toMatch(/^fitted: quantiles of \d+ idle-device writes/);
  });
});
