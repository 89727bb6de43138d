// ufq_simple (ufq-model §4): dispatch order, the root-to-leaf merge search whose result
// depends on the red-black tree's shape, rev-3 bio-merge coalescing, and the reference
// quirks of rev-1. Tree shapes below are worked out by hand from lib/rbtree.c's insert rules.
import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/block/request.js';
import { getPolicy, policyNames } from '../../src/policies/registry.js';
import ufq_simple from '../../src/policies/ufq_simple.js';
import { OP } from '../../src/trace/event.js';
import { bio, blocked, drain, FAR, FAR2, type Harness, issued } from '../block/harness.js';

function stats(): Record<string, number> {
  return (ufq_simple.dump?.() as { stats: Record<string, number> }).stats;
}

function delta(before: Record<string, number>): Record<string, number> {
  const now = stats();
  const d: Record<string, number> = {};
  for (const k of Object.keys(now)) d[k] = now[k] - (before[k] ?? 0);
  return d;
}

/** [start, sectors] of the requests queued in the elevator, by start sector. */
function queued(h: Harness): [number, number][] {
  return h.q.ctxs[0].rq_list
    .toArray()
    .map((r): [number, number] => [r.__sector, r.__data_len / 512])
    .sort((a, b) => a[0] - b[0]);
}

function sizes(h: Harness): number[] {
  return h.dev.submitted.map((r) => r.bytes / 512);
}

describe('dispatch order (ufq-model §4.4, §6.1)', () => {
  function fourQueued(): Harness {
    const h = blocked({ ops: ufq_simple });
    h.q.submitBio(bio(1, 500, { op: OP.WRITE, pid: 1 }));
    h.q.submitBio(bio(2, 100, { op: OP.WRITE, pid: 2 }));
    h.q.submitBio(bio(3, 300, { pid: 3 }));
    h.q.submitBio(bio(4, 200, { pid: 4 }));
    return h;
  }

  it('reads by ascending sector, then writes by ascending sector', () => {
    const h = fourQueued();
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 200, 300, 100, 500]);
  });

  it('a request re-inserted at the head (requeue, BLK_MQ_INSERT_AT_HEAD) goes before all of them', () => {
    const h = fourQueued();
    // The driver hands the request at FAR back; the requeue work re-inserts it at the head.
    const x = [...h.dev.inflight][0] as unknown as Request;
    h.dev.inflight.clear();
    h.q.requeueRequest(x);
    drain(h);
    expect(issued(h.dev).slice(0, 3)).toEqual([FAR, FAR2, FAR]);
    expect(h.table.requeues[60]).toBe(1);
    // rev-1 QUIRK: the second insert took a second reference that nothing drops, so the
    // request (and the only driver tag) stays allocated after it completes.
    expect(h.q.conservation().requests.leaked).toBe(1);
  });
});

/**
 * Three queued reads and then R = [108, 116), adjacent to A = [100, 108) on its left and to
 * B = [116, 132) on its right. `order` decides the tree: A, B, C0 leaves A at the root; B, A,
 * C1 leaves B at the root. C0 = [0, 8) and C1 = [1000, 1008) only keep last_merge away.
 */
function twoSided(rev: 1 | 3, rootA: boolean, plugR: boolean): Harness {
  const h = blocked({ ops: ufq_simple, ufqRevision: rev });
  if (plugR) {
    h.q.blkStartPlug(7);
    h.q.submitBio(bio(4, 108, { pid: 7 }));
  }
  const a = () => h.q.submitBio(bio(1, 100, { pid: 1 }));
  const b = () => h.q.submitBio(bio(2, 116, { pid: 2, bytes: 8192 }));
  if (rootA) {
    a();
    b();
    h.q.submitBio(bio(3, 0, { pid: 3 }));
  } else {
    b();
    a();
    h.q.submitBio(bio(3, 1000, { pid: 3 }));
  }
  if (plugR) h.q.blkFinishPlug(7);
  else h.q.submitBio(bio(4, 108, { pid: 7 }));
  return h;
}

