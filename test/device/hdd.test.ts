// Disk model against hand computation (devices-metrics §2.2: T = overhead + seek (+ settle)
// + rotational wait + zoned transfer). The base profile is built for easy arithmetic: 6000 rpm
// (10 ms per turn), 2,000,000 sectors, 100 MB/s outer / 50 MB/s inner, seek 1 / 8.5 / 17 ms
// (the spec's worked example), "average" rotation = half a turn per media access.
import { describe, expect, it } from 'vitest';
import type { HddProfile } from '../../src/device/profile.js';
import { validateProfile } from '../../src/device/profile.js';
import { loadProfile } from '../../src/device/registry.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { Bench, closedLoop } from './harness.js';

const H: HddProfile = {
  name: 'test-hdd',
  type: 'hdd',
  description: 'hand-computable disk',
  source: { origin: 'assumed' },
  queueDepth: 32,
  nrHwQueues: 1,
  rotational: true,
  rpm: 6000,
  capacityGB: 1.024,
  trackToTrackSeekMs: 1,
  avgSeekMs: 8.5,
  fullStrokeSeekMs: 17,
  writeSettleMs: 0.5,
  mediaRateOdMBps: 100,
  mediaRateIdMBps: 50,
  commandOverheadUs: 100,
  linkMBps: 500,
  ncqWindow: 1,
  ageLimitMs: 1000,
  rotationModel: 'average',
  readAheadKiB: 0,
  cacheSegments: 1,
  writeCache: 'none',
  writeCacheKiB: 0,
  fua: true,
  flushOverheadUs: 50,
};
const hdd = (o: Partial<HddProfile>): HddProfile => ({ ...H, ...o });
const SECTORS = 2_000_000;
const REV = 10e6; // ns
// Seek curve exponent, solved here from (p+1)(p+2) = 2(t_full - t_min)/(t_avg - t_min).
const P = (-3 + Math.sqrt(1 + 4 * ((2 * 16) / 7.5))) / 2;
const seekNs = (from: number, to: number) => (1 + 16 * (Math.abs(to - from) / SECTORS) ** P) * 1e6;
/** 4096 B at the zoned rate of sector s: 100 MB/s x sqrt(1 - f(1 - 0.5²)) = 0.1 B/ns x ... */
const xfer4k = (s: number) => 4096 / (0.1 * Math.sqrt(1 - (s / SECTORS) * 0.75));
const CMD = 100_000;

describe('hdd model: single requests', () => {
  it('the test profile is valid', () => {
    expect(validateProfile(H)).toEqual([]);
  });

  it('read on the current track: overhead + half a turn + transfer', () => {
    const b = new Bench(H);
    b.at(0, OP.READ, 0, 4096);
    b.run();
    expect(b.latency(0)).toBeCloseTo(CMD + REV / 2 + xfer4k(0), -1);
  });

  it('read across the disk: + seek from the power-law curve; transfer at the inner rate', () => {
    const b = new Bench(H);
    b.at(0, OP.READ, 0, 4096);
    b.at(50e6, OP.READ, SECTORS - 8, 4096); // each starts on an idle drive
    b.at(100e6, OP.READ, SECTORS / 2, 4096);
    b.run();
    expect(b.latency(1)).toBeCloseTo(CMD + seekNs(8, SECTORS - 8) + REV / 2 + xfer4k(SECTORS - 8), -1);
    expect(b.latency(2)).toBeCloseTo(CMD + seekNs(SECTORS, SECTORS / 2) + REV / 2 + xfer4k(SECTORS / 2), -1);
    // The full-stroke seek is the profile's 17 ms to within the last track.
    expect(seekNs(8, SECTORS - 8) / 1e6).toBeCloseTo(17, 3);
  });

  it('a media write adds the write settle time after a seek', () => {
    const b = new Bench(H);
    b.at(0, OP.WRITE, SECTORS / 2, 4096);
    b.run();
    expect(b.latency(0)).toBeCloseTo(
      CMD + seekNs(0, SECTORS / 2) + 500_000 + REV / 2 + xfer4k(SECTORS / 2),
      -1,
    );
  });

  it('exact rotation: QD1 random 4 KiB reads average overhead + avg seek + half a turn + transfer', () => {
    const p = hdd({ rotationModel: 'exact' });
    const r = closedLoop(p, { qd: 1, count: 3000, bytes: 4096, spanSectors: SECTORS });
    // Mean transfer over a uniform LBA: E[1/sqrt(1 - 0.75 f)] = (2/0.75)(1 - 0.5) = 4/3 of the OD time.
    const expected = CMD + 8.5e6 + REV / 2 + (4096 / 0.1) * (4 / 3);
    expect(r.meanNs / expected).toBeCloseTo(1, 1);
    expect(Math.abs(r.meanNs / expected - 1)).toBeLessThan(0.03);
  });
});

describe('hdd model: NCQ reordering', () => {
  const o = { count: 3000, bytes: 4096, spanSectors: SECTORS };
  const p = hdd({ rotationModel: 'exact' });

  it('window 1 is FIFO: QD32 gives the QD1 throughput', () => {
    const qd1 = closedLoop(p, { ...o, qd: 1 }).iops;
    const qd32 = closedLoop(p, { ...o, qd: 32 }).iops;
    expect(qd32 / qd1).toBeCloseTo(1, 1);
  });

  it('a 32-command window gains over 2x at QD32 (enterprise drives: about 2.4x, §2.2)', () => {
    const qd1 = closedLoop(p, { ...o, qd: 1 }).iops;
    const qd32 = closedLoop(hdd({ rotationModel: 'exact', ncqWindow: 32 }), { ...o, qd: 32 }).iops;
    expect(qd32 / qd1).toBeGreaterThan(2);
    expect(qd32 / qd1).toBeLessThan(4);
  });

  it('the age limit bounds how long reordering can pass a request over', () => {
    const max = (ageLimitMs: number) => {
      const r = closedLoop(hdd({ rotationModel: 'exact', ncqWindow: 32, ageLimitMs }), { ...o, qd: 32 });
      return Math.max(...r.bench.done.map((d) => d.doneNs - d.submitNs));
    };
    const limited = max(500);
    expect(limited).toBeLessThan(max(100_000));
    // Once past the limit a request waits only for older aged ones: at most the other 31
    // commands, each under a full stroke + a turn + overhead (28 ms).
    expect(limited).toBeLessThan(500e6 + 31 * 28e6);
  });
});

