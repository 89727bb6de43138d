// "Run all hardware queues" under UFQ (kernel-blk-mq §6.1, ufq-model §1): UFQ sets
// QUEUE_FLAG_SQ_SCHED, so block/blk-mq.c blk_mq_run_hw_queues runs the current CPU's hctx and
// any hctx with leftovers on its dispatch list, not every hctx. Ejection, a simulator feature,
// still runs them all so that the per-ctx fallback reaches every ctx.
import { describe, expect, it } from 'vitest';
import {
  BpfTimer,
  bpf_request_acquire,
  bpf_timer_init,
  bpf_timer_set_callback,
  bpf_timer_start,
  bpf_ufq_run_hw_queues,
} from '../../src/policies/lib/index.js';
import { NONE } from '../../src/trace/io-table.js';
import type { BlkQueue, BlkRequest, UfqOps } from '../../src/ufq/ops.js';
import { bio, harness } from './harness.js';

// The harness has 4 CPUs: with 2 hardware queues, CPUs 0-1 map to hctx 0 and CPUs 2-3 to
// hctx 1 (block/blk-mq-cpumap.c, contiguous ranges).

/** A FIFO policy that hands out requests only while `open()` says so. */
function gated(open: () => boolean): UfqOps {
  const fifo: BlkRequest[] = [];
  return {
    name: 'gated',
    insert_req(_q: BlkQueue, rq: BlkRequest) {
      bpf_request_acquire(rq);
      fifo.push(rq);
      return 0;
    },
    has_req: () => fifo.length > 0,
    dispatch_req: () => (open() ? (fifo.shift() ?? null) : null),
  };
}

describe('blk_mq_run_hw_queues with SQ_SCHED (block/blk-mq.c)', () => {
  it('from a task on CPU 2 it runs hctx 1 only, though hctx 0 would have work too', () => {
    const h = harness({ ops: gated(() => false), nrHwQueues: 2 });
    // The insert runs hctx 1 inline; the policy returns nothing, so a re-run is armed.
    h.q.submitBio(bio(0, 0, { cpu: 2 }));
    expect(h.q.hctxs[1].stats.runs).toBe(1);
    // has_work is queue-wide, so hctx 0 would find work if it were run.
    expect(h.q.hctxs[0].hasPending()).toBe(true);
    h.q.elevator.run_hw_queues();
    h.engine.run(1_000_000);
    expect(h.q.hctxs[0].stats.runs).toBe(0);
    expect(h.q.hctxs[1].stats.runs).toBe(2);
  });

  it('also runs a hctx with leftovers on its dispatch list', () => {
    const h = harness({ ops: gated(() => true), nrHwQueues: 2, queueDepth: 1, latencyNs: null });
    h.q.submitBio(bio(0, 0, { cpu: 0, pid: 1 })); // hctx 0's only driver tag
    h.q.submitBio(bio(1, 800, { cpu: 0, pid: 2 })); // no tag left: parked on hctx 0's list
    h.q.submitBio(bio(2, 1600, { cpu: 2, pid: 3 })); // hctx 1: sent at once
    h.engine.run();
    expect(h.q.hctxs[0].dispatch.count).toBe(1);
    expect([h.q.hctxs[0].runPending, h.q.hctxs[1].runPending]).toEqual([false, false]);
    // From CPU 2: hctx 1 is this CPU's but has nothing pending; hctx 0 has leftovers.
    h.q.elevator.run_hw_queues();
    expect([h.q.hctxs[0].runPending, h.q.hctxs[1].runPending]).toEqual([true, false]);
  });

  it('a bpf_timer callback runs on the CPU that armed it: its kick runs that CPU’s hctx', () => {
    let open = false;
    const timer = new BpfTimer();
    const base = gated(() => open);
    const ops: UfqOps = {
      ...base,
      init_sched(q) {
        bpf_timer_init(timer, q, 0);
        bpf_timer_set_callback(timer, () => {
          open = true;
          bpf_ufq_run_hw_queues(q);
        });
        return 0;
      },
      insert_req(q, rq, flags) {
        bpf_timer_start(timer, 1_000_000, 0);
        return (base.insert_req as NonNullable<UfqOps['insert_req']>)(q, rq, flags);
      },
    };
    const h = harness({ ops, nrHwQueues: 2 });
    h.q.submitBio(bio(0, 0, { cpu: 2 })); // armed on CPU 2, in hctx 1's range
    h.engine.run();
    expect(h.table.tD[0]).toBe(1_000_000);
    expect(h.q.hctxs[0].stats.runs).toBe(0);
  });
});

describe('ejection runs every hardware queue (docs/simplifications.md "ejection")', () => {
  it('the fallback drains the ctxs of both hctxs, wherever the ejection happened', () => {
    const h = harness({ ops: gated(() => false), nrHwQueues: 2 });
    h.q.submitBio(bio(0, 0, { cpu: 0, pid: 1 }));
    h.q.submitBio(bio(1, 800, { cpu: 2, pid: 2 }));
    h.q.submitBio(bio(2, 1600, { cpu: 3, pid: 3 }));
    h.engine.run(10_000_000);
    expect(Array.from(h.table.tD.subarray(0, 3))).toEqual([NONE, NONE, NONE]);
    // Ejected while hctx 1's 3 ms re-run worker was the last to run.
    h.q.elevator.eject('test', 'kernel');
    // Bounded: a kick of one hctx would leave the 3 ms re-run polling for ever.
    h.engine.run(30_000_000);
    const c = h.q.conservation();
    expect([c.completed, c.lost, c.rqs_count]).toEqual([3, 0, 0]);
  });
});
