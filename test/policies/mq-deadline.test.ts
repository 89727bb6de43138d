// mq-deadline's dispatch rules (kernel-blk-mq §8.1) driven hook by hook, with a stand-in for
// the UFQ kernel whose clock the test sets. Expected orders come from the spec's numbers:
// read_expire 500 ms, prio_aging_expire 10 s, fifo_batch 16, writes_starved 2.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { KFUNC_HOST } from '../../src/policies/lib/index.js';
import mqDeadlineDefault, { type DdOps, mq_deadline } from '../../src/policies/mq-deadline/index.js';
import type { Bio, BlkQueue, BlkRequest, UfqKernel } from '../../src/ufq/ops.js';

const READ = 0;
const WRITE = 1;
const RT = (1 << 13) | 4;
const BE = (2 << 13) | 4;
const IDLE = 3 << 13;
const AT_HEAD = 1;
const RQF_STARTED = 1;

/** What the UFQ elevator does around the hooks, reduced to what mq-deadline observes. */
class Rig implements UfqKernel {
  nowNs = 0;
  readonly log: string[] = [];
  readonly refs = new Map<BlkRequest, number>();
  readonly q: BlkQueue;

  constructor(
    readonly ops: DdOps,
    readonly hz = 1000,
    readonly rev = 3,
    nr_requests = 128,
  ) {
    this.q = { id: 7, nr_requests, __ufq: this };
    this.call(() => ops.init_sched?.(this.q));
  }

  private call<T>(fn: () => T): T {
    KFUNC_HOST.kernel = this;
    return fn();
  }

  at(ms: number): this {
    this.nowNs = ms * 1e6;
    return this;
  }

  rq(sector: number, o: { dir?: number; ioprio?: number; sectors?: number } = {}): BlkRequest {
    const r = {
      q: this.q,
      __sector: sector,
      __data_len: (o.sectors ?? 8) * 512,
      cmd_flags: o.dir ?? READ,
      rq_flags: 0,
      ioprio: o.ioprio ?? BE,
      elv: { priv: [0, null] },
    } as unknown as BlkRequest;
    this.refs.set(r, 1);
    return r;
  }

  insert(rq: BlkRequest, flags = 0): void {
    expect(this.call(() => this.ops.insert_req?.(this.q, rq, flags))).toBe(0);
  }

  /** One dispatch_req call; STARTED set and (rev-2+) the handed-over reference dropped. */
  dispatch(): BlkRequest | null {
    const rq = this.call(() => this.ops.dispatch_req?.(this.q) ?? null);
    if (rq !== null) {
      (rq as { rq_flags: number }).rq_flags |= RQF_STARTED;
      if (this.rev >= 2) this.unref(rq);
    }
    return rq;
  }

  /** Dispatches n requests and returns their start sectors. */
  sectors(n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.dispatch()?.__sector ?? -1);
    return out;
  }

  /** Completion: finish_req, then the block layer's own reference goes. */
  complete(rq: BlkRequest | null): void {
    if (rq === null) throw new Error('nothing to complete');
    this.call(() => this.ops.finish_req?.(rq));
    this.unref(rq);
  }

  hasWork(): boolean {
    return !!this.call(() => this.ops.has_req?.(this.q, 0));
  }

  exit(): void {
    this.call(() => this.ops.exit_sched?.(this.q));
  }

  queue(): { queued: number[]; per_prio: Record<string, number>[] } {
    const d = this.ops.dump?.() as {
      queues: Record<string, { queued: number[]; per_prio: Record<string, number>[] }>;
    };
    return d.queues[String(this.q.id)];
  }

  private unref(rq: BlkRequest): void {
    this.refs.set(rq, (this.refs.get(rq) ?? 0) - 1);
  }

  request_acquire(rq: BlkRequest): BlkRequest | null {
    this.refs.set(rq, (this.refs.get(rq) ?? 0) + 1);
    return rq;
  }
  request_release(rq: BlkRequest): void {
    this.unref(rq);
  }
  request_put(rq: BlkRequest): boolean {
    this.unref(rq);
    return true;
  }
  request_bio_try_merge(_rq: BlkRequest, _bio: Bio, _nr_segs: number): boolean {
    return false;
  }
  request_try_merge(_rq: BlkRequest, _next: BlkRequest): BlkRequest | null {
    return null;
  }
  request_set_elv_priv1(): void {}
  request_from_id(): BlkRequest | null {
    return null;
  }
  ktime_get_ns(): number {
    return this.nowNs;
  }
  jiffies(): number {
    return Math.floor((this.nowNs * this.hz) / 1e9);
  }
  current_comm(): string {
    return 'fio';
  }
  current_pid(): number {
    return 1;
  }
  prandom_u32(): number {
    return 0;
  }
  printk(line: string): void {
    this.log.push(line);
  }
}

