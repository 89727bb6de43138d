// PFQ on the real queue and UFQ rev-3 elevator (test/block/harness.ts): merges as the kernel
// drives them (ufq-model §2.3-2.4 with §5.10), and a property over random request streams:
// nothing is lost, rqs_count returns to 0, and at every check nr_queued_total + the urgent
// list equals the requests PFQ holds (ufq-model §6.1 conservation).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/block/request.js';
import { type PfqOps, pfq } from '../../src/policies/pfq/index.js';
import { Rng } from '../../src/sim/rng.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { bio, drain, type Harness, harness } from '../block/harness.js';

interface Disk {
  nr_queued_total: number;
  urgent: number;
  nr_active: number;
  counters: Record<string, number>;
}

function diskOf(ops: PfqOps, h: Harness): Disk {
  return (ops.dump?.() as { disks: Record<string, Disk> }).disks[String(h.q.id)];
}

const IDLE0 = (3 << 13) | 0;
const FAR = 1_000_000;

/**
 * One driver tag: an IDLE write at FAR takes it, a second (FAR + 64) is pulled and parked, so
 * later requests stay in PFQ. Rows 60, 61.
 */
function blockedPfq(params = {}): { h: Harness; ops: PfqOps } {
  const ops = pfq(params);
  const h = harness({
    ops,
    ufqRevision: 3,
    queueDepth: 1,
    latencyNs: null,
    ios: 80,
    limits: { nr_requests: 64 },
  });
  h.q.submitBio(bio(60, FAR, { pid: 99, op: OP.WRITE, ioprio: IDLE0 }));
  h.q.submitBio(bio(61, FAR + 64, { pid: 98, op: OP.WRITE, ioprio: IDLE0 }));
  return { h, ops };
}

describe('merges through the kernel (ufq-model §5.10, §2.3, §2.4)', () => {
  it('merge_req BACK: the target absorbs the newcomer and is inserted again', () => {
    const { h, ops } = blockedPfq();
    // The newcomer waits in its task's plug while its neighbour is queued (a bio merge at
    // submit would otherwise take it first).
    h.q.blkStartPlug(3);
    h.q.submitBio(bio(3, 108, { pid: 3 }));
    h.q.submitBio(bio(1, 100, { pid: 1 }));
    // Moves last_merge away, so the one-hit cache does not take the newcomer.
    h.q.submitBio(bio(2, 500, { pid: 2 }));
    h.q.blkFinishPlug(3);
    const s = h.q.opsStats();
    expect([s.merge_req_ok_count, s.insert_ok_count]).toEqual([1, 5]);
    const d = diskOf(ops, h);
    expect([d.counters.RQMERGE_CNT, d.counters.INSERT_CNT, d.nr_queued_total]).toEqual([1, 5, 2]);
    drain(h);
    expect(h.dev.submitted.slice(2).map((r) => [r.sector, r.bytes / 512])).toEqual([
      [500, 8],
      [100, 16],
    ]);
    expect(h.q.conservation().lost).toBe(0);
  });

  it('merge_req FRONT: the newcomer absorbs the target, which is freed (a finish with 0 bytes)', () => {
    const { h, ops } = blockedPfq();
    h.q.blkStartPlug(3);
    h.q.submitBio(bio(3, 92, { pid: 3 }));
    h.q.submitBio(bio(1, 100, { pid: 1 }));
    h.q.submitBio(bio(2, 500, { pid: 2 }));
    h.q.blkFinishPlug(3);
    const d = diskOf(ops, h);
    expect([d.counters.RQMERGE_CNT, d.counters.FINISH_CNT, d.counters.FINISH_SIZE]).toEqual([1, 1, 0]);
    drain(h);
    expect(h.dev.submitted.slice(2).map((r) => [r.sector, r.bytes / 512])).toEqual([
      [500, 8],
      [92, 16],
    ]);
  });

  it('merge_bio: a bio the one-hit cache misses joins its queue’s adjacent request', () => {
    const { h, ops } = blockedPfq();
    h.q.submitBio(bio(1, 100, { pid: 1 }));
    h.q.submitBio(bio(2, 500, { pid: 2 }));
    h.q.submitBio(bio(3, 92, { pid: 3 }));
    const d = diskOf(ops, h);
    expect([d.counters.BIOMERGE_CNT, d.counters.BIOMERGE_SIZE, d.nr_queued_total]).toEqual([1, 4096, 2]);
    expect(h.q.opsStats().merge_bio_ok_count).toBe(1);
    drain(h);
    expect(h.dev.submitted.slice(2).map((r) => [r.sector, r.bytes / 512])).toEqual([
      [500, 8],
      [92, 16],
    ]);
  });
});

