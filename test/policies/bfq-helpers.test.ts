// The helpers BFQ needs beyond the UFQ hooks (docs/policies-bfq.md): bpf_timer on the
// simulated clock (policies/lib timer.ts) and a run of the hardware queues
// (bpf_ufq_run_hw_queues), exercised by a tiny policy that holds its one request until a timer
// lets it go; and the rotational flag as the policy sees it.
import { describe, expect, it } from 'vitest';
import {
  type BlkQueue,
  type BlkRequest,
  BpfTimer,
  blk_queue_nonrot,
  bpf_ktime_get_ns,
  bpf_request_acquire,
  bpf_timer_cancel,
  bpf_timer_init,
  bpf_timer_set_callback,
  bpf_timer_start,
  bpf_ufq_run_hw_queues,
  type UfqOps,
} from '../../src/policies/lib/index.js';
import { bio, harness } from '../block/harness.js';

const MS = 1_000_000;

interface Holder extends UfqOps {
  held: BlkRequest | null;
  release: boolean;
  fired: number[];
  timer: BpfTimer;
  q: BlkQueue | null;
}

/** Holds each request until its timer fires `delayNs` after the insert (0: hold for ever). */
function holder(delayNs: number, kick = true): Holder {
  const p: Holder = {
    name: 'holder',
    held: null,
    release: false,
    fired: [],
    timer: new BpfTimer(),
    q: null,
    init_sched(q) {
      p.q = q;
      expect(bpf_timer_init(p.timer, q, 0)).toBe(0);
      expect(
        bpf_timer_set_callback(p.timer, () => {
          p.fired.push(bpf_ktime_get_ns());
          p.release = true;
          if (kick) bpf_ufq_run_hw_queues(q);
        }),
      ).toBe(0);
      return 0;
    },
    insert_req(_q, rq) {
      bpf_request_acquire(rq);
      p.held = rq;
      p.release = false;
      if (delayNs > 0) bpf_timer_start(p.timer, delayNs, 0);
      return 0;
    },
    has_req: () => p.held !== null,
    dispatch_req() {
      if (!p.release || p.held === null) return null;
      const rq = p.held;
      p.held = null;
      return rq;
    },
  };
  return p;
}

describe('bpf_timer and bpf_ufq_run_hw_queues (policies/lib, docs/policies-bfq.md)', () => {
  it('the callback runs at the armed time, in hook context, and its queue run dispatches at once', () => {
    const p = holder(1 * MS);
    const h = harness({ ops: p, ufqRevision: 3, latencyNs: 1000 });
    h.q.submitBio(bio(0, 100));
    h.engine.run();
    expect(p.fired).toEqual([1 * MS]);
    // Dispatched by the kick at 1 ms, not by the 3 ms re-run polling.
    expect(h.dev.submitted.map((s) => s.atNs)).toEqual([1 * MS]);
  });

  it("without the kick, the held request waits for the block layer's 3 ms re-run", () => {
    const p = holder(1 * MS, false);
    const h = harness({ ops: p, ufqRevision: 3, latencyNs: 1000 });
    h.q.submitBio(bio(0, 100));
    h.engine.run();
    // Armed at tick 0 for msecs_to_jiffies(3) = 3 jiffies; the timer wheel puts it one jiffy
    // later (kernel/time/timer.c calc_index rounds up), so it runs at 4 ms.
    expect(h.dev.submitted.map((s) => s.atNs)).toEqual([4 * MS]);
  });

  it('restarting replaces the pending expiry; cancel reports whether one was pending', () => {
    const p = holder(0);
    const h = harness({ ops: p, ufqRevision: 3, latencyNs: 1000 });
    h.engine.at(0, () => {
      expect(bpf_timer_start(p.timer, 5 * MS, 0)).toBe(0);
      expect(bpf_timer_start(p.timer, 2 * MS, 0)).toBe(0);
    });
    h.engine.run(10 * MS);
    expect(p.fired).toEqual([2 * MS]);
    h.engine.at(11 * MS, () => {
      bpf_timer_start(p.timer, 1 * MS, 0);
      expect(bpf_timer_cancel(p.timer)).toBe(1);
      expect(bpf_timer_cancel(p.timer)).toBe(0);
    });
    h.engine.run(20 * MS);
    expect(p.fired).toEqual([2 * MS]);
  });

  it('a timer armed by an ejected policy never runs its callback', () => {
    const p = holder(5 * MS);
    const h = harness({ ops: p, ufqRevision: 3, latencyNs: 1000 });
    h.q.submitBio(bio(0, 100));
    h.engine.at(1 * MS, () => h.q.elevator.eject('test', 'kernel'));
    h.engine.run();
    expect(p.fired).toEqual([]);
    // The elevator's fallback dispatched the request instead.
    expect(h.dev.submitted).toHaveLength(1);
  });

  it("blk_queue_nonrot follows the device profile's rotational; a device without one is non-rotational", () => {
    const p = holder(0);
    const h = harness({ ops: p, ufqRevision: 3 });
    expect(blk_queue_nonrot(p.q as BlkQueue)).toBe(true);
    Object.assign(h.dev, { profile: { rotational: true } });
    expect(blk_queue_nonrot(p.q as BlkQueue)).toBe(false);
  });
});