describe('hdd model: caches, flush, FUA', () => {
  it('write cache: a write is acknowledged after overhead + link transfer', () => {
    const b = new Bench(hdd({ writeCache: 'volatile', writeCacheKiB: 1024 }));
    b.at(0, OP.WRITE, SECTORS / 2, 4096);
    b.run();
    expect(b.latency(0)).toBe(CMD + 4096 * 2);
  });

  it('FLUSH waits for the destage of dirty data, then overhead + flush cost', () => {
    const b = new Bench(hdd({ writeCache: 'volatile', writeCacheKiB: 1024 }));
    b.at(0, OP.WRITE, SECTORS / 2, 4096);
    b.at(200_000, OP.FLUSH, -1, 0);
    b.run();
    // The destage starts when the write is acknowledged, without command overhead.
    const ack = CMD + 4096 * 2;
    const destaged = ack + seekNs(0, SECTORS / 2) + 500_000 + REV / 2 + xfer4k(SECTORS / 2);
    expect(b.done[1].rq.op).toBe(OP.FLUSH);
    expect(b.done[1].doneNs).toBeCloseTo(destaged + CMD + 50_000, -1);
  });

  it('FUA writes go to the media even with the write cache on', () => {
    const b = new Bench(hdd({ writeCache: 'volatile', writeCacheKiB: 1024 }));
    b.at(0, OP.WRITE, SECTORS / 2, 4096, FLAG.FUA);
    b.run();
    expect(b.latency(0)).toBeCloseTo(
      CMD + seekNs(0, SECTORS / 2) + 500_000 + REV / 2 + xfer4k(SECTORS / 2),
      -1,
    );
  });

  it('a read of data still in the write cache is served from it', () => {
    const b = new Bench(hdd({ writeCache: 'volatile', writeCacheKiB: 1024, flushOverheadUs: 0 }));
    b.at(0, OP.WRITE, 5000, 8192);
    b.at(1000, OP.READ, 5008, 4096);
    b.run();
    const read = b.done.find((d) => d.rq.op === OP.READ);
    expect(read && read.doneNs - read.submitNs).toBeLessThanOrEqual(CMD + 8192 * 2 + 4096 * 2);
  });

  it('FLUSH is non-queued: refused while commands run, and refuses commands while it runs', () => {
    const b = new Bench(hdd({ writeCache: 'volatile', writeCacheKiB: 1024 }));
    expect(b.submit(OP.READ, 0, 4096)).toBe('queued');
    expect(b.submit(OP.FLUSH, -1, 0)).toBe('busy');
    b.run();
    expect(b.submit(OP.FLUSH, -1, 0)).toBe('queued');
    expect(b.submit(OP.READ, 0, 4096)).toBe('busy');
    b.run();
    expect(b.submit(OP.READ, 0, 4096)).toBe('queued');
  });

  it('read-ahead: a QD1 sequential stream reads at the media rate, not one turn per request', () => {
    const p = hdd({ rotationModel: 'exact', readAheadKiB: 512, cacheSegments: 4 });
    const r = closedLoop(p, { qd: 1, count: 400, bytes: 131072, spanSectors: SECTORS, sequential: true });
    const mbps = (400 * 131072) / (r.bench.engine.now / 1e9) / 1e6;
    // 50 MB from the outer edge: the zoned rate falls about 2% over it.
    expect(mbps).toBeGreaterThan(95);
    expect(mbps).toBeLessThanOrEqual(100);
  });

  it('read-ahead: a slow sequential reader is served from the cache (overhead + link transfer)', () => {
    const b = new Bench(hdd({ rotationModel: 'exact', readAheadKiB: 512, cacheSegments: 4 }));
    for (let i = 0; i < 100; i++) b.at(i * 1e6, OP.READ, 1000 + i * 8, 4096); // 4 MB/s
    b.run();
    const hits = b.done.filter((d) => d.doneNs - d.submitNs === CMD + 4096 * 2).length;
    expect(hits).toBe(99);
  });
});

describe('hdd model: queueing and determinism', () => {
  it('busy when all tags are in use', () => {
    const b = new Bench(hdd({ queueDepth: 4 }));
    for (let i = 0; i < 4; i++) expect(b.submit(OP.READ, i * 100_000, 4096)).toBe('queued');
    expect(b.dev.inflight).toBe(4);
    expect(b.submit(OP.READ, 0, 4096)).toBe('busy');
    b.run();
    expect(b.dev.inflight).toBe(0);
    expect(b.done).toHaveLength(4);
  });

  it('same seed, same times; another seed moves the platter phase', () => {
    const p = loadProfile('hdd-7200');
    const run = (deviceSeed: number) =>
      closedLoop(p, { qd: 8, count: 300, bytes: 4096, spanSectors: 1e9, deviceSeed }).bench.done.map(
        (d) => d.doneNs,
      );
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
});
