// rev-3 recovery of a request a policy returned to the wrong queue (ufq-model §2.5;
// block/ufq-iosched.c ufq_recover_bad_dispatch): it goes to its own queue's insert-error list
// and that queue is run with blk_mq_run_hw_queues, which under SQ_SCHED picks the owner's
// hctx for the CPU doing the recovery (block/blk-mq.c), not every hctx.
import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../../src/block/queue.js';
import { bpf_request_acquire, KFUNC_HOST } from '../../src/policies/lib/index.js';
import { Engine } from '../../src/sim/engine.js';
import { IoTableBuilder } from '../../src/trace/io-table.js';
import type { BlkRequest, UfqOps } from '../../src/ufq/ops.js';
import { bio, TestDevice } from '../block/harness.js';

function queue(engine: Engine, ops: UfqOps, nrHwQueues: number) {
  const b = new IoTableBuilder(4);
  for (let i = 0; i < 4; i++) b.push();
  const dev = new TestDevice(32, nrHwQueues, engine, 1000);
  const q = new RequestQueue({
    engine,
    device: (cb) => dev.bind(cb),
    recorder: b.table,
    kfuncHost: KFUNC_HOST,
    nrCpus: 4,
    watchdogNs: 0,
    ops,
    ufqRevision: 3,
  });
  return { q, table: b.table };
}

describe('ufq_recover_bad_dispatch (rev-3)', () => {
  it('runs the owner’s hctx of the recovering CPU only; the request then goes out from there', () => {
    const engine = new Engine();
    // The owner B keeps what it is given and never dispatches (2 hctxs: CPUs 0-1, 2-3).
    const held: BlkRequest[] = [];
    const keeper: UfqOps = {
      name: 'keeper',
      insert_req(_q, rq) {
        held.push(bpf_request_acquire(rq) as BlkRequest);
        return 0;
      },
      has_req: () => false,
      dispatch_req: () => null,
    };
    // A's policy hands out B's request first.
    let stolen: BlkRequest | null = null;
    const own: BlkRequest[] = [];
    const thief: UfqOps = {
      name: 'thief',
      insert_req(_q, rq) {
        own.push(bpf_request_acquire(rq) as BlkRequest);
        return 0;
      },
      has_req: () => stolen !== null || own.length > 0,
      dispatch_req() {
        const r = stolen ?? own.shift() ?? null;
        stolen = null;
        return r;
      },
    };
    const B = queue(engine, keeper, 2);
    const A = queue(engine, thief, 1);
    B.q.submitBio(bio(0, 0, { cpu: 0 }));
    stolen = held[0];
    // A's dispatch runs inline on CPU 2, the owner's hctx 1.
    A.q.submitBio(bio(0, 0, { cpu: 2, pid: 7 }));
    expect(A.q.opsStats().dispatch_bad_state_count).toBe(1);
    expect([B.q.hctxs[0].runPending, B.q.hctxs[1].runPending]).toEqual([false, true]);
    engine.run(1_000_000);
    expect(B.q.opsStats().insert_err_handled).toBe(1);
    expect(B.table.tD[0]).toBe(0);
  });
});
