// BFQ weights and classes (kernel-blk-mq §8.3 "Queues and weights"; devices-metrics-peers §3.4):
// weight = (8 - ioprio level) x 10, levels 0..7 -> 80..10, default BE/4 -> 40; RT is served
// before BE before IDLE, except that IDLE is served at least once every 200 ms (HZ / 5).
import { describe, expect, it } from 'vitest';
import { bfq_ioprio_to_weight } from '../../src/policies/bfq/wf2q.js';
import {
  BE,
  bfqState,
  completeInTurn,
  dispatches,
  IDLE,
  MS,
  NONE,
  queueOf,
  RT,
  rig,
  runAll,
  strided,
  submit,
} from './bfq-rig.js';

describe('bfq weights from ioprio (kernel-blk-mq §8.3)', () => {
  it('bfq_ioprio_to_weight: levels 0..7 give 80, 70, ..., 10', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(bfq_ioprio_to_weight)).toEqual([80, 70, 60, 50, 40, 30, 20, 10]);
  });

  it("a process's queue weighs (8 - level) x 10; NONE is BE/4, IDLE is level 7", () => {
    const r = rig({ low_latency: false }, { latencyNs: 100_000 });
    submit(
      r,
      { pid: 1, ioprio: BE(0), offsets: [0] },
      { pid: 2, ioprio: BE(4), offsets: [0] },
      { pid: 3, ioprio: BE(7), offsets: [0] },
      { pid: 4, ioprio: RT(2), offsets: [0] },
      { pid: 5, ioprio: NONE, offsets: [0] },
      { pid: 6, ioprio: IDLE, offsets: [0] },
    );
    runAll(r);
    const w = (pid: number) => [queueOf(r, pid).ioprio_class, queueOf(r, pid).weight];
    expect(w(1)).toEqual([2, 80]);
    expect(w(2)).toEqual([2, 40]);
    expect(w(3)).toEqual([2, 10]);
    expect(w(4)).toEqual([1, 60]);
    expect(w(5)).toEqual([2, 40]);
    expect(w(6)).toEqual([3, 10]);
  });
});

describe('bfq class precedence (kernel-blk-mq §8.3)', () => {
  it('with all three backlogged, every RT request goes before any BE, every BE before any IDLE', () => {
    // Two blockers hold the device (one in it, one waiting for its tag), so the three batches
    // are all queued before BFQ picks.
    const r = rig({}, { queueDepth: 1, latencyNs: null, ios: 200, limits: { nr_requests: 256 } });
    submit(r, { pid: 99, offsets: [0] }, { pid: 98, offsets: [0] });
    submit(
      r,
      { pid: 3, ioprio: IDLE, offsets: strided(10, 64) },
      { pid: 2, ioprio: BE(4), offsets: strided(10, 64) },
      { pid: 1, ioprio: RT(4), offsets: strided(10, 64) },
    );
    completeInTurn(r);
    const order = dispatches(r)
      .map(([pid]) => pid)
      .filter((pid) => pid < 10);
    expect(order).toEqual([...Array(10).fill(1), ...Array(10).fill(2), ...Array(10).fill(3)]);
  });

  it('a busy RT class starves BE; IDLE gets one request at a time, at least 200 ms apart', () => {
    // 5 ms per request at depth 1: 150 RT requests keep RT busy for 750 ms.
    const r = rig({}, { queueDepth: 1, latencyNs: 5 * MS, ios: 400 });
    submit(
      r,
      { pid: 3, ioprio: IDLE, offsets: strided(20, 64) },
      { pid: 2, ioprio: BE(0), offsets: strided(20, 64) },
      { pid: 1, ioprio: RT(7), offsets: strided(150, 64) },
    );
    runAll(r);
    const d = dispatches(r);
    const lastRt = Math.max(...d.filter(([pid]) => pid === 1).map(([, , t]) => t));
    const during = d.filter(([pid, , t]) => pid !== 1 && t > 10 * MS && t < lastRt);
    // BE never runs while RT has work (only the requests taken before RT arrived).
    expect(during.filter(([pid]) => pid === 2)).toEqual([]);
    const idleTimes = during.filter(([pid]) => pid === 3).map(([, , t]) => t);
    expect(idleTimes.length).toBeGreaterThanOrEqual(1);
    expect(idleTimes.length).toBeLessThanOrEqual(Math.floor(lastRt / (200 * MS)));
    for (let i = 1; i < idleTimes.length; i++)
      expect(idleTimes[i] - idleTimes[i - 1]).toBeGreaterThanOrEqual(200 * MS);
  });
});

describe('bfq priority change of a busy process', () => {
  it('the busy count follows the queue when its class changes at a requeue (pinned from the conservation property)', () => {
    // pid 1 is backlogged in BE; its last request carries RT: its sync queue takes class RT
    // at its next requeue (a budget timeout after 125 ms at 5 ms per request), still busy.
    const r = rig({ low_latency: false }, { queueDepth: 1, latencyNs: 5 * MS });
    submit(
      r,
      { pid: 1, ioprio: BE(4), offsets: strided(40, 16) },
      { pid: 2, ioprio: BE(4), offsets: strided(40, 16) },
    );
    submit(r, { pid: 1, ioprio: RT(4), offsets: [100_000] });
    for (let t = 10; t <= 400; t += 10) {
      r.engine.run(t * MS);
      const s = bfqState(r);
      for (let c = 0; c < 3; c++)
        expect(s.bfqq.filter((q) => q.busy && q.ioprio_class === c + 1).length).toBe(s.busy_queues[c]);
    }
    runAll(r);
    expect(queueOf(r, 1).ioprio_class).toBe(1);
    expect(bfqState(r).busy_queues).toEqual([0, 0, 0]);
  });
});
