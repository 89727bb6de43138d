// The order BFQ serves one queue's requests in (kernel-blk-mq §8.3 "Request choice inside a
// queue"): the nearest request after the last position, a request behind it allowed if within
// back_seek_max (16 MiB = 32768 sectors) at back_seek_penalty (2) times its distance, farther
// behind only after the rest (C-LOOK); and, once per service slot, the FIFO head first if its
// deadline (fifo_expire_sync 125 ms) has passed.
import { describe, expect, it } from 'vitest';
import { completeInTurn, dispatches, MS, rig, runAll, strided, submit } from './bfq-rig.js';

/** Start of the request that goes out just before the two candidates, and its end (the "last position"). */
const L = 1_000_000;
const LAST = L + 8;

/**
 * One process: a request at 0 (in the device), one at L (waiting for the tag), then the two
 * candidates at LAST + a and LAST + b. Returns the offset chosen first among the candidates.
 */
function firstOf(a: number, b: number, params: Parameters<typeof rig>[0] = {}): number {
  const r = rig({ low_latency: false, ...params }, { queueDepth: 1, latencyNs: null });
  submit(r, { pid: 1, offsets: [0, L, LAST + a, LAST + b] });
  completeInTurn(r);
  const order = dispatches(r).map(([, off]) => off);
  expect(order.slice(0, 2)).toEqual([0, L]);
  return order[2] - LAST;
}

describe('bfq request choice: C-LOOK with penalised back seeks (kernel-blk-mq §8.3)', () => {
  it('a request 1000 sectors behind costs 2000: it goes before one 3000 ahead, after one 1500 ahead', () => {
    expect(firstOf(-1000, 3000)).toBe(-1000);
    expect(firstOf(-1000, 1500)).toBe(1500);
  });

  it('back_seek_penalty 1 counts the backward distance as is', () => {
    expect(firstOf(-1000, 1500, { back_seek_penalty: 1 })).toBe(-1000);
  });

  it('16 MiB behind is the limit: 32768 sectors still counts (x2), 32769 wraps behind everything ahead', () => {
    expect(firstOf(-32768, 70000)).toBe(-32768);
    expect(firstOf(-32769, 70000)).toBe(70000);
    expect(firstOf(-40000, 1_000_000)).toBe(1_000_000);
  });

  it('back_seek_max 0 makes any request behind wrap', () => {
    expect(firstOf(-8, 100_000, { back_seek_max: 0 })).toBe(100_000);
  });
});

describe('bfq FIFO expiry (kernel-blk-mq §8.3)', () => {
  /**
   * One process, 10 ms per request at depth 1: a read at 10^6, then 1 ms later (one plug) a
   * read at 0 that lies behind (back_seek_max 0: it wraps) and 20 reads ahead of 10^6.
   */
  function run(fifo_expire_sync: number): [number, number][] {
    const r = rig(
      { low_latency: false, back_seek_max: 0, fifo_expire_sync },
      { queueDepth: 1, latencyNs: 10 * MS },
    );
    submit(r, { pid: 1, offsets: [L] });
    r.engine.at(1 * MS, () => {
      r.q.blkStartPlug(1);
      submit(r, { pid: 1, offsets: [0, ...strided(20, 16, L + 16)] });
      r.q.blkFinishPlug(1);
    });
    runAll(r);
    return dispatches(r).map(([, off, t]) => [off, t]);
  }

  it('an expired FIFO head is served at the first check of the next slot', () => {
    // The read at 0 expires at 1 + 125 = 126 ms. The first slot checked the FIFO once (at
    // its first dispatch) and ends by budget timeout at the completion at 130 ms; the new
    // slot's first check, when the request pulled then leaves, picks the read at 0, which goes
    // out at 150 ms, before the 6 forward reads still queued.
    const order = run(125);
    const i = order.findIndex(([off]) => off === 0);
    expect(order[i][1]).toBe(150 * MS);
    expect(i).toBe(order.length - 7);
  });

  it('with fifo_expire_sync 1000 ms the wrapped read waits for every read ahead', () => {
    const order = run(1000);
    expect(order[order.length - 1][0]).toBe(0);
  });
});
