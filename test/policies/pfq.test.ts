// PFQ (ufq-model §5) through its hooks on a hand-driven kernel: queue classification, weights
// and virtual time, batches, FIFO expiry per type, the urgent list, seek choice, has_req,
// finish_req, counters, map sizes and params. Expected values are worked out from the spec's
// formulas and tables, not taken from the code.
import { describe, expect, it } from 'vitest';
import { REQ_FUA, REQ_OP_DISCARD, REQ_OP_WRITE } from '../../src/policies/lib/index.js';
import { PFQ_PARAMS_DEFAULT, pfq_check_params } from '../../src/policies/pfq/index.js';
import { pfq_params } from '../../src/policies/pfq/tunable.js';
import {
  disk,
  dispatch,
  dispatchAll,
  finish,
  hasReq,
  insert,
  mkrq,
  qidOf,
  queueOf,
  type Rig,
  rig,
} from './pfq-harness.js';

const SPECIAL = 0;
const RT = 1;
const BE = 2;
const IDLE = 3;
const READ = 0;
const WRITE = 1;
const SYNC_WRITE = 2;
const prio = (cls: number, level: number) => (cls << 13) | level;
const MS = 1_000_000;

function nrQueued(r: Rig): Record<number, number> {
  const out: Record<number, number> = {};
  for (const q of disk(r).queues) if (q.nr_queued > 0) out[q.qid] = q.nr_queued;
  return out;
}

describe('queue classification into 96 queues (ufq-model §5.1)', () => {
  it('qid = class x 24 + level x 3 + type, from ioprio, op, REQ_SYNC and the current comm', () => {
    const r = rig({ interactive: ['game', 'abcdefghijklmno'] });
    const { k, q } = r;
    insert(r, mkrq(k, q, 0, 8, { ioprio: prio(RT, 2) }));
    insert(r, mkrq(k, q, 100, 8, { op: REQ_OP_WRITE, ioprio: prio(IDLE, 7) }));
    insert(r, mkrq(k, q, 200, 8, { op: REQ_OP_WRITE, sync: true }));
    // Class NONE keeps its level bits: NONE/0 is BE level 0, not BE/4.
    insert(r, mkrq(k, q, 300, 8, { ioprio: 0 }));
    // An out-of-range class is served as BE.
    insert(r, mkrq(k, q, 400, 8, { ioprio: prio(5, 3) }));
    // Discards have an odd op: an (async) write queue.
    insert(r, mkrq(k, q, 500, 8, { op: REQ_OP_DISCARD }));
    // No bio: BE level 4.
    insert(r, mkrq(k, q, 600, 8, { noBio: true, ioprio: prio(RT, 0) }));
    k.comm = 'game';
    insert(r, mkrq(k, q, 700, 8));
    insert(r, mkrq(k, q, 800, 8, { op: REQ_OP_WRITE, ioprio: prio(RT, 0) }));
    // The kernel's comm holds 15 bytes: a longer task name matches its first 15.
    k.comm = 'abcdefghijklmnopq';
    insert(r, mkrq(k, q, 900, 8, { ioprio: prio(IDLE, 1) }));
    k.comm = 'Game';
    insert(r, mkrq(k, q, 1000, 8));
    expect(nrQueued(r)).toEqual({
      [qidOf(RT, 2, READ)]: 1,
      [qidOf(IDLE, 7, WRITE)]: 1,
      [qidOf(BE, 4, SYNC_WRITE)]: 1,
      [qidOf(BE, 0, READ)]: 1,
      [qidOf(BE, 3, READ)]: 1,
      [qidOf(BE, 4, WRITE)]: 1,
      [qidOf(BE, 4, READ)]: 2,
      [qidOf(SPECIAL, 4, READ)]: 1,
      [qidOf(SPECIAL, 0, WRITE)]: 1,
      [qidOf(SPECIAL, 1, READ)]: 1,
    });
    expect(disk(r).counters.INTERACTIVE).toBe(3);
    expect(disk(r).nr_queued_total).toBe(11);
  });

  it('a head insert joins no queue: it goes on the urgent list', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 0), 1);
    const d = disk(r);
    expect([d.urgent, d.nr_queued_total, d.nr_active]).toEqual([1, 0, 0]);
  });
});

