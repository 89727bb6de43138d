// Scheduler and driver tags (kernel-blk-mq §1.3, §5, §6.5; ufq-model §1.5, §2.2).
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../src/block/limits.js';
import { REQ_OP_MASK, REQ_OP_WRITE } from '../../src/kernel-abi.js';
import { OP } from '../../src/trace/event.js';
import { NONE } from '../../src/trace/io-table.js';
import type { UfqOps } from '../../src/ufq/ops.js';
import { bio, harness } from './harness.js';

describe('nr_requests default (block/blk-mq-sched.c blk_mq_init_sched)', () => {
  it('is 2 x min(queue depth, 128) per hctx', () => {
    expect(resolveLimits(32).nr_requests).toBe(64);
    expect(resolveLimits(1024).nr_requests).toBe(256);
    expect(resolveLimits(1).nr_requests).toBe(2);
  });
  it('rejects a set value outside 4..2048 with FLAG_INVALID', () => {
    expect(() => resolveLimits(32, { nr_requests: 3 })).toThrow(
      expect.objectContaining({ code: 'FLAG_INVALID' }),
    );
    expect(() => resolveLimits(32, { nr_requests: 2049 })).toThrow(
      expect.objectContaining({ code: 'FLAG_INVALID' }),
    );
  });
});

describe('UFQ limit_depth (ufq-model §2.2)', () => {
  it('sync reads are not limited; everything else gets async_depth = nr_requests (no throttling)', () => {
    const h = harness({ limits: { nr_requests: 8 } });
    expect(h.q.elevator.limit_depth(0)).toBe(0);
    expect(h.q.elevator.limit_depth(1)).toBe(8);
  });
});

describe('scheduler tags (ufq-model §1.5)', () => {
  it('a bio that finds no scheduler tag sleeps until a request is freed, then gets its request', () => {
    // 4 scheduler tags, 2 driver tags, a device that completes only when told.
    const h = harness({ limits: { nr_requests: 4 }, queueDepth: 2, latencyNs: null });
    for (let i = 0; i < 6; i++) h.q.submitBio(bio(i, i * 100, { pid: 100 + i }));
    h.engine.run();
    expect(h.dev.submitted.length).toBe(2);
    expect(h.q.hctxs[0].sched_tags.used).toBe(4);
    expect(h.q.conservation().tagWaiters).toBe(2);
    expect(h.table.tG[4]).toBe(NONE);
    h.engine.at(5000, () => h.dev.finishOldest());
    h.engine.run();
    // The freed request hands its scheduler tag to the first sleeper and its driver tag to
    // the next queued request (RESTART).
    expect(h.table.tG[4]).toBe(5000);
    expect(h.table.tG[5]).toBe(NONE);
    expect(h.table.tD[2]).toBe(5000);
    expect(h.q.conservation().tagWaiters).toBe(1);
  });

  it('a sleeping task submits nothing more until it wakes, then continues in order', () => {
    const h = harness({ limits: { nr_requests: 4 }, queueDepth: 4, latencyNs: null });
    for (let i = 0; i < 4; i++) h.q.submitBio(bio(i, i * 100, { pid: 100 + i }));
    h.engine.at(1000, () => h.q.submitBio(bio(4, 5000, { pid: 200 })));
    h.engine.at(2000, () => h.q.submitBio(bio(5, 9000, { pid: 200 })));
    h.engine.at(3000, () => h.dev.finishOldest());
    h.engine.run();
    expect(h.table.tQ[4]).toBe(1000);
    // Its second bio could not even be queued (Q) while the task slept.
    expect(h.table.tQ[5]).toBe(3000);
    expect(h.table.tG[4]).toBe(3000);
  });
});