interface Ev {
  t: number;
  sector: number;
  kib: number;
  op: number;
  flags: number;
  pid: number;
  cpu: number;
  ioprio: number;
  plug: boolean;
}

const evArb: fc.Arbitrary<Ev> = fc.record({
  t: fc.integer({ min: 0, max: 4_000_000 }),
  // Few distinct sectors so neighbours and merges are common.
  sector: fc.integer({ min: 0, max: 20 }).map((s) => s * 8),
  kib: fc.constantFrom(4, 4, 4, 8, 64),
  op: fc.constantFrom(OP.READ, OP.READ, OP.READ, OP.WRITE, OP.DISCARD),
  flags: fc.constantFrom(0, 0, 0, FLAG.SYNC, FLAG.META),
  pid: fc.integer({ min: 1, max: 5 }),
  cpu: fc.constantFrom(0, 0, 0, 1),
  ioprio: fc.constantFrom((2 << 13) | 4, (2 << 13) | 4, (2 << 13) | 4, 0, (1 << 13) | 0, (3 << 13) | 7),
  plug: fc.boolean(),
});

const cfgArb = fc.record({
  queueDepth: fc.integer({ min: 1, max: 4 }),
  nrRequests: fc.integer({ min: 4, max: 24 }),
  latencyNs: fc.integer({ min: 1000, max: 3_000_000 }),
  seed: fc.integer({ min: 0, max: 1000 }),
  batchRead: fc.constantFrom(0, 1, 8),
});

/** Every request on a ctx list is one PFQ holds (one reference each), counted once. */
function checkHeld(ops: PfqOps, h: Harness): void {
  const d = diskOf(ops, h);
  let listed = 0;
  for (const c of h.q.ctxs)
    for (const rq of c.rq_list.toArray() as Request[]) {
      expect(rq.bpfRefs).toBe(1);
      listed++;
    }
  expect(listed).toBe(h.q.elevator.rqs_count);
  expect(d.nr_queued_total + d.urgent).toBe(listed);
}

describe('random request streams on the real elevator (ufq-model §6.1)', () => {
  test.prop([cfgArb, fc.array(evArb, { minLength: 1, maxLength: 60, size: 'medium' })], { numRuns: 60 })(
    'nothing is lost, rqs_count returns to 0, queued totals match the held population',
    (cfg, evs) => {
      // pid 1 is the interactive task: SPECIAL reads and their idle holds.
      const ops = pfq({ interactive: ['p1'], batch_read: cfg.batchRead });
      const h = harness({
        ops,
        ufqRevision: 3,
        queueDepth: cfg.queueDepth,
        latencyNs: cfg.latencyNs,
        ios: evs.length,
        rng: new Rng(cfg.seed),
        limits: { nr_requests: cfg.nrRequests },
      });
      const plugged = new Set<number>();
      evs.forEach((e, io) => {
        h.engine.at(e.t, () => {
          if (e.plug && !plugged.has(e.pid)) {
            plugged.add(e.pid);
            h.q.blkStartPlug(e.pid, `p${e.pid}`);
          }
          h.q.submitBio(
            bio(io, e.sector, {
              op: e.op,
              flags: e.flags,
              bytes: e.kib * 1024,
              pid: e.pid,
              comm: `p${e.pid}`,
              cpu: e.cpu,
              ioprio: e.ioprio,
            }),
          );
          checkHeld(ops, h);
        });
      });
      h.engine.at(5_000_000, () => {
        for (const pid of plugged) h.q.blkFinishPlug(pid);
        checkHeld(ops, h);
      });
      // Checks between events as completions and re-runs move requests along.
      for (let t = 100_000; t < 30_000_000; t += 370_000) h.engine.at(t, () => checkHeld(ops, h));
      drain(h);
      expect(h.q.elevator.ejected).toBeNull();
      const c = h.q.conservation();
      expect([c.lost, c.rqs_count, c.requests.leaked, c.requests.inflight]).toEqual([0, 0, 0, 0]);
      h.q.checkInvariants();
      const d = diskOf(ops, h);
      expect([d.nr_queued_total, d.urgent]).toEqual([0, 0]);
      // Every fair insert left by a dispatch or a merge_req detachment.
      expect(d.counters.INSERT_CNT).toBe(d.counters.DISPATCH_CNT + d.counters.RQMERGE_CNT);
      expect(d.counters.INSERT_ERR).toBe(0);
      h.q.exit();
    },
  );
});
