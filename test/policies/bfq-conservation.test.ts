// BFQ on the real UFQ elevator over random bio streams (ufq-model §2.11 conservation law;
// STYLE §2.5 properties): every I/O completes exactly once, the elevator ends empty, BFQ is
// never ejected, and its own books balance (nothing queued, in the driver or remembered, no
// queue holding requests) once its idle timers have run out. Reads, writes (sync and async), discards,
// flushes, FUA, four processes in all classes, both UFQ revisions.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { FLAG, OP } from '../../src/trace/event.js';
import { NONE } from '../../src/trace/io-table.js';
import { BE, bfqState, IDLE, MS, NONE as PRIO_NONE, RT, rig } from './bfq-rig.js';

interface Ev {
  t: number;
  sector: number;
  kib: number;
  op: number;
  flags: number;
  pid: number;
  cpu: number;
  ioprio: number;
}

const evArb: fc.Arbitrary<Ev> = fc.record({
  t: fc.integer({ min: 0, max: 40_000_000 }),
  // Few distinct sectors so neighbours and merges are common.
  sector: fc.integer({ min: 0, max: 64 }).map((s) => s * 8),
  kib: fc.constantFrom(4, 4, 8, 64, 512),
  op: fc.constantFrom(OP.READ, OP.READ, OP.READ, OP.WRITE, OP.WRITE, OP.DISCARD, OP.FLUSH),
  flags: fc.constantFrom(0, 0, FLAG.SYNC, FLAG.FUA),
  pid: fc.integer({ min: 1, max: 4 }),
  cpu: fc.integer({ min: 0, max: 3 }),
  ioprio: fc.constantFrom(BE(4), BE(4), BE(0), BE(7), RT(4), IDLE, PRIO_NONE),
});

const cfgArb = fc.record({
  rev: fc.constantFrom<1 | 3>(1, 3),
  queueDepth: fc.integer({ min: 1, max: 8 }),
  nrRequests: fc.integer({ min: 4, max: 32 }),
  nomerges: fc.integer({ min: 0, max: 2 }),
  latencyUs: fc.integer({ min: 1, max: 3000 }),
  low_latency: fc.boolean(),
  slice_idle: fc.constantFrom(0, 8, 8, 20),
  strict_guarantees: fc.constantFrom(0, 0, 1),
  max_budget: fc.constantFrom(0, 0, 64),
});

describe('bfq conservation on the UFQ elevator (ufq-model §2.11)', () => {
  test.prop([cfgArb, fc.array(evArb, { minLength: 1, maxLength: 60 })], { numRuns: 120 })(
    'every I/O completes once, nothing is left in the elevator or in BFQ, no ejection',
    (cfg, evs) => {
      const r = rig(
        {
          low_latency: cfg.low_latency,
          slice_idle: cfg.slice_idle,
          strict_guarantees: cfg.strict_guarantees,
          max_budget: cfg.max_budget,
        },
        {
          ufqRevision: cfg.rev,
          queueDepth: cfg.queueDepth,
          latencyNs: cfg.latencyUs * 1000,
          ios: evs.length,
          limits: { nr_requests: cfg.nrRequests, nomerges: cfg.nomerges },
        },
      );
      const done = new Uint8Array(evs.length);
      evs.forEach((e, io) => {
        r.engine.at(e.t, () =>
          r.q.submitBio({
            io,
            op: e.op,
            flags: e.flags,
            sector: e.sector,
            bytes: e.op === OP.FLUSH ? 0 : e.kib * 1024,
            pid: e.pid,
            comm: `p${e.pid}`,
            cpu: e.cpu,
            ioprio: e.ioprio,
          }),
        );
      });
      // BFQ's busy counts match its queues' busy flags, per class, all along.
      const busyAgree = () => {
        const s = bfqState(r);
        for (let c = 0; c < 3; c++)
          expect(s.bfqq.filter((q) => q.busy && q.ioprio_class === c + 1).length).toBe(s.busy_queues[c]);
      };
      for (const t of [2, 5, 10, 20, 40, 80]) {
        r.engine.run(t * MS);
        busyAgree();
      }
      // Bounded: a scheduler that kept polling forever would fail here rather than hang.
      r.engine.run(60_000 * MS);
      busyAgree();
      expect(r.engine.pending).toBe(0);
      expect(r.q.settle()).toBe(false);
      expect(r.q.elevator.ejected).toBeNull();
      const c = r.q.conservation();
      expect(c.lost).toBe(0);
      expect(c.completed).toBe(evs.length);
      expect(c.rqs_count).toBe(0);
      expect(c.requests.inflight).toBe(0);
      expect(c.requests.leaked).toBe(0);
      r.q.checkInvariants();
      for (let io = 0; io < evs.length; io++) {
        expect(r.table.tC[io]).toBeGreaterThanOrEqual(r.table.tQ[io]);
        if (r.table.tC[io] !== NONE) done[io]++;
      }
      expect(Array.from(done).every((d) => d === 1)).toBe(true);
      const s = bfqState(r);
      expect([s.queued, s.tot_rq_in_driver, s.rqs, s.dispatch_list]).toEqual([0, 0, 0, 0]);
      // QUIRK (kernel too): an empty queue preempted while it needed idling is requeued and
      // stays busy until the next dispatch, which only new requests would bring.
      for (const bfqq of s.bfqq) if (bfqq.busy) expect([bfqq.queued, bfqq.dispatched]).toEqual([0, 0]);
      r.q.exit();
      // exit_sched's checks (nothing in the driver or queued) did not warn.
      expect((r.q.policyDump() as { warnings: number }).warnings).toBe(0);
    },
  );
});
