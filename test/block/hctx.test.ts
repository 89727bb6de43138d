// The hardware-queue run loop (ufq-model §1.3-1.4, kernel-blk-mq §6.2-6.4).
import { describe, expect, it } from 'vitest';
import { bpf_ktime_get_ns, bpf_request_acquire } from '../../src/policies/lib/index.js';
import { NONE } from '../../src/trace/io-table.js';
import type { BlkQueue, BlkRequest, UfqOps } from '../../src/ufq/ops.js';
import { bio, harness } from './harness.js';

/** A FIFO policy that holds requests back while `gate(now)` says so. */
function gated(gate: (nowNs: number) => boolean, calls: number[]): UfqOps {
  const fifo: BlkRequest[] = [];
  return {
    name: 'gated',
    insert_req(_q: BlkQueue, rq: BlkRequest) {
      bpf_request_acquire(rq);
      fifo.push(rq);
      return 0;
    },
    has_req: () => fifo.length > 0,
    dispatch_req() {
      calls.push(bpf_ktime_get_ns());
      return gate(bpf_ktime_get_ns()) ? (fifo.shift() ?? null) : null;
    },
  };
}

describe('3 ms re-run after an empty dispatch (ufq-model §1.3, BLK_MQ_BUDGET_DELAY)', () => {
  // block/blk-mq.c blk_mq_delay_run_hw_queue: run_work is queued msecs_to_jiffies(3) jiffies
  // out; kernel/time/timer.c calc_index puts that timer one jiffy past its expiry, so the run
  // comes at the tick of jiffy (now + 3 + 1) at HZ 1000.
  it('HZ 1000: polls the policy at the tick of jiffy now + 4 while it has work but returns nothing', () => {
    const calls: number[] = [];
    const h = harness({ ops: gated((t) => t >= 7_000_000, calls), ufqRevision: 3 });
    h.q.submitBio(bio(0, 0));
    h.engine.run();
    expect(calls).toEqual([0, 4_000_000, 8_000_000]);
    expect(h.table.tD[0]).toBe(8_000_000);
    expect(h.q.opsStats().dispatch_null_count).toBe(2);
    expect(h.q.hctxs[0].stats.budgetReruns).toBe(2);
  });

  it('HZ 1000, armed mid-jiffy (2.5 ms, jiffy 2): the re-run comes at the 6 ms tick', () => {
    const calls: number[] = [];
    const h = harness({ ops: gated((t) => t >= 5_000_000, calls), ufqRevision: 3 });
    h.engine.at(2_500_000, () => h.q.submitBio(bio(0, 0)));
    h.engine.run();
    expect(calls).toEqual([2_500_000, 6_000_000]);
  });

  it('HZ 250: msecs_to_jiffies(3) is 1 jiffy of 4 ms; the re-run comes two ticks on', () => {
    const calls: number[] = [];
    const h = harness({ ops: gated((t) => t >= 7_000_000, calls), ufqRevision: 3, limits: { hz: 250 } });
    h.q.submitBio(bio(0, 0));
    h.engine.run();
    expect(calls).toEqual([0, 8_000_000]);
  });
});

describe('run triggers (ufq-model §1.4)', () => {
  it('has_work false stops the loop; nothing re-runs until the next insert', () => {
    let open = false;
    const calls: number[] = [];
    const ops = gated(() => true, calls);
    const held: UfqOps = {
      ...ops,
      has_req: (q, n) => open && (ops.has_req as (q: BlkQueue, n: number) => boolean)(q, n),
    };
    const h = harness({ ops: held, ufqRevision: 3 });
    h.q.submitBio(bio(0, 0));
    h.engine.at(5_000_000, () => {
      open = true;
    });
    h.engine.run(5_500_000);
    expect(h.table.tD[0]).toBe(NONE);
    expect(calls).toEqual([]);
    h.engine.at(6_000_000, () => h.q.submitBio(bio(1, 1000)));
    h.engine.run();
    expect(h.table.tD[0]).toBe(6_000_000);
    expect(h.table.tD[1]).toBe(6_000_000);
    // rev-3 counted each "no work" answer given while requests were queued.
    expect(h.q.opsStats().has_work_false_pending_count).toBeGreaterThan(0);
  });
});

describe('device pushback (kernel-blk-mq §6.4)', () => {
  it('a busy device gets the request again at once (RESTART not set), with a requeue (R)', () => {
    const h = harness();
    h.dev.busyNext = 1;
    h.q.submitBio(bio(0, 0));
    h.engine.run();
    expect(h.table.requeues[0]).toBe(1);
    expect(h.table.tD[0]).toBe(0);
  });

  it('busy again from hctx->dispatch (RESTART set): re-run 3 ms on, at a tick (BLK_MQ_RESOURCE_DELAY)', () => {
    const h = harness();
    h.dev.busyNext = 2;
    h.q.submitBio(bio(0, 0));
    h.engine.run();
    expect(h.table.requeues[0]).toBe(2);
    // Armed at jiffy 0 for 3 jiffies: the timer wheel runs it at the tick of jiffy 4.
    expect(h.table.tD[0]).toBe(4_000_000);
    expect(h.q.hctxs[0].stats.resourceReruns).toBe(1);
  });
});