describe('priority levels (kernel-blk-mq §8.1, dispatch step 3)', () => {
  it('serves RT before BE before IDLE', () => {
    const r = new Rig(mq_deadline());
    r.insert(r.rq(100, { ioprio: IDLE }));
    r.insert(r.rq(200, { ioprio: BE }));
    r.insert(r.rq(300, { ioprio: RT }));
    const order: number[] = [];
    for (let i = 0; i < 3; i++) {
      const rq = r.dispatch();
      order.push(rq?.__sector ?? -1);
      r.complete(rq);
    }
    expect(order).toEqual([300, 200, 100]);
  });

  it('treats ioprio class NONE as BE', () => {
    const r = new Rig(mq_deadline());
    r.insert(r.rq(100, { ioprio: IDLE }));
    r.insert(r.rq(200, { ioprio: 0 }));
    const rq = r.dispatch();
    expect(rq?.__sector).toBe(200);
    expect(r.queue().per_prio[1].dispatched).toBe(1);
  });

  it('a level with requests in flight holds back the levels below it', () => {
    const r = new Rig(mq_deadline());
    r.insert(r.rq(200, { ioprio: BE }));
    r.insert(r.rq(300, { ioprio: RT }));
    const rt = r.dispatch();
    expect(rt?.__sector).toBe(300);
    // queued(RT) = inserted - completed = 1 while the RT request is on the device.
    expect(r.dispatch()).toBeNull();
    expect(r.hasWork()).toBe(true);
    r.complete(rt);
    expect(r.dispatch()?.__sector).toBe(200);
  });
});

describe('prio aging (prio_aging_expire 10 s)', () => {
  for (const hz of [1000, 250]) {
    it(`lets a BE request inserted 10 s ago pass waiting RT requests (HZ ${hz})`, () => {
      const r = new Rig(mq_deadline(), hz);
      r.insert(r.rq(1000, { ioprio: BE }));
      for (const s of [2000, 3000, 4000]) r.insert(r.rq(s, { ioprio: RT }));
      expect(r.dispatch()?.__sector).toBe(2000);
      r.at(9999);
      expect(r.dispatch()?.__sector).toBe(3000);
      r.at(10000);
      expect(r.dispatch()?.__sector).toBe(1000);
      expect(r.dispatch()?.__sector).toBe(4000);
    });
  }

  it('ages nothing while only one level has requests', () => {
    const r = new Rig(mq_deadline());
    r.insert(r.rq(1000, { ioprio: IDLE }));
    r.at(60000);
    expect(r.dispatch()?.__sector).toBe(1000);
  });
});

/** Leaves latest_pos[READ] at 5000 with no batch running (last dispatch was a write). */
function sweptTo5000(r: Rig): void {
  const x = r.rq(5000);
  r.insert(x);
  r.complete(r.dispatch());
  r.insert(r.rq(90000, { dir: WRITE }));
  const w = r.dispatch();
  expect(w?.__sector).toBe(90000);
  r.complete(w);
}

describe('read FIFO expiry (read_expire 500 ms)', () => {
  it('before the deadline, a new batch continues in sector order above the last position', () => {
    const r = new Rig(mq_deadline());
    sweptTo5000(r);
    r.insert(r.rq(100));
    r.insert(r.rq(6000));
    r.at(499);
    expect(r.dispatch()?.__sector).toBe(6000);
  });

  it('at the deadline, the expired read is served before sector order', () => {
    const r = new Rig(mq_deadline());
    sweptTo5000(r);
    r.insert(r.rq(100));
    r.insert(r.rq(6000));
    r.at(500);
    expect(r.dispatch()?.__sector).toBe(100);
  });

  for (const [ms, first] of [
    [4999, 6000],
    [5000, 100],
  ] as const) {
    it(`writes expire after 5 s: at ${ms} ms the first write is ${first}`, () => {
      const r = new Rig(mq_deadline());
      r.insert(r.rq(5000, { dir: WRITE }));
      r.complete(r.dispatch());
      r.insert(r.rq(90000));
      r.complete(r.dispatch());
      r.insert(r.rq(100, { dir: WRITE }));
      r.insert(r.rq(6000, { dir: WRITE }));
      r.at(ms);
      expect(r.dispatch()?.__sector).toBe(first);
    });
  }
});

