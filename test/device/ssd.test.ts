// Flash model against hand computation from its parameters (devices-metrics §2.3 formulas).
// Base profile numbers are chosen for easy arithmetic: link 1 ns/B + 2 µs per command,
// channel 2 ns/B, 4 KiB pages, t_R 50 µs, t_PROG 200 µs, write amplification 2.
import { describe, expect, it } from 'vitest';
import type { SsdProfile } from '../../src/device/profile.js';
import { validateProfile } from '../../src/device/profile.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { Bench, closedLoop } from './harness.js';

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

// Components in ns.
const LINK_4K = 2_000 + 4_096; // command + 4096 B at 1 ns/B
const CH_4K = 8_192; // 4096 B at 2 ns/B

describe('ssd model: reads', () => {
  it('the test profile is valid', () => {
    expect(validateProfile(T)).toEqual([]);
  });

  it('QD1 4 KiB read = overhead + t_R + page/channel + command + size/link', () => {
    const b = new Bench(T);
    b.at(0, OP.READ, 0, 4096);
    b.run();
    expect(b.latency(0)).toBe(10_000 + 50_000 + CH_4K + LINK_4K);
  });

  it('pages on different dies are read in parallel; a second page on a die waits for it', () => {
    const b = new Bench(ssd({ linkMBps: 1e6, linkCommandUs: 0 })); // link ~free: 4 ns per 4 KiB
    for (let page = 0; page < 5; page++) b.at(0, OP.READ, page * 8, 4096);
    b.run();
    const done = new Map(b.done.map((d) => [d.rq.id, d.doneNs]));
    const first = 10_000 + 50_000 + CH_4K;
    // Pages 0-3 sit on dies 0-3 (channels 0-3): all finish together; the link moves them in turn.
    expect([0, 1, 2, 3].map((i) => done.get(i))).toEqual([first + 4, first + 8, first + 12, first + 16]);
    // Page 4 is on die 0 again: sensing starts when die 0 has handed page 0 to its channel.
    expect(done.get(4)).toBe(first + 50_000 + CH_4K + 4);
  });

  it('one die at QD2 is busy all the time: IOPS = 1 / (t_R + transfer)', () => {
    const p = ssd({ channels: 1, linkMBps: 1e6, linkCommandUs: 0 });
    const r = closedLoop(p, { qd: 2, count: 3000, bytes: 4096, spanSectors: 1 << 20 });
    expect(r.iops).toBeCloseTo(1e9 / (50_000 + CH_4K), -1);
  });

  it('QD32 over 8 dies: throughput gain over QD1 follows the parallelism (§2.3 balls in bins)', () => {
    const p = ssd({ channels: 8, linkMBps: 1e6, linkCommandUs: 0, queueDepth: 32 });
    const o = { count: 6000, bytes: 4096, spanSectors: 1 << 22 };
    const qd1 = closedLoop(p, { ...o, qd: 1 }).iops;
    const qd32 = closedLoop(p, { ...o, qd: 32 }).iops;
    const dieBound = 8 / (50_000 + CH_4K); // per ns, all dies busy
    expect(qd1).toBeCloseTo(1e9 / (10_000 + 50_000 + CH_4K + 4), 0);
    // A die is idle only when no request maps to it: utilisation is at most 1, and at least the
    // closed product-form value K/(K+M-1) = 32/39 for exponential service (ours is constant).
    expect(qd32 / 1e9).toBeLessThanOrEqual(dieBound);
    expect(qd32 / 1e9).toBeGreaterThanOrEqual((32 / 39) * dieBound);
    // The snapshot formula N_eff(q) = N(1 - (1 - 1/N)^q) predicts the same within 15%.
    const nEff = 8 * (1 - (7 / 8) ** 32);
    expect(qd32 / 1e9 / (nEff / (50_000 + CH_4K))).toBeGreaterThan(0.85);
  });

  it('readHitRatio: that share of reads skips the flash', () => {
    const p = ssd({ readHitRatio: 0.3, readHitLatencyUs: 1 });
    const r = closedLoop(p, { qd: 1, count: 4000, bytes: 4096, spanSectors: 1 << 20 });
    const hit = 10_000 + 1_000 + LINK_4K;
    const miss = 10_000 + 50_000 + CH_4K + LINK_4K;
    expect(r.meanNs / (0.3 * hit + 0.7 * miss)).toBeCloseTo(1, 1);
  });
});

