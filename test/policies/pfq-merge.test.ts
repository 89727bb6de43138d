// PFQ's merge hooks (ufq-model §5.10) and its counters (§5.12) on a hand-driven kernel: the
// adjacency search stays inside the probe's own queue and is one descent from the root, so a
// probe touching two requests finds the one the tree's shape leads to; merge_req detaches
// without deactivating; merge_bio re-sorts a front-merged request and never coalesces.
import { describe, expect, it } from 'vitest';
import {
  ELEVATOR_BACK_MERGE,
  ELEVATOR_FRONT_MERGE,
  ELEVATOR_NO_MERGE,
  REQ_NOMERGE,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  RQF_STARTED,
} from '../../src/policies/lib/index.js';
import {
  BE4,
  disk,
  dispatch,
  dispatchAll,
  finish,
  insert,
  mergeBio,
  mergeReq,
  mkbio,
  mkrq,
  qidOf,
  queueOf,
  rig,
} from './pfq-harness.js';

const BE_READ_4 = qidOf(2, 4, 0);

describe('merge_req (ufq-model §5.10)', () => {
  it('BACK: the request ending at the probe start is detached; the queue stays active', () => {
    const r = rig();
    const a = mkrq(r.k, r.q, 100);
    insert(r, a);
    const { target, type } = mergeReq(r, mkrq(r.k, r.q, 108));
    expect([target, type]).toEqual([a, ELEVATOR_BACK_MERGE]);
    const d = disk(r);
    // No deactivation even though the queue is now empty.
    expect([d.nr_queued_total, d.nr_active, queueOf(r, BE_READ_4).in_tree]).toEqual([0, 1, true]);
    expect(a.elv.priv[1]).toBe(0);
    expect([d.counters.RQMERGE_CNT, d.counters.RQMERGE_SIZE]).toEqual([1, 4096]);
    // The loader's INSERT is net of RQMERGE.
    const loader = (r.ops.dump as () => { stats: Record<string, number> })().stats;
    expect([loader.INSERT_CNT, loader.INSERT_SIZE]).toEqual([0, 0]);
  });

  it('FRONT: the request starting at the probe end', () => {
    const r = rig();
    const b = mkrq(r.k, r.q, 116, 16);
    insert(r, b);
    expect(mergeReq(r, mkrq(r.k, r.q, 108))).toEqual({ target: b, type: ELEVATOR_FRONT_MERGE });
  });

  it('a probe adjacent to two requests finds the one the descent from the root meets first', () => {
    // A = [100, 108), B = [116, 132); probe [108, 116) touches both.
    const rootA = rig();
    const a1 = mkrq(rootA.k, rootA.q, 100);
    insert(rootA, a1);
    insert(rootA, mkrq(rootA.k, rootA.q, 116, 16));
    expect(mergeReq(rootA, mkrq(rootA.k, rootA.q, 108))).toEqual({ target: a1, type: ELEVATOR_BACK_MERGE });
    const rootB = rig();
    const b2 = mkrq(rootB.k, rootB.q, 116, 16);
    insert(rootB, b2);
    insert(rootB, mkrq(rootB.k, rootB.q, 100));
    expect(mergeReq(rootB, mkrq(rootB.k, rootB.q, 108))).toEqual({ target: b2, type: ELEVATOR_FRONT_MERGE });
  });

  it('only the probe’s own queue is searched', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 100, 8, { ioprio: (1 << 13) | 4 }));
    insert(r, mkrq(r.k, r.q, 116, 8, { op: REQ_OP_WRITE }));
    expect(mergeReq(r, mkrq(r.k, r.q, 108)).target).toBeNull();
    // The same range from an interactive task is the SPECIAL queue's, also empty.
    const s = rig({ interactive: ['game'] });
    insert(s, mkrq(s.k, s.q, 100));
    s.k.comm = 'game';
    expect(mergeReq(s, mkrq(s.k, s.q, 108)).target).toBeNull();
  });

  it('overlap stops the search', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 100, 16));
    expect(mergeReq(r, mkrq(r.k, r.q, 108))).toEqual({ target: null, type: ELEVATOR_NO_MERGE });
  });

  it('a candidate on another ctx or with other attributes is refused and stays queued', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 100, 8, { ctx: { cpu: 1, index_hw: 1 } }));
    // Class NONE level 4 is BE/4's queue but another ioprio.
    insert(r, mkrq(r.k, r.q, 200, 8, { ioprio: 4 }));
    expect(mergeReq(r, mkrq(r.k, r.q, 108)).target).toBeNull();
    expect(mergeReq(r, mkrq(r.k, r.q, 208)).target).toBeNull();
    expect(disk(r).nr_queued_total).toBe(2);
  });

  it('an unmergeable newcomer or candidate is refused', () => {
    const r = rig();
    const a = mkrq(r.k, r.q, 100);
    insert(r, a);
    expect(mergeReq(r, mkrq(r.k, r.q, 108, 8, { flags: REQ_NOMERGE })).target).toBeNull();
    const w = rig();
    insert(w, mkrq(w.k, w.q, 100, 8, { op: REQ_OP_WRITE_ZEROES }));
    expect(mergeReq(w, mkrq(w.k, w.q, 108, 8, { op: REQ_OP_WRITE_ZEROES })).target).toBeNull();
    (a as unknown as { rq_flags: number }).rq_flags = RQF_STARTED;
    expect(mergeReq(r, mkrq(r.k, r.q, 108)).target).toBeNull();
  });
});

