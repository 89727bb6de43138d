// The UFQ elevator (ufq-model §2): last_merge, insert merges, bio merges, dispatch paths,
// ops_stats per revision, error handling and ejection. Most tests use a device with one
// driver tag that completes only when told, so requests pile up in the elevator.
import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/block/request.js';
import { bpf_request_acquire } from '../../src/policies/lib/index.js';
import { NONE } from '../../src/trace/io-table.js';
import type { BlkQueue, BlkRequest, UfqOps } from '../../src/ufq/ops.js';
import { bio, blocked, drain, FAR, FAR2, harness, issued } from '../block/harness.js';
import { spy } from './spy.js';

const RT = (1 << 13) | 4;

describe('last_merge (ufq-model §2.7)', () => {
  it('is set when a request is queued and cleared when it is dispatched', () => {
    const h = blocked();
    expect(h.q.last_merge).toBeNull();
    h.q.submitBio(bio(1, 100));
    expect(h.q.last_merge?.io0).toBe(1);
    drain(h);
    expect(h.q.last_merge).toBeNull();
  });
});

describe('insert-time merges (ufq-model §2.3)', () => {
  it('the one-hit cache absorbs a newcomer behind last_merge only', () => {
    const h = blocked();
    h.q.blkStartPlug(200);
    h.q.submitBio(bio(1, 108, { pid: 200 })); // B, just after A
    h.q.submitBio(bio(2, 92, { pid: 200 })); // C, just before A
    h.q.submitBio(bio(3, 100)); // A, queued: last_merge
    h.q.blkFinishPlug(200);
    expect(h.table.tM[1]).toBe(0);
    expect(h.table.tM[2]).toBe(NONE);
    expect(h.q.opsStats().merge_ok_count).toBe(1);
    expect(h.q.opsStats().merge_ok_sectors).toBe(8);
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 100, 92]);
    expect(h.dev.submitted[2].bytes).toBe(16 * 512);
    // At D the absorbed I/O is recorded as merged into the request's head (A).
    expect(h.table.mergedInto[1]).toBe(3);
    expect(h.table.mergedInto[2]).toBe(NONE);
  });

  it('the one-hit merge does not tell the policy, and its victim gets no finish_req', () => {
    const p = spy();
    const h = blocked({ ops: p });
    h.q.blkStartPlug(200);
    h.q.submitBio(bio(1, 108, { pid: 200 }));
    h.q.submitBio(bio(2, 100));
    h.q.blkFinishPlug(200);
    drain(h);
    expect(p.calls.filter((c) => c.startsWith('insert'))).toEqual([
      'insert 1000000+8 flags=0 -> 0',
      'insert 2000000+8 flags=0 -> 0',
      'insert 100+8 flags=0 -> 0',
    ]);
    expect(p.calls.filter((c) => c.startsWith('finish'))).toEqual([
      'finish 1000000',
      'finish 2000000',
      'finish 100',
    ]);
    expect(h.q.opsStats().finish_ok_count).toBe(3);
  });

  it('FRONT: the survivor takes the target’s list slot and fifo_time; the target is freed with finish_req', () => {
    const p = spy();
    const h = blocked({ ops: p });
    h.q.blkStartPlug(200);
    h.q.submitBio(bio(1, 100, { pid: 200 })); // R [100, 108), plugged at 0
    h.engine.at(1_000_000, () => h.q.submitBio(bio(2, 108))); // A [108, 116) queued at jiffy 1
    p.mergeAnswer = (_q, rq) => (rq.__sector === 100 ? [h.q.last_merge as BlkRequest, 1] : null);
    h.engine.at(5_000_000, () => h.q.blkFinishPlug(200));
    h.engine.run();
    const survivor = h.q.ctxs[0].rq_list.first as Request;
    expect(h.q.ctxs[0].rq_list.count).toBe(1);
    expect(survivor.io0).toBe(1);
    expect(survivor.fifo_time).toBe(1);
    expect(h.q.last_merge).toBe(survivor);
    expect(p.calls).toContain('finish 108');
    const s = h.q.opsStats();
    expect([s.merge_ok_count, s.merge_ok_sectors]).toEqual([1, 8]);
    // The absorbed target reached finish with stats_sectors 0 (never started).
    expect([s.finish_ok_count, s.finish_ok_sectors]).toEqual([1, 0]);
    expect([s.insert_ok_count, s.insert_ok_sectors]).toEqual([4, 8 + 8 + 8 + 16]);
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 100]);
  });

  it('BACK: the target survives and is inserted into the policy a second time (QUIRK: counted twice)', () => {
    const p = spy();
    const h = blocked({ ops: p });
    h.q.blkStartPlug(200);
    h.q.submitBio(bio(1, 108, { pid: 200 })); // R [108, 116)
    h.q.submitBio(bio(2, 100)); // A [100, 108)
    const a = h.q.last_merge as BlkRequest;
    h.q.submitBio(bio(3, 5000)); // Z: now last_merge, so the one-hit cache misses R
    p.mergeAnswer = (_q, rq) => (rq.__sector === 108 ? [a, 2] : null);
    h.q.blkFinishPlug(200);
    expect(p.calls.filter((c) => c.startsWith('insert 100+'))).toEqual([
      'insert 100+8 flags=0 -> 0',
      'insert 100+16 flags=0 -> 0',
    ]);
    const s = h.q.opsStats();
    expect([s.insert_ok_count, s.insert_ok_sectors]).toEqual([5, 8 + 8 + 8 + 8 + 16]);
    expect(h.q.last_merge).toBe(a);
    expect(h.table.tM[1]).toBe(0);
    drain(h);
    expect(h.table.mergedInto[1]).toBe(2);
  });

  it('rev-1: a refused policy merge orphans the detached target until the policy is ejected', () => {
    const p = spy();
    const h = blocked({ ops: p, watchdogNs: 0 });
    h.q.blkStartPlug(200);
    h.q.submitBio(bio(1, 108, { pid: 200, ioprio: RT })); // R: other ioprio, so the merge fails
    h.q.submitBio(bio(2, 100));
    const a = h.q.last_merge as BlkRequest;
    h.q.submitBio(bio(3, 5000));
    p.mergeAnswer = (_q, rq) => (rq.__sector === 108 ? [a, 2] : null);
    h.q.blkFinishPlug(200);
    drain(h);
    expect(h.q.elevator.rqs_count).toBe(1);
    expect(h.q.conservation().lost).toBe(1);
    expect(h.q.elevator.log).toContain('ufq-iosched: back merge failed');
    expect(h.q.settle()).toBe(true);
    drain(h);
    expect(h.q.conservation().lost).toBe(0);
    expect(h.q.elevator.ejected?.hook).toBe('kernel');
  });

  it('rev-3: a refused policy merge re-inserts the target with flags 0, not counted as insert_ok', () => {
    const p = spy();
    const h = blocked({ ops: p, ufqRevision: 3, watchdogNs: 0 });
    h.q.blkStartPlug(200);
    h.q.submitBio(bio(1, 108, { pid: 200, ioprio: RT }));
    h.q.submitBio(bio(2, 100));
    const a = h.q.last_merge as BlkRequest;
    h.q.submitBio(bio(3, 5000));
    p.mergeAnswer = (_q, rq) => (rq.__sector === 108 ? [a, 2] : null);
    h.q.blkFinishPlug(200);
    expect(p.calls.filter((c) => c.startsWith('insert 100+'))).toEqual([
      'insert 100+8 flags=0 -> 0',
      'insert 100+8 flags=0 -> 0',
    ]);
    expect(h.q.opsStats().insert_ok_count).toBe(5);
    drain(h);
    expect(h.q.conservation().lost).toBe(0);
    expect(h.q.elevator.ejected).toBeNull();
  });

  it('nomerges=1 allows only the one-hit cache: merge_req is never asked', () => {
    const p = spy();
    const h = blocked({ ops: p, limits: { nomerges: 1 } });
    h.q.blkStartPlug(200);
    h.q.submitBio(bio(1, 108, { pid: 200 }));
    h.q.submitBio(bio(2, 4000, { pid: 200 }));
    h.q.submitBio(bio(3, 100));
    h.q.blkFinishPlug(200);
    expect(h.table.tM[1]).toBe(0);
    expect(p.calls.some((c) => c.startsWith('merge_req'))).toBe(false);
  });

  it('nomerges=2 allows no merge at all', () => {
    const h = blocked({ limits: { nomerges: 2 } });
    h.q.submitBio(bio(1, 100));
    h.q.submitBio(bio(2, 108));
    expect(h.table.tM[2]).toBe(NONE);
  });
});