describe('a sleeper held back by its shallow depth (block/blk-mq-tag.c blk_mq_get_tag)', () => {
  // A policy that lets async writes use 2 of the 4 scheduler tags (as Kyber's and
  // mq-deadline's limit_depth do), and leaves sync reads unlimited.
  const ops: UfqOps = {
    name: 'shallow-writes',
    limit_depth(opf, data) {
      if ((opf & REQ_OP_MASK) === REQ_OP_WRITE) data.shallow_depth = 2;
    },
  };

  it('passes the freed tag to the next sleeper and sleeps again at the back', () => {
    const h = harness({ ops, limits: { nr_requests: 4 }, queueDepth: 4, latencyNs: null });
    // Four reads take every scheduler tag; the device holds them.
    for (let i = 0; i < 4; i++) h.q.submitBio(bio(i, i * 100, { pid: 100 + i }));
    // An async write sleeps first, a sync read behind it.
    h.engine.at(1000, () => h.q.submitBio(bio(4, 5000, { pid: 200, op: OP.WRITE })));
    h.engine.at(2000, () => h.q.submitBio(bio(5, 9000, { pid: 300 })));
    // One tag comes back: 3 in use, over the write's 2, so the write cannot take it; the read,
    // woken next (prepare_to_wait_exclusive put the write back at the tail), does.
    h.engine.at(3000, () => h.dev.finishOldest());
    h.engine.run();
    expect(h.table.tG[5]).toBe(3000);
    expect(h.table.tG[4]).toBe(NONE);
    expect(h.q.conservation().tagWaiters).toBe(1);
  });

  it('with only held-back sleepers the tag stays free, and the run does not spin', () => {
    const h = harness({ ops, limits: { nr_requests: 4 }, queueDepth: 4, latencyNs: null });
    for (let i = 0; i < 4; i++) h.q.submitBio(bio(i, i * 100, { pid: 100 + i }));
    for (let k = 0; k < 3; k++)
      h.engine.at(1000 + k, () => h.q.submitBio(bio(4 + k, 5000 + 100 * k, { pid: 200 + k, op: OP.WRITE })));
    h.engine.at(3000, () => h.dev.finishOldest());
    h.engine.run();
    expect(h.q.hctxs[0].sched_tags.used).toBe(3);
    expect(h.q.conservation().tagWaiters).toBe(3);
    // At 4000 a read is done: 2 in use, still not under the writes' 2. At 5000 another: 1 in
    // use, and one write (whichever sleeper the rotation has at the front) takes a tag.
    h.engine.at(4000, () => h.dev.finishOldest());
    h.engine.at(5000, () => h.dev.finishOldest());
    h.engine.run();
    const got = [4, 5, 6].map((i) => h.table.tG[i]);
    expect(got.filter((t) => t === 4000)).toHaveLength(0);
    expect(got.filter((t) => t === 5000)).toHaveLength(1);
    expect(h.q.conservation().tagWaiters).toBe(2);
  });
});

describe('driver tags and RESTART (kernel-blk-mq §6.4, §6.5)', () => {
  it('a request left without a driver tag waits on hctx->dispatch and goes out at the next completion', () => {
    const h = harness({ queueDepth: 1, latencyNs: null });
    h.q.submitBio(bio(0, 0));
    h.q.submitBio(bio(1, 100));
    h.engine.run();
    expect(h.dev.submitted.length).toBe(1);
    expect(h.q.hctxs[0].dispatch.count).toBe(1);
    expect(h.q.hctxs[0].restart).toBe(true);
    h.engine.at(2000, () => h.dev.finishOldest());
    h.engine.run();
    expect(h.table.tD[1]).toBe(2000);
    expect(h.q.hctxs[0].stats.restarts).toBe(1);
  });

  it('never more requests at the device than driver tags', () => {
    const h = harness({ queueDepth: 3, latencyNs: 10_000 });
    let peak = 0;
    for (let i = 0; i < 40; i++)
      h.engine.at(i * 100, () => {
        h.q.submitBio(bio(i, i * 64, { pid: 100 + (i % 5) }));
        peak = Math.max(peak, h.dev.inflight.size);
      });
    h.engine.run();
    expect(peak).toBe(3);
    expect(h.q.hctxs[0].tags.peak).toBe(3);
    expect(h.q.conservation().completed).toBe(40);
  });
});
