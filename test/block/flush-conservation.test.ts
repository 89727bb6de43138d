// Conservation and determinism with the flush machinery at work (ufq-model §2.11; STYLE §2.5
// properties): random streams of reads, writes flagged PREFLUSH and/or FUA, and empty flushes,
// through built-in device models with a volatile write cache (one that refuses other commands
// while its flush runs, one without FUA) and a fixed device with or without FUA. Every I/O
// completes exactly once, every request and scheduler tag comes back, nothing stays on a
// flush list, an empty flush is always served by a flush command (D) before it completes, and
// the same input gives the same stage times.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../../src/block/queue.js';
import { createDevice } from '../../src/device/model.js';
import type { DeviceProfile } from '../../src/device/profile.js';
import { loadProfile } from '../../src/device/registry.js';
import { KFUNC_HOST } from '../../src/policies/lib/index.js';
import none from '../../src/policies/none.js';
import ufq_simple from '../../src/policies/ufq_simple.js';
import { Engine } from '../../src/sim/engine.js';
import { Rng } from '../../src/sim/rng.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';

const evArb = fc.record({
  t: fc.integer({ min: 0, max: 3_000_000 }),
  kind: fc.constantFrom<'read' | 'write' | 'flush' | 'plug'>(
    'read',
    'write',
    'write',
    'flush',
    'flush',
    'plug',
  ),
  sector: fc.integer({ min: 0, max: 64 }).map((s) => s * 8),
  kib: fc.constantFrom(4, 4, 8, 64),
  flags: fc.constantFrom(0, FLAG.SYNC, FLAG.FUA, FLAG.PREFLUSH, FLAG.PREFLUSH | FLAG.FUA),
  pid: fc.integer({ min: 1, max: 4 }),
  cpu: fc.integer({ min: 0, max: 3 }),
});
type Ev = typeof evArb extends fc.Arbitrary<infer T> ? T : never;

const cfgArb = fc.record({
  device: fc.constantFrom('sata-ssd', 'loop-virtio', 'fixed-fua', 'fixed'),
  policy: fc.constantFrom('none', 'ufq_simple'),
  rev: fc.constantFrom<1 | 3>(1, 3),
  nrRequests: fc.integer({ min: 4, max: 16 }),
  queueDepth: fc.integer({ min: 1, max: 8 }),
  nrHwQueues: fc.integer({ min: 1, max: 2 }),
});
type Cfg = typeof cfgArb extends fc.Arbitrary<infer T> ? T : never;

function profileOf(cfg: Cfg): DeviceProfile {
  if (cfg.device.startsWith('fixed'))
    return {
      type: 'fixed',
      name: cfg.device,
      description: 'test',
      source: { origin: 'assumed' },
      queueDepth: cfg.queueDepth,
      nrHwQueues: cfg.nrHwQueues,
      rotational: false,
      readLatencyUs: 80,
      writeLatencyUs: 20,
      flushLatencyUs: 300,
      discardLatencyUs: 50,
      writeCache: 'volatile',
      fua: cfg.device === 'fixed-fua',
    };
  return {
    ...loadProfile(cfg.device),
    queueDepth: cfg.queueDepth,
    nrHwQueues: cfg.nrHwQueues,
  } as DeviceProfile;
}

function run(cfg: Cfg, evs: Ev[]) {
  const engine = new Engine();
  const n = evs.length;
  const b = new IoTableBuilder(n);
  for (let i = 0; i < n; i++) b.push();
  const table = b.table;
  const completions = new Uint8Array(n);
  const profile = profileOf(cfg);
  const q = new RequestQueue({
    engine,
    device: (cb) => createDevice(profile, engine, new Rng(7), cb),
    ops: cfg.policy === 'none' ? none : ufq_simple,
    ufqRevision: cfg.rev,
    limits: { nr_requests: cfg.nrRequests },
    recorder: table,
    kfuncHost: KFUNC_HOST,
    nrCpus: 4,
    watchdogNs: 0,
    onBioComplete: (io) => {
      completions[io]++;
    },
  });
  const plugged = new Set<number>();
  evs.forEach((e, io) => {
    engine.at(e.t, () => {
      if (e.kind === 'plug') {
        if (plugged.delete(e.pid)) q.blkFinishPlug(e.pid);
        else {
          plugged.add(e.pid);
          q.blkStartPlug(e.pid);
        }
      }
      const flush = e.kind === 'flush';
      q.submitBio({
        io,
        op: e.kind === 'read' ? OP.READ : OP.WRITE,
        // An empty flush as a trace records it (FWS); a read keeps only SYNC.
        flags: flush ? FLAG.PREFLUSH | FLAG.SYNC : e.kind === 'read' ? e.flags & FLAG.SYNC : e.flags,
        sector: flush ? 0 : e.sector,
        bytes: flush ? 0 : e.kib * 1024,
        pid: e.pid,
        comm: `p${e.pid}`,
        cpu: e.cpu,
        ioprio: (2 << 13) | 4,
      });
    });
  });
  engine.at(4_000_000, () => {
    for (const pid of plugged) q.blkFinishPlug(pid);
  });
  engine.run();
  while (q.settle()) engine.run();
  return { q, table, completions };
}