describe('weights (ufq-model §5.2)', () => {
  it('match the spec table at weight_base 100', () => {
    const w = disk(rig()).weights;
    expect(w).toHaveLength(96);
    // SPECIAL reads: (100 + (7 - level) x 200) x 4.
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((l) => w[qidOf(SPECIAL, l, READ)])).toEqual([
      6000, 5200, 4400, 3600, 2800, 2000, 1200, 400,
    ]);
    // Other reads: 100 + (7 - level) x 100, whatever the class.
    for (const cls of [RT, BE, IDLE])
      expect([0, 1, 2, 3, 4, 5, 6, 7].map((l) => w[qidOf(cls, l, READ)])).toEqual([
        800, 700, 600, 500, 400, 300, 200, 100,
      ]);
    // Every write queue, SPECIAL included: 100 + (7 - level) x 5.
    for (const cls of [SPECIAL, RT, BE, IDLE])
      for (const t of [WRITE, SYNC_WRITE])
        expect([0, 1, 2, 3, 4, 5, 6, 7].map((l) => w[qidOf(cls, l, t)])).toEqual([
          135, 130, 125, 120, 115, 110, 105, 100,
        ]);
  });

  it('weight_base is the level-7 weight; 0 selects the default (§5.11)', () => {
    const w = disk(rig({ weight_base: 200 })).weights;
    expect([w[qidOf(BE, 4, READ)], w[qidOf(BE, 7, WRITE)], w[qidOf(SPECIAL, 7, READ)]]).toEqual([
      500, 200, 800,
    ]);
    expect(disk(rig({ weight_base: 0 })).weights[qidOf(BE, 4, READ)]).toBe(400);
  });
});

describe('virtual time (ufq-model §5.2)', () => {
  it('an 8-sector BE/4 read charges 20 and a 256-sector BE/4 async write 2279', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 0, 8));
    dispatch(r);
    expect(queueOf(r, qidOf(BE, 4, READ)).vtime).toBe(20);
    const w = rig();
    insert(w, mkrq(w.k, w.q, 0, 256, { op: REQ_OP_WRITE }));
    dispatch(w);
    expect(queueOf(w, qidOf(BE, 4, WRITE)).vtime).toBe(2279);
  });

  it('a charge that truncates to 0 counts 1', () => {
    const r = rig({ interactive: ['game'] });
    r.k.comm = 'game';
    // 1 sector at weight 6000: 1024 / 6000 < 1.
    insert(r, mkrq(r.k, r.q, 0, 1, { ioprio: prio(BE, 0) }));
    dispatch(r);
    expect(queueOf(r, qidOf(SPECIAL, 0, READ)).vtime).toBe(1);
  });

  it('service between backlogged queues follows weight (BE/0 read 800 vs BE/7 read 100)', () => {
    const r = rig();
    const hi = qidOf(BE, 0, READ);
    for (let i = 0; i < 600; i++) {
      insert(r, mkrq(r.k, r.q, i * 16, 8, { ioprio: prio(BE, 0), name: 'hi' }));
      insert(r, mkrq(r.k, r.q, 1_000_000 + i * 16, 8, { ioprio: prio(BE, 7), name: 'lo' }));
    }
    let nHi = 0;
    let nLo = 0;
    for (let i = 0; i < 540; i++) {
      const rq = dispatch(r);
      if (rq === null) break;
      if ((rq as unknown as { name: string }).name === 'hi') nHi++;
      else nLo++;
    }
    // Both still backlogged. Charges: 8 x 1024 / 800 = 10 and 8 x 1024 / 100 = 81 per request;
    // the vtimes stay within one batch (8 requests) of each other.
    expect(queueOf(r, hi).nr_queued).toBeGreaterThan(0);
    expect(Math.abs(nHi * 10 - nLo * 81)).toBeLessThanOrEqual(8 * 81);
    // So the request ratio is 81 / 10 within one batch of each: about 8 for 64 low requests.
    expect(nHi / nLo).toBeGreaterThan(7);
    expect(nHi / nLo).toBeLessThan(9.2);
  });
});

