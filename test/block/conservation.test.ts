// Conservation and determinism over random bio streams (ufq-model §2.11 "conservation law",
// §6.1; STYLE §2.5 properties), through the real null device: every I/O completes exactly
// once, requests leave the elevator (rqs_count returns to 0), tags stay within their pools,
// and the same input gives the same times.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { RequestQueue } from '../../src/block/queue.js';
import { createNullDevice } from '../../src/device/null.js';
import type { NullProfile } from '../../src/device/profile.js';
import { KFUNC_HOST } from '../../src/policies/lib/index.js';
import none from '../../src/policies/none.js';
import ufq_simple from '../../src/policies/ufq_simple.js';
import { Engine } from '../../src/sim/engine.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';

interface Ev {
  t: number;
  kind: 'bio' | 'plug';
  sector: number;
  kib: number;
  op: number;
  flags: number;
  pid: number;
  cpu: number;
  ioprio: number;
}

const evArb: fc.Arbitrary<Ev> = fc.record({
  t: fc.integer({ min: 0, max: 2_000_000 }),
  kind: fc.constantFrom<'bio' | 'plug'>('bio', 'bio', 'bio', 'plug'),
  // Few distinct sectors so neighbours and merges are common.
  sector: fc.integer({ min: 0, max: 64 }).map((s) => s * 8),
  kib: fc.constantFrom(4, 4, 8, 64, 512),
  op: fc.constantFrom(OP.READ, OP.READ, OP.WRITE, OP.WRITE, OP.DISCARD, OP.FLUSH),
  flags: fc.constantFrom(0, 0, FLAG.SYNC, FLAG.FUA),
  pid: fc.integer({ min: 1, max: 4 }),
  cpu: fc.integer({ min: 0, max: 3 }),
  ioprio: fc.constantFrom((2 << 13) | 4, (2 << 13) | 4, (1 << 13) | 0),
});

const cfgArb = fc.record({
  policy: fc.constantFrom('none', 'ufq_simple'),
  rev: fc.constantFrom<1 | 3>(1, 3),
  queueDepth: fc.integer({ min: 1, max: 8 }),
  nrHwQueues: fc.integer({ min: 1, max: 2 }),
  nrRequests: fc.integer({ min: 4, max: 16 }),
  nomerges: fc.integer({ min: 0, max: 2 }),
  maxSectorsKb: fc.constantFrom(64, 1280),
  latencyNs: fc.integer({ min: 0, max: 200_000 }),
});

type Cfg = typeof cfgArb extends fc.Arbitrary<infer T> ? T : never;

function run(cfg: Cfg, evs: Ev[]) {
  const engine = new Engine();
  const n = evs.length;
  const b = new IoTableBuilder(n);
  for (let i = 0; i < n; i++) b.push();
  const table = b.table;
  const completions = new Uint8Array(n);
  const profile: NullProfile = {
    type: 'null',
    name: 'test-null',
    description: 'test',
    source: { origin: 'assumed' },
    queueDepth: cfg.queueDepth,
    nrHwQueues: cfg.nrHwQueues,
    rotational: false,
    latencyNs: cfg.latencyNs,
  };
  const q = new RequestQueue({
    engine,
    device: (cb) => createNullDevice(profile, engine, cb),
    ops: cfg.policy === 'none' ? none : ufq_simple,
    ufqRevision: cfg.rev,
    limits: { nr_requests: cfg.nrRequests, nomerges: cfg.nomerges, max_sectors_kb: cfg.maxSectorsKb },
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
        // Toggle the task's plug; an I/O row is still submitted so every row completes.
        if (plugged.has(e.pid)) {
          plugged.delete(e.pid);
          q.blkFinishPlug(e.pid);
        } else {
          plugged.add(e.pid);
          q.blkStartPlug(e.pid);
        }
      }
      const bytes = e.op === OP.FLUSH ? 0 : e.kib * 1024;
      q.submitBio({
        io,
        op: e.op,
        flags: e.flags,
        sector: e.sector,
        bytes,
        pid: e.pid,
        comm: `p${e.pid}`,
        cpu: e.cpu,
        ioprio: e.ioprio,
      });
    });
  });
  // Tasks finish their plugs at the end of input.
  engine.at(3_000_000, () => {
    for (const pid of plugged) q.blkFinishPlug(pid);
  });
  engine.run();
  while (q.settle()) engine.run();
  return { q, table, completions };
}

describe('conservation (ufq-model §2.11)', () => {
  test.prop([cfgArb, fc.array(evArb, { minLength: 1, maxLength: 60 })], { numRuns: 150 })(
    'every I/O completes exactly once and the elevator ends empty',
    (cfg, evs) => {
      const { q, table, completions } = run(cfg, evs);
      const c = q.conservation();
      expect(c.lost).toBe(0);
      expect(c.completed).toBe(evs.length);
      expect(c.rqs_count).toBe(0);
      expect(c.tagWaiters).toBe(0);
      expect(c.requests.inflight).toBe(0);
      q.checkInvariants();
      for (let io = 0; io < evs.length; io++) {
        expect(completions[io]).toBe(1);
        expect(table.tQ[io]).toBeGreaterThanOrEqual(0);
        expect(table.tC[io]).toBeGreaterThanOrEqual(table.tQ[io]);
        // Each I/O either got a request (G) or joined one (M), except an empty flush that
        // completed at submit because the device has no write cache.
        const dropped = evs[io].op === OP.FLUSH && table.tC[io] === table.tQ[io] && table.tG[io] === NONE;
        expect(table.tG[io] !== NONE || table.tM[io] !== NONE || dropped).toBe(true);
        if (table.tD[io] !== NONE) expect(table.tD[io]).toBeLessThanOrEqual(table.tC[io]);
      }
      // Leaks are a rev-1 quirk of policies that re-insert requests; never with no policy or rev-3.
      if (cfg.policy === 'none' || cfg.rev === 3) expect(c.requests.leaked).toBe(0);
      q.exit();
    },
  );
});

describe('determinism (DESIGN.md: a run is a pure function of its inputs)', () => {
  test.prop([cfgArb, fc.array(evArb, { minLength: 1, maxLength: 40 })], { numRuns: 40 })(
    'the same stream gives the same stage times, merges and counters',
    (cfg, evs) => {
      const a = run(cfg, evs);
      const b = run(cfg, evs);
      for (const col of ['tQ', 'tG', 'tI', 'tM', 'tD', 'tC', 'mergedInto'] as const)
        expect(Array.from(b.table[col].subarray(0, evs.length))).toEqual(
          Array.from(a.table[col].subarray(0, evs.length)),
        );
      expect(b.q.opsStats()).toEqual(a.q.opsStats());
      a.q.exit();
      b.q.exit();
    },
  );
});