describe('bio merges (ufq-model §2.4)', () => {
  it('rev-1: a one-hit bio merge touches no counter', () => {
    const h = blocked();
    h.q.submitBio(bio(1, 100));
    h.q.submitBio(bio(2, 108));
    expect(h.table.tM[2]).toBe(0);
    expect(h.q.opsStats().merge_ok_count).toBe(0);
  });

  it('rev-3: a one-hit bio merge counts merge_bio_ok with the bio’s sectors', () => {
    const h = blocked({ ufqRevision: 3 });
    h.q.submitBio(bio(1, 100));
    h.q.submitBio(bio(2, 92));
    const s = h.q.opsStats();
    expect(h.table.tM[2]).toBe(0);
    expect([s.merge_bio_ok_count, s.merge_bio_ok_sectors]).toEqual([1, 8]);
    // A front merge makes the bio the request's head: at D the creator is the merged one.
    drain(h);
    expect(h.table.mergedInto[1]).toBe(2);
    expect(h.table.mergedInto[2]).toBe(NONE);
  });
});

describe('dispatch (ufq-model §2.5)', () => {
  it('fallback: one request per ctx in round-robin, each ctx FIFO', () => {
    // The parked requests come from CPU 3, so the cursor then points at ctx 0.
    const h = harness({
      queueDepth: 1,
      latencyNs: null,
      ufqRevision: 3,
      ios: 80,
      limits: { nr_requests: 64 },
    });
    h.q.submitBio(bio(60, FAR, { pid: 99, cpu: 3 }));
    h.q.submitBio(bio(61, FAR2, { pid: 98, cpu: 3 }));
    const plan: [number, number][] = [
      [0, 0],
      [0, 100],
      [0, 200],
      [1, 1000],
      [1, 1100],
      [2, 2000],
    ];
    plan.forEach(([cpu, sector], i) => {
      h.q.submitBio(bio(i + 1, sector, { cpu, pid: 300 + i }));
    });
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 0, 1000, 2000, 100, 1100, 200]);
    // Fallback dispatches are not dispatch_ok (QUIRK, ufq-model §6.1).
    expect(h.q.opsStats().dispatch_ok_count).toBe(0);
  });

  it('rev-3: a failed insert goes to the insert-error list and is dispatched before the policy’s requests', () => {
    const p = spy();
    p.insertRet = (rq) => (rq.__sector === 200 ? -12 : 0);
    const h = blocked({ ops: p, ufqRevision: 3 });
    h.q.submitBio(bio(1, 100));
    h.q.submitBio(bio(2, 200));
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 200, 100]);
    const s = h.q.opsStats();
    expect([s.insert_err_count, s.insert_err_handled, s.dispatch_ok_count]).toEqual([1, 1, 3]);
    // Off the policy (IN_BPF cleared): no finish for it.
    expect(s.finish_ok_count).toBe(3);
  });

  it('rev-1: a failed insert stays on its ctx list, invisible to the policy, until ejection drains it', () => {
    const p = spy();
    p.insertRet = (rq) => (rq.__sector === 200 ? -12 : 0);
    const h = blocked({ ops: p, watchdogNs: 0 });
    h.q.submitBio(bio(1, 100));
    h.q.submitBio(bio(2, 200));
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 100]);
    expect(h.q.opsStats().insert_err_count).toBe(1);
    expect(h.q.settle()).toBe(true);
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 100, 200]);
  });

  it('rev-3: a request returned twice is refused (dispatch_bad_state_count); rev-1 ejects the policy', () => {
    for (const rev of [1, 3] as const) {
      let last: BlkRequest | null = null;
      let first = true;
      const fifo: BlkRequest[] = [];
      const bad: UfqOps = {
        name: 'bad',
        insert_req: (_q: BlkQueue, rq: BlkRequest) => {
          // Two references: one for each time it will hand the request out.
          bpf_request_acquire(rq);
          bpf_request_acquire(rq);
          fifo.push(rq);
          return 0;
        },
        has_req: () => fifo.length > 0 || first,
        dispatch_req: () => {
          if (fifo.length === 0 && first && last) {
            first = false;
            return last;
          }
          last = fifo.shift() ?? null;
          return last;
        },
      };
      const h = harness({ ops: bad, ufqRevision: rev, latencyNs: 1000 });
      h.q.submitBio(bio(0, 0));
      h.engine.run();
      if (rev === 3) {
        expect(h.q.opsStats().dispatch_bad_state_count).toBe(1);
        expect(h.q.elevator.ejected).toBeNull();
      } else {
        expect(h.q.elevator.ejected?.hook).toBe('dispatch_req');
      }
      expect(h.q.conservation().lost).toBe(0);
    }
  });
});