describe('ssd model: writes, write buffer, flush, FUA', () => {
  it('buffered write is acknowledged after link + controller (§2.3 write(ack))', () => {
    const b = new Bench(T);
    b.at(0, OP.WRITE, 0, 4096);
    b.run();
    expect(b.latency(0)).toBe(LINK_4K + 5_000);
  });

  it('write-through: + page transfer + t_PROG (x WA unless the write is sequential)', () => {
    const b = new Bench(ssd({ writeCache: 'none' }));
    b.at(0, OP.WRITE, 0, 4096);
    b.at(1_000_000, OP.WRITE, 8, 4096); // continues the previous write
    b.at(2_000_000, OP.WRITE, 800, 4096); // random again
    b.run();
    expect([b.latency(0), b.latency(1), b.latency(2)]).toEqual([
      LINK_4K + 5_000 + CH_4K + 400_000,
      LINK_4K + 5_000 + CH_4K + 200_000,
      LINK_4K + 5_000 + CH_4K + 400_000,
    ]);
  });

  it('FUA bypasses a volatile buffer but not a power-loss-protected one', () => {
    const v = new Bench(T);
    v.at(0, OP.WRITE, 0, 4096, FLAG.FUA);
    v.run();
    expect(v.latency(0)).toBe(LINK_4K + 5_000 + CH_4K + 400_000);
    const plp = new Bench(ssd({ writeCache: 'plp' }));
    plp.at(0, OP.WRITE, 0, 4096, FLAG.FUA);
    plp.run();
    expect(plp.latency(0)).toBe(LINK_4K + 5_000);
  });

  it('FLUSH waits for the buffered data to be programmed, then its own cost', () => {
    const b = new Bench(T);
    b.at(0, OP.WRITE, 0, 4096);
    b.at(0, OP.FLUSH, -1, 0);
    b.run();
    const programmed = LINK_4K + 5_000 + CH_4K + 400_000;
    expect(b.done.find((d) => d.rq.op === OP.FLUSH)?.doneNs).toBe(programmed + 30_000);
  });

  it('FLUSH programs a partly filled page (padded)', () => {
    const b = new Bench(ssd({ pageKiB: 16 }));
    b.at(0, OP.WRITE, 0, 4096);
    b.at(0, OP.FLUSH, -1, 0);
    b.run();
    const ack = LINK_4K + 5_000;
    // The padded page moves 16 KiB over the channel and programs at t_PROG (no GC for padding).
    expect(b.done.find((d) => d.rq.op === OP.FLUSH)?.doneNs).toBe(ack + 16_384 * 2 + 200_000 + 30_000);
  });

  it('FLUSH on a PLP device costs only controller + flush time', () => {
    const b = new Bench(ssd({ writeCache: 'plp' }));
    b.at(0, OP.WRITE, 0, 4096);
    b.at(0, OP.FLUSH, -1, 0);
    b.run();
    expect(b.done.find((d) => d.rq.op === OP.FLUSH)?.doneNs).toBe(5_000 + 30_000);
  });

  it('a full buffer makes a write wait until a page program frees space', () => {
    const b = new Bench(ssd({ writeBufferKiB: 8 }));
    for (const sector of [0, 800, 1600]) b.at(0, OP.WRITE, sector, 4096);
    b.run();
    // Writes 1 and 2 fill the buffer; write 1's page is programmed on die 0 first.
    const firstProgrammed = LINK_4K + 5_000 + CH_4K + 400_000;
    expect(b.done.map((d) => d.doneNs)).toEqual([LINK_4K + 5_000, 2 * LINK_4K + 5_000, firstProgrammed]);
  });

  it('a read on a die with programs booked behind the current one waits for the current one only', () => {
    // One die: 8 buffered random writes at 0 book 8 programs back to back (400 µs each, WA 2).
    const b = new Bench(ssd({ channels: 1 }));
    for (let i = 0; i < 8; i++) b.at(0, OP.WRITE, i * 800, 4096);
    b.at(100_000, OP.READ, 90_000, 4096);
    b.run();
    // Write 0 is acknowledged after link + controller; its page then crosses the channel and
    // is programmed. The read (controller 10 µs, at 110 µs) lands inside that program, waits
    // for its end, not for the seven booked after it (devices-metrics §2.3: no suspend).
    const ack0 = LINK_4K + 5_000;
    const program0End = ack0 + CH_4K + 400_000;
    const read = b.done.find((d) => d.rq.op === OP.READ)!;
    expect(read.doneNs).toBe(program0End + 50_000 + CH_4K + LINK_4K);
  });

  it('sustained writes run at dies x page / (transfer + t_PROG x WA); sequential ones without WA', () => {
    const p = ssd({ writeBufferKiB: 16, queueDepth: 32 });
    const o = { qd: 32, count: 4000, bytes: 4096, op: OP.WRITE, spanSectors: 1 << 22 };
    const random = closedLoop(p, o).iops;
    const seq = closedLoop(p, { ...o, sequential: true }).iops;
    expect(random / (4e9 / (CH_4K + 400_000))).toBeCloseTo(1, 1);
    expect(seq / (4e9 / (CH_4K + 200_000))).toBeCloseTo(1, 1);
  });
});

