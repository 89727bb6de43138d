// BFQ idling (kernel-blk-mq §8.3 "Idling"): when the sync queue in service empties and idling
// is worthwhile (here: weights differ, or it is the only busy queue), dispatch is held for
// slice_idle = 8 ms waiting for its next request; then the queue expires (too idle) and the
// next queue runs. Seeky queues in a symmetric scenario wait only 2 ms (BFQ_MIN_TT), raised
// queues at least 20 ms.
import { describe, expect, it } from 'vitest';
import { BE, bfqState, dispatches, MS, queueOf, rig, strided, submit, submitAt } from './bfq-rig.js';

/** A (BE/4) reads once at 0; B (BE/7, weight 10) reads once at 1 ms. When does B's read go out? */
function bWaitsForA(params: Parameters<typeof rig>[0]): number {
  const r = rig(params, { queueDepth: 32, latencyNs: 100_000 });
  submit(r, { pid: 1, ioprio: BE(4), offsets: [0] });
  submitAt(r, 1 * MS, { pid: 2, ioprio: BE(7), offsets: [0] });
  r.engine.run();
  const b = dispatches(r).find(([pid]) => pid === 2);
  if (b === undefined) throw new Error('B never dispatched');
  return b[2];
}

describe('bfq idling (kernel-blk-mq §8.3)', () => {
  it('holds dispatch 8 ms after the last completion of the queue in service, then expires it too idle', () => {
    // A completes at 0.1 ms; its idle slice ends at 8.1 ms and B goes out then.
    expect(bWaitsForA({ low_latency: false })).toBe(100_000 + 8 * MS);
  });

  it('slice_idle is the wait: 3 ms gives 3.1 ms, 0 disables idling', () => {
    expect(bWaitsForA({ low_latency: false, slice_idle: 3 })).toBe(100_000 + 3 * MS);
    expect(bWaitsForA({ low_latency: false, slice_idle: 0 })).toBe(1 * MS);
  });

  it('a weight-raised queue idles at least 20 ms', () => {
    // With low_latency A is new with the default weight: raised x30, so it idles 20 ms.
    expect(bWaitsForA({})).toBe(100_000 + 20 * MS);
  });

  it('the too-idle expiry shrinks the budget by 4 x min budget (10922 - 2048)', () => {
    const r = rig({ low_latency: false }, { queueDepth: 32, latencyNs: 100_000 });
    submit(r, { pid: 1, offsets: [0] });
    r.engine.run();
    // The run ends with the idle timer: last completion at 0.1 ms + 8 ms.
    expect(r.engine.now).toBe(100_000 + 8 * MS);
    expect(bfqState(r).stats.expired.too_idle).toBe(1);
    expect(queueOf(r, 1).max_budget).toBe(10922 - 4 * 512);
  });

  it('a seeky queue alone waits only BFQ_MIN_TT = 2 ms', () => {
    // 24 reads 1000 sectors apart: more than 19 of the last 32 are seeky (> 800 sectors).
    const r = rig({ low_latency: false }, { queueDepth: 32, latencyNs: 100_000 });
    submit(r, { pid: 1, offsets: strided(24, 1000) });
    r.engine.run();
    expect(r.engine.now).toBe(100_000 + 2 * MS);
    expect(bfqState(r).stats.expired.too_idle).toBe(1);
  });
});