describe('batches of at most 8 / 4 / 2 (ufq-model §5.6 step 4)', () => {
  // RT/4 and BE/4 queues of one type have equal weights: they alternate, whole batches at a
  // time, RT first on the vtime tie (lower qid).
  function runs(op: number, sync: boolean, params = {}): number[] {
    const r = rig(params);
    for (let i = 0; i < 12; i++) {
      insert(r, mkrq(r.k, r.q, i * 16, 8, { op, sync, ioprio: prio(RT, 4), name: 'rt' }));
      insert(r, mkrq(r.k, r.q, 500_000 + i * 16, 8, { op, sync, ioprio: prio(BE, 4), name: 'be' }));
    }
    const names: string[] = [];
    for (let rq = dispatch(r); rq !== null; rq = dispatch(r))
      names.push((rq as unknown as { name: string }).name);
    const out: number[] = [];
    let prev = '';
    for (const n of names) {
      if (n === prev) out[out.length - 1]++;
      else out.push(1);
      prev = n;
    }
    expect(names[0]).toBe('rt');
    return out;
  }

  it('reads: 8 per turn', () => {
    expect(runs(0, false)).toEqual([8, 8, 4, 4]);
  });

  it('sync writes: 4 per turn', () => {
    expect(runs(REQ_OP_WRITE, true)).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it('async writes: 2 per turn', () => {
    expect(runs(REQ_OP_WRITE, false)).toEqual(Array(12).fill(2));
  });

  it('batch_read tunes the read batch (§5.11)', () => {
    expect(runs(0, false, { batch_read: 5 })).toEqual([5, 5, 5, 5, 2, 2]);
  });
});

describe('FIFO expiry per I/O type (ufq-model §5.4, §5.6 step 5)', () => {
  // A far request queued at t = 0 and a near one queued later; last_sector is 0.
  function first(op: number, sync: boolean, atNs: number): number {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 1_000_000, 8, { op, sync }));
    r.k.now = 1 * MS;
    insert(r, mkrq(r.k, r.q, 8, 8, { op, sync }));
    r.k.now = atNs;
    return (dispatch(r) as { __sector: number }).__sector;
  }

  it('reads expire after 500 ms', () => {
    expect(first(0, false, 500 * MS - 1)).toBe(8);
    expect(first(0, false, 500 * MS)).toBe(1_000_000);
  });

  it('sync writes expire after 2 s', () => {
    expect(first(REQ_OP_WRITE, true, 2000 * MS - 1)).toBe(8);
    expect(first(REQ_OP_WRITE, true, 2000 * MS)).toBe(1_000_000);
  });

  it('async writes expire after 5 s', () => {
    expect(first(REQ_OP_WRITE, false, 5000 * MS - 1)).toBe(8);
    expect(first(REQ_OP_WRITE, false, 5000 * MS)).toBe(1_000_000);
  });

  it('the earliest deadline of the queue goes first, then seek order resumes', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 3000));
    r.k.now = 10 * MS;
    insert(r, mkrq(r.k, r.q, 2000));
    r.k.now = 20 * MS;
    insert(r, mkrq(r.k, r.q, 8));
    r.k.now = 505 * MS;
    // 3000 expired at 500 ms; then 2000 (expires at 510 ms) is nearest below 3008.
    expect(dispatchAll(r)).toEqual([3000, 2000, 8]);
  });

  it('expiry acts inside the selected queue only: it does not pick the queue', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 1_000_000, 8, { ioprio: prio(BE, 4) }));
    r.k.now = 600 * MS;
    insert(r, mkrq(r.k, r.q, 8, 8, { ioprio: prio(RT, 4) }));
    // Equal weights and vtimes: RT (lower qid) is served first although BE's request expired.
    expect(dispatchAll(r)).toEqual([8, 1_000_000]);
  });
});