describe('ssd model: queueing and determinism', () => {
  it('busy when all tags are in use', () => {
    const b = new Bench(ssd({ queueDepth: 2, nrHwQueues: 2 }));
    for (let i = 0; i < 4; i++) expect(b.submit(OP.READ, i * 8, 4096)).toBe('queued');
    expect(b.submit(OP.READ, 0, 4096)).toBe('busy');
    b.run();
    expect(b.dev.inflight).toBe(0);
  });

  it('a non-queued FLUSH (SATA) waits for an idle device and blocks everything beside it', () => {
    const b = new Bench(ssd({ flushBlocksQueue: true }));
    expect(b.submit(OP.READ, 0, 4096)).toBe('queued');
    expect(b.submit(OP.FLUSH, -1, 0)).toBe('busy');
    b.run();
    expect(b.submit(OP.FLUSH, -1, 0)).toBe('queued');
    expect(b.submit(OP.READ, 0, 4096)).toBe('busy');
    expect(b.submit(OP.WRITE, 0, 4096)).toBe('busy');
    b.run();
    expect(b.submit(OP.READ, 0, 4096)).toBe('queued');
    // NVMe-style: the flush is queued beside other commands.
    const q = new Bench(T);
    expect(q.submit(OP.READ, 0, 4096)).toBe('queued');
    expect(q.submit(OP.FLUSH, -1, 0)).toBe('queued');
    expect(q.submit(OP.READ, 8, 4096)).toBe('queued');
  });

  it('same seed, same completion times; another seed changes the cache hits', () => {
    const p = ssd({ readHitRatio: 0.5, readHitLatencyUs: 1 });
    const run = (deviceSeed: number) =>
      closedLoop(p, { qd: 8, count: 500, bytes: 4096, spanSectors: 1 << 20, deviceSeed }).bench.done.map(
        (d) => d.doneNs,
      );
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('discard costs a command slot on the link and the controller time', () => {
    const b = new Bench(T);
    b.at(0, OP.DISCARD, 0, 1 << 20);
    b.run();
    expect(b.latency(0)).toBe(2_000 + 5_000);
  });

  it('a profile with a discard cost: its controller time plus size / discardMBps', () => {
    const b = new Bench({ ...T, discardLatencyUs: 100, discardMBps: 1000 });
    b.at(0, OP.DISCARD, 0, 1 << 20);
    b.at(10_000_000, OP.DISCARD, 4096, 8 << 20);
    b.run();
    // 1 MiB at 1000 MB/s is 1048576 ns; 8 MiB 8388608 ns.
    expect(b.latency(0)).toBe(2_000 + 100_000 + 1_048_576);
    expect(b.latency(1)).toBe(2_000 + 100_000 + 8_388_608);
  });
});