describe('conservation with flushes (blk-flush.c, ufq-model §2.11)', () => {
  test.prop([cfgArb, fc.array(evArb, { minLength: 1, maxLength: 50 })], { numRuns: 120 })(
    'every I/O completes once, tags and requests come back, empty flushes are served by a flush',
    (cfg, evs) => {
      const { q, table, completions } = run(cfg, evs);
      const c = q.conservation();
      expect(c.lost).toBe(0);
      expect(Array.from(completions)).toEqual(evs.map(() => 1));
      expect(c.rqs_count).toBe(0);
      expect(c.requests.inflight).toBe(0);
      if (cfg.policy === 'none' || cfg.rev === 3) {
        expect(c.requests.leaked).toBe(0);
        expect(c.requests.freed + c.requests.absorbed).toBe(c.requests.allocated);
      }
      for (const h of q.hctxs) {
        const fq = h.fq;
        expect([fq.flush_queue[0].count, fq.flush_queue[1].count, fq.flush_data_in_flight]).toEqual([
          0, 0, 0,
        ]);
        expect(fq.running).toBe(false);
        if (cfg.policy === 'none' || cfg.rev === 3) expect(h.sched_tags.used).toBe(0);
      }
      q.checkInvariants();
      for (let io = 0; io < evs.length; io++) {
        const [tQ, tD, tC] = [table.tQ[io], table.tD[io], table.tC[io]];
        expect(tC).toBeGreaterThanOrEqual(tQ);
        if (tD !== NONE) expect(tQ <= tD && tD <= tC).toBe(true);
        // Every device here has a volatile write cache: an empty flush gets a request (G), no
        // elevator insert (I), and the D of the flush command that served it.
        if (evs[io].kind === 'flush') {
          expect(table.tG[io]).not.toBe(NONE);
          expect(table.tI[io]).toBe(NONE);
          expect(tD).not.toBe(NONE);
        }
      }
      q.exit();
    },
  );

  // Found by the property above: two hardware queues, UFQ with no program (its per-ctx
  // fallback drains only the ctxs of the hctx it runs on). A PREFLUSH write's DATA step went
  // back to hctx 1's ctx from requeue work that ran on hctx 0's CPU; the kernel's run there
  // (SQ_SCHED: that CPU's hctx) left it waiting, and the 3 ms re-run polled hctx 0 for ever.
  it("a DATA step put back on another hctx's ctx by requeue work is dispatched (no endless polling)", () => {
    const cfg: Cfg = {
      device: 'loop-virtio',
      policy: 'none',
      rev: 3,
      nrRequests: 9,
      queueDepth: 1,
      nrHwQueues: 2,
    };
    const evs: Ev[] = [
      { t: 1329323, kind: 'write', sector: 464, kib: 4, flags: 16, pid: 1, cpu: 2 },
      { t: 547601, kind: 'write', sector: 40, kib: 4, flags: 16, pid: 3, cpu: 2 },
      { t: 859606, kind: 'write', sector: 88, kib: 4, flags: 0, pid: 3, cpu: 2 },
      { t: 2869052, kind: 'write', sector: 440, kib: 4, flags: 0, pid: 2, cpu: 1 },
      { t: 1149065, kind: 'write', sector: 128, kib: 8, flags: 24, pid: 4, cpu: 0 },
      { t: 1595112, kind: 'flush', sector: 72, kib: 4, flags: 24, pid: 1, cpu: 0 },
    ];
    const { q, completions } = run(cfg, evs);
    expect(q.conservation().lost).toBe(0);
    expect(Array.from(completions)).toEqual(evs.map(() => 1));
    expect(q.conservation().rqs_count).toBe(0);
  });

  test.prop([cfgArb, fc.array(evArb, { minLength: 1, maxLength: 40 })], { numRuns: 30 })(
    'the same stream gives the same stage times',
    (cfg, evs) => {
      const a = run(cfg, evs);
      const b = run(cfg, evs);
      for (const col of ['tQ', 'tG', 'tI', 'tM', 'tD', 'tC', 'mergedInto'] as const)
        expect(Array.from(b.table[col].subarray(0, evs.length))).toEqual(
          Array.from(a.table[col].subarray(0, evs.length)),
        );
      a.q.exit();
      b.q.exit();
    },
  );
});
