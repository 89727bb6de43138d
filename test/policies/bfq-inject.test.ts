// BFQ injection (block/bfq-iosched.c bfq_select_queue, bfq_choose_bfqq_for_injection,
// bfq_update_inject_limit): while the queue in service is kept empty (idling), another queue's
// request may go out. A queue with a short think time allows none until a baseline total
// service time has been measured for one of its requests found with the drive empty; then
// the limit is 1. Its own process's async requests go out at once, without a limit. The
// device here is non-rotational and answers in 100 us, so idling does not help throughput
// and only service guarantees keep a queue idling.
import { describe, expect, it } from 'vitest';
import { OP } from '../../src/trace/event.js';
import { bio } from '../block/harness.js';
import { BE, bfqState, dispatches, MS, PID_SPAN, queueOf, rig, submitAt } from './bfq-rig.js';

const A = 1;
const B = 2;

/**
 * A (BE/4) reads at each of `aAtMs` (sequential 4 KiB), B (BE/7, weight 10, so A idles for
 * it) reads once at 12 ms. Returns when B's read went out and BFQ's view of A.
 */
function bAfterA(aAtMs: number[]) {
  const r = rig({ low_latency: false }, { queueDepth: 32, latencyNs: 100_000 });
  for (const [i, ms] of aAtMs.entries()) submitAt(r, ms * MS, { pid: A, ioprio: BE(4), offsets: [8 * i] });
  submitAt(r, 12 * MS, { pid: B, ioprio: BE(7), offsets: [0] });
  r.engine.run();
  const b = dispatches(r).find(([pid]) => pid === B);
  if (b === undefined) throw new Error('B never dispatched');
  return { bAt: b[2], a: queueOf(r, A), injected: bfqState(r).stats.injected };
}

describe('bfq injection', () => {
  it('no baseline yet: the idling queue lets nothing through, B waits for the idle slice to end', () => {
    // A's read at 5 ms completes at 5.1 ms; A idles 8 ms, to 13.1 ms.
    const { bAt, a, injected } = bAfterA([0, 5]);
    expect(bAt).toBe(13.1 * MS);
    expect(a.last_serv_time_ns).toBe(0);
    expect(a.inject_limit).toBe(0);
    expect(injected).toBe(0);
  });

  it('a first request found with the drive empty sets the baseline, and the limit of 1 lets B in at once', () => {
    // The read at 11 ms comes 10 ms after A was made (the sampling guard), while A idles in
    // service with nothing in the drive: its total service time, 100 us, is the baseline.
    const { bAt, a, injected } = bAfterA([0, 5, 11]);
    expect(a.last_serv_time_ns).toBe(100_000);
    expect(a.inject_limit).toBe(1);
    // Without injection B would wait for A's idle slice to end at 19.1 ms.
    expect(bAt).toBe(12 * MS);
    expect(injected).toBe(1);
  });

  it("the idling queue's own process's async write goes out at once, without a baseline", () => {
    // low_latency: A is raised (x30), so it idles at least 20 ms and is not preempted by the
    // async queue (weight 40). Its process's async write is injected unconditionally.
    const r = rig({}, { queueDepth: 32, latencyNs: 100_000 });
    submitAt(r, 0, { pid: A, ioprio: BE(4), offsets: [0] });
    r.engine.at(2 * MS, () =>
      r.q.submitBio(bio(r.io++, A * PID_SPAN + 1000, { pid: A, ioprio: BE(4), op: OP.WRITE, flags: 0 })),
    );
    r.engine.run();
    const w = dispatches(r).find(([pid, off]) => pid === A && off === 1000);
    expect(w?.[2]).toBe(2 * MS);
    expect(queueOf(r, A).inject_limit).toBe(0);
    expect(bfqState(r).stats.injected).toBe(1);
  });
});