describe('batching (fifo_batch 16)', () => {
  it('runs 16 sector-order dispatches past an expired deadline, then takes the oldest read', () => {
    const r = new Rig(mq_deadline());
    const x = r.rq(5000);
    r.insert(x);
    expect(r.dispatch()).toBe(x);
    r.insert(r.rq(100));
    // 30 reads above 5000, inserted out of order (a fixed permutation).
    for (let i = 0; i < 30; i++) r.insert(r.rq(6000 + 8 * ((i * 7) % 30)));
    r.at(600);
    const got = r.sectors(16);
    expect(got.slice(0, 15)).toEqual(Array.from({ length: 15 }, (_, i) => 6000 + 8 * i));
    expect(got[15]).toBe(100);
    // The new batch sweeps upward from the expired request's position.
    expect(r.dispatch()?.__sector).toBe(6120);
  });

  it('with fifo_batch 4 the deadline is checked after 4 dispatches', () => {
    const r = new Rig(mq_deadline({ fifo_batch: 4 }));
    r.insert(r.rq(5000));
    r.dispatch();
    r.insert(r.rq(100));
    for (let i = 0; i < 10; i++) r.insert(r.rq(6000 + 8 * i));
    r.at(600);
    expect(r.sectors(4)).toEqual([6000, 6008, 6016, 100]);
  });
});

describe('writes_starved 2', () => {
  it('serves a waiting write after two read batches started while it waited', () => {
    const r = new Rig(mq_deadline());
    for (let i = 0; i < 60; i++) r.insert(r.rq(1000 + 8 * i));
    expect(r.dispatch()?.__sector).toBe(1000);
    r.insert(r.rq(500000, { dir: WRITE }));
    const got = r.sectors(49);
    // The batch under way (16), then two more read batches (starved 1, 2), then the write.
    expect(got.indexOf(500000)).toBe(47);
    expect(got.slice(0, 47)).toEqual(Array.from({ length: 47 }, (_, i) => 1008 + 8 * i));
    expect(got[48]).toBe(1000 + 8 * 48);
  });
});

describe('writes_starved below zero', () => {
  it('never lets a write pass queued reads: C compares it unsigned (starved++ >= (unsigned)-1)', () => {
    const r = new Rig(mq_deadline({ writes_starved: -1 }));
    for (let i = 0; i < 60; i++) r.insert(r.rq(1000 + 8 * i));
    expect(r.dispatch()?.__sector).toBe(1000);
    r.insert(r.rq(500000, { dir: WRITE }));
    // Its 5 s FIFO deadline is far off: every read goes first, then the write.
    const got = r.sectors(60);
    expect(got.slice(0, 59)).toEqual(Array.from({ length: 59 }, (_, i) => 1008 + 8 * i));
    expect(got[59]).toBe(500000);
  });
});

describe('at-head inserts', () => {
  it('are dispatched before the sorted requests of their level', () => {
    const r = new Rig(mq_deadline());
    r.insert(r.rq(1000));
    r.insert(r.rq(2000));
    r.insert(r.rq(9000), AT_HEAD);
    r.insert(r.rq(8000), AT_HEAD);
    expect(r.sectors(4)).toEqual([8000, 9000, 1000, 2000]);
  });

  it('do not jump a higher level (one at-head list per level in 6.17)', () => {
    const r = new Rig(mq_deadline());
    r.insert(r.rq(9000, { ioprio: BE }), AT_HEAD);
    r.insert(r.rq(1000, { ioprio: RT }));
    expect(r.dispatch()?.__sector).toBe(1000);
  });
});

describe('accounting: inserted - completed (dd_queued, exit-time check)', () => {
  it('returns to zero per level once everything completed, with no warning at exit', () => {
    const r = new Rig(mq_deadline());
    const all: BlkRequest[] = [];
    for (const [s, p] of [
      [100, RT],
      [200, BE],
      [300, IDLE],
      [400, 0],
      [500, BE],
    ] as const) {
      const rq = r.rq(s, { ioprio: p });
      all.push(rq);
      r.insert(rq);
    }
    expect(r.queue().queued).toEqual([1, 3, 1]);
    for (let i = 0; i < 5; i++) r.complete(r.dispatch());
    const q = r.queue();
    expect(q.queued).toEqual([0, 0, 0]);
    expect(q.per_prio.map((p) => [p.inserted, p.dispatched, p.completed])).toEqual([
      [1, 1, 1],
      [3, 3, 3],
      [1, 1, 1],
    ]);
    r.exit();
    expect(r.log).toEqual([]);
    // Every reference the policy took was given back.
    for (const rq of all) expect(r.refs.get(rq)).toBe(0);
  });

  it('counts a requeued (at-head re-inserted) request once', () => {
    const r = new Rig(mq_deadline());
    const rq = r.rq(100);
    r.insert(rq);
    expect(r.dispatch()).toBe(rq);
    r.insert(rq, AT_HEAD);
    expect(r.dispatch()).toBe(rq);
    r.complete(rq);
    expect(r.queue().per_prio[1]).toMatchObject({ inserted: 1, dispatched: 2, completed: 1 });
  });

  it('warns at exit when a level still counts a request', () => {
    const r = new Rig(mq_deadline());
    r.insert(r.rq(100));
    r.dispatch();
    r.exit();
    expect(r.log).toEqual(['mq-deadline/exit_sched: statistics for priority 1: i 1 m 0 d 1 c 0']);
    expect((r.ops.dump?.() as { warnings: number }).warnings).toBe(1);
  });

  it('rev-1: the policy drops its own reference at finish', () => {
    const r = new Rig(mq_deadline(), 1000, 1);
    const rq = r.rq(100);
    r.insert(rq);
    r.complete(r.dispatch());
    expect(r.refs.get(rq)).toBe(0);
  });
});