describe('urgent (head-insert) FIFO first (ufq-model §5.6 step 3)', () => {
  it('head inserts go first, in arrival order, with no vtime charge and last_sector unchanged', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 100));
    insert(r, mkrq(r.k, r.q, 5000), 1);
    insert(r, mkrq(r.k, r.q, 9000, 16), 1);
    expect(dispatch(r)?.__sector).toBe(5000);
    expect(dispatch(r)?.__sector).toBe(9000);
    const d = disk(r);
    expect([d.last_sector, queueOf(r, qidOf(BE, 4, READ)).vtime]).toEqual([0, 0]);
    expect(dispatch(r)?.__sector).toBe(100);
    const c = disk(r).counters;
    expect([c.AT_HEAD_CNT, c.AT_HEAD_SIZE, c.DISPATCH_AT_HEAD_CNT, c.DISPATCH_AT_HEAD_SIZE]).toEqual([
      2,
      24 * 512,
      2,
      24 * 512,
    ]);
    expect([c.DISPATCH_CNT, c.DISPATCH_SIZE]).toEqual([1, 4096]);
  });
});

describe('seek choice around last_sector (ufq-model §5.6 step 5)', () => {
  /** Dispatch [1000, 1008) first, so last_sector = 1008, then queue `rest`. */
  function after1008(rest: [number, boolean][]): number[] {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 1000));
    dispatch(r);
    expect(disk(r).last_sector).toBe(1008);
    for (const [s, meta] of rest) insert(r, mkrq(r.k, r.q, s, 8, { meta }));
    return dispatchAll(r);
  }

  it('the nearer of next and prev, in either direction', () => {
    expect(
      after1008([
        [1016, false],
        [996, false],
      ])[0],
    ).toBe(1016);
    expect(
      after1008([
        [1030, false],
        [1000, false],
      ])[0],
    ).toBe(1000);
  });

  it('a tie goes to the lower sector', () => {
    expect(
      after1008([
        [1016, false],
        [1000, false],
      ])[0],
    ).toBe(1000);
  });

  it('metadata beats a nearer non-metadata request', () => {
    expect(
      after1008([
        [1016, false],
        [500, true],
      ])[0],
    ).toBe(500);
    expect(
      after1008([
        [5000, true],
        [1000, false],
      ])[0],
    ).toBe(5000);
  });

  it('last_sector is the end of the last fair dispatch, so a sweep continues upward', () => {
    expect(
      after1008([
        [1040, false],
        [1008, false],
        [1024, false],
      ]),
    ).toEqual([1008, 1024, 1040]);
  });
});

describe('has_req (ufq-model §5.8)', () => {
  it('urgent or fair requests queued; an uninitialised disk answers rqs_count > 0', () => {
    const r = rig();
    expect(hasReq(r, 5)).toBe(false);
    insert(r, mkrq(r.k, r.q, 0), 1);
    expect(hasReq(r)).toBe(true);
    dispatch(r);
    insert(r, mkrq(r.k, r.q, 0));
    expect(hasReq(r)).toBe(true);
    dispatch(r);
    expect(hasReq(r, 3)).toBe(false);
    (r.ops.exit_sched as (q: unknown) => number)(r.q);
    expect([hasReq(r, 0), hasReq(r, 3)]).toEqual([false, true]);
  });
});