describe('merge_req: one root-to-leaf descent (ufq-model §4.6, §6.1)', () => {
  it('rev-1, A at the root: R is found behind A (BACK); B stays alone', () => {
    const h = twoSided(1, true, false);
    expect(queued(h)).toEqual([
      [0, 8],
      [100, 16],
      [116, 16],
    ]);
  });

  it('rev-1, B at the root: R is found before B (FRONT); A stays alone', () => {
    const h = twoSided(1, false, false);
    expect(queued(h)).toEqual([
      [100, 8],
      [108, 24],
      [1000, 8],
    ]);
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 100, 108, 1000]);
    expect(sizes(h)).toEqual([8, 8, 8, 24, 8]);
  });
});

describe('merge_bio with neighbour coalescing (ufq-model §4.7, rev-3)', () => {
  it('A at the root: the bio joins A at its back, then A absorbs its right child B', () => {
    const before = stats();
    const h = twoSided(3, true, false);
    const s = h.q.opsStats();
    expect([s.merge_bio_ok_count, s.merge_bio_ok_sectors]).toEqual([1, 8]);
    // QUIRK: merge_req_ok_sectors adds the bio's 8 sectors, not the 16 of the freed B.
    expect([s.merge_req_ok_count, s.merge_req_ok_sectors]).toEqual([1, 8]);
    const d = delta(before);
    expect([d.BIOMERGE_CNT, d.BIOMERGE_SIZE, d.RQMERGE_CNT, d.RQMERGE_SIZE]).toEqual([1, 4096, 1, 8192]);
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 0, 100]);
    expect(sizes(h)).toEqual([8, 8, 8, 32]);
  });

  it('B at the root: the bio joins B at its front, then its left child A absorbs B', () => {
    const before = stats();
    const h = twoSided(3, false, false);
    const d = delta(before);
    // The freed request is B after it grew: 24 sectors.
    expect([d.RQMERGE_CNT, d.RQMERGE_SIZE]).toEqual([1, 24 * 512]);
    drain(h);
    expect(issued(h.dev)).toEqual([FAR, FAR2, 100, 1000]);
    expect(sizes(h)).toEqual([8, 8, 32, 8]);
    h.q.checkInvariants();
  });
});

describe('references (ufq-model §3.3)', () => {
  it('rev-1 QUIRK: a BACK insert-merge survivor keeps one reference too many and is never freed', () => {
    const h = twoSided(1, true, true);
    drain(h);
    // Its driver tag leaks with it: with one driver tag, B never reaches the device.
    const c = h.q.conservation();
    expect(c.requests.leaked).toBe(1);
    expect(c.lost).toBe(1);
    expect(h.q.hctxs[0].tags.used).toBe(1);
    expect(h.q.hctxs[0].sched_tags.used).toBe(2);
    // Ejection releases what the policy held, and the queue drains.
    expect(h.q.settle()).toBe(true);
    drain(h);
    expect(h.q.conservation().lost).toBe(0);
    expect(h.q.conservation().requests.leaked).toBe(0);
  });

  it('rev-3: the kernel drops the reference merge_req hands over, so nothing leaks', () => {
    const h = twoSided(3, true, true);
    drain(h);
    expect(h.q.opsStats().merge_req_ok_count).toBe(1);
    expect(h.q.conservation().requests.leaked).toBe(0);
    expect(h.q.hctxs[0].sched_tags.used).toBe(0);
  });

  it('rev-1 FINISH_SIZE counts the bytes left at completion: 0 (ufq-model §4.8)', () => {
    const before = stats();
    const h = blocked({ ops: ufq_simple });
    drain(h);
    const d = delta(before);
    expect([d.FINISH_CNT, d.FINISH_SIZE]).toEqual([2, 0]);
    const before3 = stats();
    const h3 = blocked({ ops: ufq_simple, ufqRevision: 3 });
    drain(h3);
    const d3 = delta(before3);
    expect([d3.FINISH_CNT, d3.FINISH_SIZE]).toEqual([2, 8192]);
  });
});

describe('registry', () => {
  it('knows ufq_simple under both names, and none', () => {
    expect(getPolicy('simple')).toBe(ufq_simple);
    expect(getPolicy('ufq_simple')).toBe(ufq_simple);
    expect(getPolicy('none')?.name).toBe('none');
    expect(getPolicy('nope')).toBeUndefined();
    expect(policyNames()).toEqual(expect.arrayContaining(['none', 'ufq_simple', 'simple']));
  });
});