describe('limit_depth (proposed extension) and params', () => {
  it('leaves sync reads unlimited and gives writes async_depth, nr_requests by default', () => {
    const r = new Rig(mq_deadline(), 1000, 3, 256);
    const data = { q: r.q, shallow_depth: 0 };
    r.ops.limit_depth(READ, data);
    expect(data.shallow_depth).toBe(0);
    r.ops.limit_depth(WRITE | (1 << 11), data);
    expect(data.shallow_depth).toBe(256);
    const r2 = new Rig(mq_deadline({ async_depth: 48 }), 1000, 3, 256);
    const d2 = { q: r2.q, shallow_depth: 0 };
    r2.ops.limit_depth(WRITE, d2);
    expect(d2.shallow_depth).toBe(48);
  });

  it('converts ms to jiffies once (HZ 250: read 125, write 1250, aging 2500)', () => {
    const r = new Rig(mq_deadline(), 250);
    const q = r.ops.dump?.() as { queues: Record<string, Record<string, unknown>> };
    expect(q.queues['7']).toMatchObject({
      fifo_expire_jiffies: [125, 1250],
      prio_aging_expire_jiffies: 2500,
    });
  });

  it('clamps like the sysfs stores and keeps the kernel defaults', () => {
    expect(mqDeadlineDefault.name).toBe('mq-deadline');
    expect(mq_deadline().params).toEqual({
      read_expire: 500,
      write_expire: 5000,
      writes_starved: 2,
      front_merges: 1,
      async_depth: 0,
      fifo_batch: 16,
      prio_aging_expire: 10000,
    });
    expect(mq_deadline({ front_merges: 7, fifo_batch: -3, read_expire: -1 }).params).toMatchObject({
      front_merges: 1,
      fifo_batch: 0,
      read_expire: 0,
    });
  });
});

describe('ownership and conservation (property)', () => {
  const step = fc.oneof(
    fc.record({
      k: fc.constant('insert' as const),
      sector: fc.integer({ min: 0, max: 4000 }),
      dir: fc.integer({ min: 0, max: 1 }),
      cls: fc.integer({ min: 0, max: 3 }),
      head: fc.boolean(),
    }),
    fc.record({ k: fc.constant('dispatch' as const) }),
    fc.record({ k: fc.constant('complete' as const) }),
    fc.record({ k: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
  );

  test.prop([fc.array(step, { maxLength: 120 }), fc.constantFrom(1, 3)])(
    'dispatch returns only queued requests, never stalls with nothing in flight, and every level balances',
    (steps, rev) => {
      const r = new Rig(mq_deadline(), 250, rev);
      const queued = new Set<BlkRequest>();
      const inflight: BlkRequest[] = [];
      const all: BlkRequest[] = [];
      let ms = 0;
      const dispatch = () => {
        const rq = r.dispatch();
        if (rq === null) return false;
        expect(queued.delete(rq)).toBe(true);
        inflight.push(rq);
        return true;
      };
      for (const st of steps) {
        if (st.k === 'insert') {
          const rq = r.rq(st.sector * 8, { dir: st.dir, ioprio: st.cls << 13 });
          all.push(rq);
          queued.add(rq);
          r.insert(rq, st.head ? AT_HEAD : 0);
        } else if (st.k === 'dispatch') dispatch();
        else if (st.k === 'complete') {
          const rq = inflight.shift();
          if (rq !== undefined) r.complete(rq);
        } else {
          ms += st.ms;
          r.at(ms);
        }
      }
      while (queued.size > 0 || inflight.length > 0) {
        expect(r.hasWork()).toBe(queued.size > 0);
        if (!dispatch()) {
          // Only a level with requests in flight may hold the rest back.
          expect(inflight.length).toBeGreaterThan(0);
          r.complete(inflight.shift() as BlkRequest);
        }
      }
      expect(r.queue().queued).toEqual([0, 0, 0]);
      r.exit();
      expect(r.log).toEqual([]);
      for (const rq of all) expect(r.refs.get(rq)).toBe(0);
    },
  );
});