describe('finish_req (ufq-model §5.9)', () => {
  it('counts stats_sectors x 512 and clears priv[1]', () => {
    const r = rig();
    const a = mkrq(r.k, r.q, 0, 16);
    insert(r, a);
    expect(a.elv.priv[1]).not.toBeNull();
    dispatch(r);
    // The tagged qid: 0x80000000 | 60.
    expect(a.elv.priv[1]).toBe(0x80000000 + qidOf(BE, 4, READ));
    finish(r, a);
    // A merge victim was never started: stats_sectors 0.
    finish(r, mkrq(r.k, r.q, 100), 0);
    expect(a.elv.priv[1]).toBe(0);
    const c = disk(r).counters;
    expect([c.FINISH_CNT, c.FINISH_SIZE]).toEqual([2, 16 * 512]);
  });
});

describe('disk map and lazy init (ufq-model §5.5, §5.11)', () => {
  it('a 33rd disk fails to initialise (-E2BIG) and its inserts fail; exit frees a slot', () => {
    const r = rig();
    const k = r.k;
    const qs = [r.q];
    for (let i = 1; i < 32; i++) {
      const q = k.queue();
      expect((r.ops.init_sched as (q: unknown) => number)(q)).toBe(0);
      qs.push(q);
    }
    const q33 = k.queue();
    expect((r.ops.init_sched as (q: unknown) => number)(q33)).toBe(-7);
    expect(
      (r.ops.insert_req as (q: unknown, rq: unknown, f: number) => number)(q33, mkrq(k, q33, 0), 0),
    ).toBe(-7);
    (r.ops.exit_sched as (q: unknown) => number)(qs[5]);
    // Lazy init at the next insert.
    expect(
      (r.ops.insert_req as (q: unknown, rq: unknown, f: number) => number)(q33, mkrq(k, q33, 0), 0),
    ).toBe(0);
  });

  it('a failed insert counts INSERT_ERR (reference not taken: -EPERM)', () => {
    const r = rig();
    const a = mkrq(r.k, r.q, 0);
    (a as unknown as { ref: number }).ref = 0;
    expect(insert(r, a)).toBe(-1);
    expect(insert(r, a, 1)).toBe(-1);
    const d = disk(r);
    expect([d.counters.INSERT_ERR, d.counters.INSERT_CNT, d.nr_queued_total, d.urgent]).toEqual([2, 0, 0, 0]);
  });
});

describe('params (ufq-model §5.11, pfq.c -i)', () => {
  it('defaults are the loader seeds', () => {
    expect(PFQ_PARAMS_DEFAULT).toEqual({
      interactive: [],
      weight_base: 100,
      idle_delay_min_ms: 8,
      idle_delay_max_ms: 20,
      batch_read: 8,
      batch_sync_write: 4,
      batch_write: 2,
    });
  });

  it('names of 1-15 bytes, at most 64 distinct; u32 tunables', () => {
    expect(pfq_check_params({ interactive: ['ok', '', 'abcdefghijklmnop'] })).toHaveLength(2);
    expect(pfq_check_params({ interactive: Array.from({ length: 65 }, (_, i) => `t${i}`) })).toHaveLength(1);
    expect(pfq_check_params({ interactive: Array(70).fill('same') })).toEqual([]);
    expect(pfq_check_params({ batch_read: -1, weight_base: 1.5, idle_delay_max_ms: 2 ** 32 })).toHaveLength(
      3,
    );
    expect(pfq_params({ interactive: ['a', 'a', 'b'] }).interactive).toEqual(['a', 'b']);
    expect(() => pfq_params({ interactive: [''] })).toThrow(RangeError);
  });
});

describe('unmergeable requests still queue (REQ_FUA)', () => {
  it('a FUA write is a normal fair insert', () => {
    const r = rig();
    insert(r, mkrq(r.k, r.q, 0, 8, { op: REQ_OP_WRITE, flags: REQ_FUA }));
    expect(nrQueued(r)).toEqual({ [qidOf(BE, 4, WRITE)]: 1 });
  });
});
