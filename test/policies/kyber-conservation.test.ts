// Kyber on the real elevator and the null device, over random bio streams (ufq-model §2.11
// conservation law; STYLE §2.5): every I/O completes exactly once, the elevator and Kyber end
// empty, every domain token comes back, no policy is ejected, and the run is deterministic.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { RequestQueue } from '../../src/block/queue.js';
import { createNullDevice } from '../../src/device/null.js';
import type { NullProfile } from '../../src/device/profile.js';
import type { KyberInstance } from '../../src/policies/kyber/defs.js';
import { kyber_ops } from '../../src/policies/kyber/index.js';
import { KFUNC_HOST } from '../../src/policies/lib/index.js';
import { Engine } from '../../src/sim/engine.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { IoTableBuilder } from '../../src/trace/io-table.js';

interface Ev {
  t: number;
  sector: number;
  kib: number;
  op: number;
  flags: number;
  pid: number;
  cpu: number;
}

const evArb: fc.Arbitrary<Ev> = fc.record({
  t: fc.integer({ min: 0, max: 2_000_000 }),
  // Few distinct sectors so neighbours and merges are common.
  sector: fc.integer({ min: 0, max: 64 }).map((s) => s * 8),
  kib: fc.constantFrom(4, 4, 8, 64, 512),
  op: fc.constantFrom(OP.READ, OP.READ, OP.WRITE, OP.WRITE, OP.DISCARD, OP.WRITE_ZEROES, OP.FLUSH),
  flags: fc.constantFrom(0, 0, FLAG.SYNC, FLAG.FUA),
  pid: fc.integer({ min: 1, max: 4 }),
  cpu: fc.integer({ min: 0, max: 3 }),
});

const cfgArb = fc.record({
  rev: fc.constantFrom<1 | 3>(1, 3),
  // Deep queues often, so that more than 16 write-zeroes can be in flight.
  queueDepth: fc.constantFrom(1, 8, 64),
  nrHwQueues: fc.integer({ min: 1, max: 2 }),
  nrRequests: fc.constantFrom(4, 64),
  // A 1 us read target makes reads miss it, so the timer shrinks the other domains, maybe
  // below the tokens they hold.
  read_lat_nsec: fc.constantFrom(1_000, 2_000_000),
  // Spread the stream over 3 s (times x 1500) so 1 s sampling windows end.
  spread: fc.boolean(),
  // Most I/Os write-zeroes (OTHER, 16 tokens), so the domain runs out of tokens.
  zeroes: fc.boolean(),
  nomerges: fc.integer({ min: 0, max: 2 }),
  latencyNs: fc.constantFrom(0, 50_000, 2_000_000, 5_000_000),
});

type Cfg = typeof cfgArb extends fc.Arbitrary<infer T> ? T : never;

function run(cfg: Cfg, evs: Ev[]) {
  const engine = new Engine();
  const b = new IoTableBuilder(evs.length);
  for (let i = 0; i < evs.length; i++) b.push();
  const table = b.table;
  const completions = new Uint8Array(evs.length);
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
  const I: KyberInstance = {
    params: { read_lat_nsec: cfg.read_lat_nsec, write_lat_nsec: 10_000_000 },
    data: new Map(),
  };
  const q = new RequestQueue({
    engine,
    device: (cb) => createNullDevice(profile, engine, cb),
    ops: kyber_ops(I),
    ufqRevision: cfg.rev,
    limits: { nr_requests: cfg.nrRequests, nomerges: cfg.nomerges },
    recorder: table,
    kfuncHost: KFUNC_HOST,
    nrCpus: 4,
    watchdogNs: 0,
    onBioComplete: (io) => {
      completions[io]++;
    },
  });
  const kqd = I.data.get(q);
  evs.forEach((e, io) => {
    const op = cfg.zeroes && io % 4 !== 0 ? OP.WRITE_ZEROES : e.op;
    engine.at(cfg.spread ? e.t * 1500 : e.t, () =>
      q.submitBio({
        io,
        op,
        flags: e.flags,
        sector: e.sector,
        bytes: op === OP.FLUSH ? 0 : e.kib * 1024,
        pid: e.pid,
        comm: `p${e.pid}`,
        cpu: e.cpu,
        ioprio: (2 << 13) | 4,
      }),
    );
  });
  engine.run();
  return { q, table, completions, kqd };
}

describe('kyber conservation (ufq-model §2.11)', () => {
  test.prop([cfgArb, fc.array(evArb, { minLength: 1, maxLength: 100, size: 'max' })], { numRuns: 120 })(
    'every I/O completes once; Kyber ends empty with every token back',
    (cfg, evs) => {
      const { q, table, completions, kqd } = run(cfg, evs);
      const c = q.conservation();
      expect(q.elevator.ejected).toBeNull();
      expect(c.lost).toBe(0);
      expect(c.rqs_count).toBe(0);
      expect(c.tagWaiters).toBe(0);
      expect(c.requests.inflight).toBe(0);
      expect(c.requests.leaked).toBe(0);
      q.checkInvariants();
      for (let io = 0; io < evs.length; io++) {
        expect(completions[io]).toBe(1);
        expect(table.tC[io]).toBeGreaterThanOrEqual(table.tQ[io]);
      }
      expect(kqd?.rqs.size).toBe(0);
      for (const t of kqd?.domain_tokens ?? []) {
        expect(t.sb.bits.every((bit) => bit === 0)).toBe(true);
        expect(t.ws_active).toBe(0);
      }
      q.exit();
    },
  );

  test.prop([cfgArb, fc.array(evArb, { minLength: 1, maxLength: 40 })], { numRuns: 30 })(
    'the same stream gives the same stage times and counters',
    (cfg, evs) => {
      const a = run(cfg, evs);
      const b = run(cfg, evs);
      for (const col of ['tQ', 'tD', 'tC', 'mergedInto'] as const)
        expect(Array.from(b.table[col].subarray(0, evs.length))).toEqual(
          Array.from(a.table[col].subarray(0, evs.length)),
        );
      expect(b.q.opsStats()).toEqual(a.q.opsStats());
      a.q.exit();
      b.q.exit();
    },
  );
});