describe('ops_stats labels (ufq-model §2.11)', () => {
  it('rev-1 and rev-3 print their own counter sets, in debugfs order', () => {
    expect(Object.keys(harness().q.opsStats())).toEqual([
      'dispatch_ok_count',
      'dispatch_ok_sectors',
      'dispatch_null_count',
      'insert_ok_count',
      'insert_ok_sectors',
      'insert_err_count',
      'merge_ok_count',
      'merge_ok_sectors',
      'finish_ok_count',
      'finish_ok_sectors',
    ]);
    expect(Object.keys(harness({ ufqRevision: 3 }).q.opsStats())).toEqual([
      'dispatch_ok_count',
      'dispatch_ok_sectors',
      'dispatch_null_count',
      'dispatch_bad_state_count',
      'has_work_false_pending_count',
      'insert_ok_count',
      'insert_ok_sectors',
      'insert_err_count',
      'insert_err_handled',
      'rqs_count',
      'merge_req_ok_count',
      'merge_req_ok_sectors',
      'merge_bio_ok_count',
      'merge_bio_ok_sectors',
      'finish_ok_count',
      'finish_ok_sectors',
    ]);
  });
});

describe('ejection (DESIGN.md: a failing policy falls back, nothing is lost)', () => {
  it('a hook that throws ejects the policy; the fallback drains what it held', () => {
    const p = spy();
    let n = 0;
    const orig = p.dispatch_req as () => BlkRequest | null;
    p.dispatch_req = () => {
      if (++n === 2) throw new Error('boom');
      return orig();
    };
    const h = harness({ ops: p, latencyNs: 1000, queueDepth: 1 });
    for (let i = 0; i < 4; i++) h.q.submitBio(bio(i, i * 100, { pid: 100 + i }));
    h.engine.run();
    expect(h.q.elevator.ejected).toMatchObject({ hook: 'dispatch_req', reason: 'dispatch_req threw: boom' });
    expect(h.q.conservation().lost).toBe(0);
    h.q.checkInvariants();
  });

  it('the watchdog ejects a policy that holds work without dispatching for 30 s', () => {
    const fifo: BlkRequest[] = [];
    const stuck: UfqOps = {
      name: 'stuck',
      insert_req: (_q, rq) => {
        fifo.push(rq);
        return 0;
      },
      has_req: () => true,
      dispatch_req: () => null,
    };
    const h = harness({ ops: stuck, watchdogNs: 30_000_000_000 });
    h.q.submitBio(bio(0, 0));
    h.engine.run();
    expect(h.q.elevator.ejected?.atNs).toBe(30_000_000_000);
    expect(h.table.tC[0]).toBeGreaterThan(30_000_000_000);
  });
});
