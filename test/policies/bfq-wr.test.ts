// BFQ weight raising (kernel-blk-mq §8.3 "Weight raising (low_latency)"): a sync queue that
// goes busy with the default weight (40), nothing in flight and empty for at least 2 s (a new
// queue counts) is raised x30 for the interactive period; raising ends after 120000 sectors of
// raised service. low_latency 0 turns it off; a queue with a weight set on purpose (another
// level) is never raised.
import { describe, expect, it } from 'vitest';
import { BE, bfqState, MS, queueOf, RT, rig, runAll, strided, submit, submitAt } from './bfq-rig.js';

describe('bfq weight raising (kernel-blk-mq §8.3)', () => {
  it('a new interactive queue is raised x30 (weight 40 -> 1200), in any class', () => {
    const r = rig({}, { latencyNs: 100_000 });
    submit(r, { pid: 1, ioprio: BE(4), offsets: [0] }, { pid: 2, ioprio: RT(4), offsets: [0] });
    runAll(r);
    expect([queueOf(r, 1).wr_coeff, queueOf(r, 1).weight]).toEqual([30, 1200]);
    expect([queueOf(r, 2).wr_coeff, queueOf(r, 2).weight]).toEqual([30, 1200]);
  });

  it('low_latency 0: no raising', () => {
    const r = rig({ low_latency: false }, { latencyNs: 100_000 });
    submit(r, { pid: 1, offsets: [0] });
    runAll(r);
    expect([queueOf(r, 1).wr_coeff, queueOf(r, 1).weight]).toEqual([1, 40]);
    expect(bfqState(r).stats.wr_started).toBe(0);
  });

  it('a non-default weight (BE level 0, weight 80) is not raised', () => {
    const r = rig({}, { latencyNs: 100_000 });
    submit(r, { pid: 1, ioprio: BE(0), offsets: [0] });
    runAll(r);
    expect([queueOf(r, 1).wr_coeff, queueOf(r, 1).weight]).toEqual([1, 80]);
  });

  it('raising ends after 120000 sectors of raised service', () => {
    // 600 reads of 256 sectors: raised until its service passes 120000 sectors.
    const r = rig({}, { queueDepth: 4, latencyNs: 100_000 });
    submit(r, { pid: 1, offsets: strided(600, 512), bytes: 131072 });
    r.engine.run(1 * MS);
    expect(queueOf(r, 1).wr_coeff).toBe(30);
    runAll(r);
    expect([queueOf(r, 1).wr_coeff, queueOf(r, 1).weight]).toEqual([1, 40]);
  });

  it('raised again only after 2 s without I/O', () => {
    // First burst: 600 x 256 sectors ends raising (as above); the queue then goes idle.
    const r = rig({}, { queueDepth: 4, latencyNs: 100_000 });
    submit(r, { pid: 1, offsets: strided(600, 512), bytes: 131072 });
    r.engine.run(1000 * MS);
    expect(queueOf(r, 1).wr_coeff).toBe(1);
    // 1 s later: idle less than 2 s, not raised.
    submitAt(r, 1000 * MS, { pid: 1, offsets: [400_000] });
    r.engine.run(1001 * MS);
    expect(queueOf(r, 1).wr_coeff).toBe(1);
    // 3.5 s later than that: raised again.
    submitAt(r, 4500 * MS, { pid: 1, offsets: [500_000] });
    r.engine.run(4501 * MS);
    expect(queueOf(r, 1).wr_coeff).toBe(30);
    runAll(r);
  });
});
