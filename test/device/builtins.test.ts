// Built-in profiles against the figures they were built from: each row is a measured or
// datasheet value with its source, a tolerance, and the same workload run on the model
// (devices-metrics §2.6: profile tests against expect tables). loop-virtio is checked
// against btt's own analysis of a sample trace in traces/.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../../src/device/profile.js';
import { loadProfile } from '../../src/device/registry.js';
import { Rng } from '../../src/sim/rng.js';
import { OP } from '../../src/trace/event.js';
import { Bench, closedLoop, type LoopOptions } from './harness.js';

/** Span for random I/O: a disk's whole surface; 512 GB of flash (any span: no seeks). */
function spanOf(p: DeviceProfile): number {
  return p.type === 'hdd' ? Math.floor((p.capacityGB * 1e9) / 512) : 1e9;
}

interface Row {
  what: string;
  source: string;
  profile: string;
  load: Omit<LoopOptions, 'spanSectors'>;
  metric: 'iops' | 'meanUs' | 'mbps';
  expected: number;
  /** Relative tolerance. */
  tol: number;
}

const ROWS: Row[] = [
  {
    what: '4 KiB random read QD1 latency',
    source: 'Samsung 870 EVO datasheet: 13K IOPS at QD1 (about 77 us)',
    profile: 'sata-ssd',
    load: { qd: 1, count: 2000, bytes: 4096 },
    metric: 'meanUs',
    expected: 77,
    tol: 0.05,
  },
  {
    what: '4 KiB random read QD32',
    source: 'Samsung 870 EVO datasheet: 98K IOPS',
    profile: 'sata-ssd',
    load: { qd: 32, count: 8000, bytes: 4096 },
    metric: 'iops',
    expected: 98_000,
    tol: 0.1,
  },
  {
    what: '4 KiB random write QD1',
    source: 'Samsung 870 EVO datasheet: 36K IOPS',
    profile: 'sata-ssd',
    load: { qd: 1, count: 2000, bytes: 4096, op: OP.WRITE },
    metric: 'iops',
    expected: 36_000,
    tol: 0.1,
  },
  {
    what: '4 KiB random write QD32',
    source: 'Samsung 870 EVO datasheet: 88K IOPS',
    profile: 'sata-ssd',
    load: { qd: 32, count: 8000, bytes: 4096, op: OP.WRITE },
    metric: 'iops',
    expected: 88_000,
    tol: 0.15,
  },
  {
    what: '128 KiB sequential read',
    source: 'Samsung 870 EVO datasheet: 560 MB/s',
    profile: 'sata-ssd',
    load: { qd: 32, count: 2000, bytes: 131072, sequential: true },
    metric: 'mbps',
    expected: 560,
    tol: 0.05,
  },
  {
    what: '128 KiB sequential write',
    source: 'Samsung 870 EVO datasheet: 530 MB/s',
    profile: 'sata-ssd',
    load: { qd: 32, count: 2000, bytes: 131072, sequential: true, op: OP.WRITE },
    metric: 'mbps',
    expected: 530,
    tol: 0.1,
  },
  {
    what: '4 KiB random read QD1 latency',
    source: 'Samsung PM9A3 datasheet: 80 us',
    profile: 'nvme',
    load: { qd: 1, count: 2000, bytes: 4096 },
    metric: 'meanUs',
    expected: 80,
    tol: 0.05,
  },
  {
    what: '4 KiB random read at high queue depth',
    source: 'Samsung PM9A3 datasheet: about 850K IOPS',
    profile: 'nvme',
    load: { qd: 1023, count: 20_000, bytes: 4096 },
    metric: 'iops',
    expected: 850_000,
    tol: 0.1,
  },
  {
    what: '4 KiB write QD1 latency',
    source: 'Samsung PM9A3 datasheet: about 30 us',
    profile: 'nvme',
    load: { qd: 1, count: 2000, bytes: 4096, op: OP.WRITE },
    metric: 'meanUs',
    expected: 30,
    tol: 0.05,
  },
  {
    what: '4 KiB random write, steady state',
    source: 'Samsung PM9A3 datasheet: 130K IOPS',
    profile: 'nvme',
    load: { qd: 32, count: 60_000, bytes: 4096, op: OP.WRITE },
    metric: 'iops',
    expected: 130_000,
    tol: 0.1,
  },
  {
    what: '128 KiB sequential read',
    source: 'Samsung PM9A3 datasheet: 6800 MB/s',
    profile: 'nvme',
    load: { qd: 32, count: 4000, bytes: 131072, sequential: true },
    metric: 'mbps',
    expected: 6800,
    tol: 0.05,
  },
  {
    what: '128 KiB sequential write',
    source: 'Samsung PM9A3 datasheet: 2700 MB/s',
    profile: 'nvme',
    load: { qd: 32, count: 4000, bytes: 131072, sequential: true, op: OP.WRITE },
    metric: 'mbps',
    expected: 2700,
    tol: 0.1,
  },
  {
    what: '4 KiB random read QD1 latency',
    source: 'HGST Ultrastar 7K8: 8.0 ms average seek + 4.16 ms average latency = 12.2 ms',
    profile: 'hdd-7200',
    load: { qd: 1, count: 1500, bytes: 4096 },
    metric: 'meanUs',
    expected: 12_200,
    tol: 0.05,
  },
  {
    what: '4 KiB random read QD32 (NCQ)',
    source: 'typical 7200 rpm SATA drive with NCQ (ublk-disksim 7K8 expect table): about 200 IOPS',
    profile: 'hdd-7200',
    load: { qd: 32, count: 3000, bytes: 4096 },
    metric: 'iops',
    expected: 200,
    tol: 0.15,
  },
  {
    what: '1 MiB sequential read at the outer edge',
    source: 'HGST Ultrastar 7K8 datasheet: 255 MB/s',
    profile: 'hdd-7200',
    load: { qd: 1, count: 200, bytes: 1 << 20, sequential: true },
    metric: 'mbps',
    expected: 255,
    tol: 0.05,
  },
];