describe('merge_bio (ufq-model §5.10)', () => {
  it('a front merge moves the cached sector, so the request is re-sorted; returns null', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 1000));
    dispatch(r); // last_sector = 1008
    insert(r, mkrq(r.k, r.q, 1100));
    insert(r, mkrq(r.k, r.q, 900));
    // [1092, 1100) joins 1100 at its front: now 1092 is 84 from 1008, 900 is 108.
    expect(mergeBio(r, mkbio(1092))).toEqual({ freed: null, merged: true });
    expect(dispatchAll(r)).toEqual([1092, 900]);
    const c = disk(r).counters;
    expect([c.BIOMERGE_CNT, c.BIOMERGE_SIZE]).toEqual([1, 4096]);
  });

  it('a back merge grows the request; nr_queued is unchanged', () => {
    const r = rig();
    const a = mkrq(r.k, r.q, 100);
    insert(r, a);
    expect(mergeBio(r, mkbio(108)).merged).toBe(true);
    expect([a.__data_len, disk(r).nr_queued_total]).toEqual([8192, 1]);
  });

  it('a merge the kernel refuses leaves merged false; another queue’s request is not used', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 100));
    r.k.bioMergeOk = false;
    expect(mergeBio(r, mkbio(108)).merged).toBe(false);
    r.k.bioMergeOk = true;
    expect(mergeBio(r, mkbio(108, 8, { ioprio: (3 << 13) | 4 })).merged).toBe(false);
    expect(disk(r).counters.BIOMERGE_CNT).toBe(0);
  });
});

describe('counters (ufq-model §5.12)', () => {
  it('a scripted run, counted by hand', () => {
    const r = rig({ interactive: ['game'] });
    const { k, q } = r;
    const a = mkrq(k, q, 0);
    const b = mkrq(k, q, 100);
    insert(r, a);
    insert(r, b);
    k.comm = 'game';
    const c = mkrq(k, q, 200);
    insert(r, c); // SPECIAL read: INTERACTIVE
    k.comm = 'fio';
    const h = mkrq(k, q, 5000, 16);
    insert(r, h, 1); // at head, 8 KiB
    const victim = mergeReq(r, mkrq(k, q, 108)).target; // b, 4 KiB
    expect(victim).toBe(b);
    finish(r, b, 0); // merge victim: counted, 0 bytes
    expect(mergeBio(r, mkbio(8)).merged).toBe(true); // a grows to 8 KiB
    // Urgent first; SPECIAL/4 (qid 12) before BE/4 (qid 60) on the vtime tie; c empties the
    // in-service SPECIAL read queue, which is held (draw 0: 8 ms), so a waits for the expiry.
    expect([dispatch(r), dispatch(r), dispatch(r)]).toEqual([h, c, null]);
    k.now = 8_000_000;
    expect([dispatch(r), dispatch(r)]).toEqual([a, null]);
    finish(r, h);
    finish(r, c);
    finish(r, a);
    const s = disk(r).counters;
    expect(s).toEqual({
      INSERT_CNT: 3,
      INSERT_SIZE: 3 * 4096,
      INSERT_ERR: 0,
      AT_HEAD_CNT: 1,
      AT_HEAD_SIZE: 8192,
      INTERACTIVE: 1,
      RQMERGE_CNT: 1,
      RQMERGE_SIZE: 4096,
      BIOMERGE_CNT: 1,
      BIOMERGE_SIZE: 4096,
      DISPATCH_CNT: 2,
      DISPATCH_SIZE: 4096 + 8192,
      DISPATCH_AT_HEAD_CNT: 1,
      DISPATCH_AT_HEAD_SIZE: 8192,
      FINISH_CNT: 4,
      FINISH_SIZE: 8192 + 4096 + 8192,
      IDLE_HOLD: 1,
    });
    const d = r.ops.dump?.() as { stats: Record<string, number>; nr_queued_total: number; nr_active: number };
    expect([d.stats.INSERT_CNT, d.stats.INSERT_SIZE]).toEqual([2, 2 * 4096]);
    expect(BE4).toBe((2 << 13) | 4);
  });
});