/** IOPS over the second half of the completions (past any buffer fill-up). */
function steadyIops(done: { doneNs: number }[]): number {
  const half = Math.floor(done.length / 2);
  return (done.length - 1 - half) / ((done[done.length - 1].doneNs - done[half].doneNs) / 1e9);
}

describe('built-in profiles reproduce their datasheet figures', () => {
  it.each(ROWS.map((r) => [`${r.profile}: ${r.what}`, r] as const))('%s', (_, row) => {
    const p = loadProfile(row.profile);
    const r = closedLoop(p, { ...row.load, spanSectors: spanOf(p) });
    const iops = steadyIops(r.bench.done);
    const got =
      row.metric === 'iops' ? iops : row.metric === 'mbps' ? (iops * row.load.bytes) / 1e6 : r.meanNs / 1e3;
    expect(Math.abs(got / row.expected - 1), `${got} vs ${row.expected} (${row.source})`).toBeLessThanOrEqual(
      row.tol,
    );
  });

  it('hdd-7200: a random 4 KiB write + flush costs about 14.5 ms (ublk-disksim 7K8 table: 13-16 ms per flush)', () => {
    const p = loadProfile('hdd-7200');
    const b = new Bench(p);
    const wl = new Rng(42);
    let sum = 0;
    const n = 200;
    let i = 0;
    // Write, then flush as soon as it is acknowledged; repeat n times.
    const step = (): void => {
      if (i++ >= n) return;
      const t0 = b.engine.now;
      b.submit(OP.WRITE, wl.int(spanOf(p) / 8) * 8, 4096);
      b.onDone = (d) => {
        if (d.rq.op === OP.WRITE) b.submit(OP.FLUSH, -1, 0);
        else {
          sum += b.engine.now - t0;
          step();
        }
      };
    };
    step();
    b.run();
    expect(sum / n / 14.5e6).toBeGreaterThan(0.8);
    expect(sum / n / 14.5e6).toBeLessThan(1.2);
  });
});

/** avg seconds and N of a row of btt's "All Devices" table. */
function bttRow(text: string, name: string): { avg: number; n: number } {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} row`);
  const f = line.trim().split(/\s+/);
  return { avg: Number(f[2]), n: Number(f[4]) };
}

describe('loop-virtio against the sample traces', () => {
  it('prio-classes.none: throughput and mean D2C at the trace concurrency, within 10% of btt', () => {
    const btt = readFileSync(new URL('../../traces/prio-classes.none.btt.avg', import.meta.url), 'utf8');
    const d2c = bttRow(btt, 'D2C');
    const q2q = bttRow(btt, 'Q2Q');
    const iops = d2c.n / (q2q.avg * q2q.n);
    const inflight = Math.round(iops * d2c.avg); // Little's law
    expect(inflight).toBe(17);
    // The workload: 4 KiB random reads over the 1.5 GiB fio file (jobs/prio-classes.fio size=1536m).
    const r = closedLoop(loadProfile('loop-virtio'), {
      qd: inflight,
      count: 20_000,
      bytes: 4096,
      spanSectors: 3_145_728,
    });
    expect(Math.abs(r.iops / iops - 1)).toBeLessThan(0.1);
    expect(Math.abs(r.meanNs / 1e9 / d2c.avg - 1)).toBeLessThan(0.1);
  });
});
