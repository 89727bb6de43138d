// The submission and completion paths of the request queue (kernel-blk-mq §2, §6.2, §6.6).
import { describe, expect, it } from 'vitest';
import ufq_simple from '../../src/policies/ufq_simple.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { NONE } from '../../src/trace/io-table.js';
import { bio, harness, issued } from './harness.js';

describe('splitting to max_sectors (kernel-blk-mq §2.3)', () => {
  it('a 200 KiB bio under a 64 KiB limit becomes pieces of 64, 64, 64 and 8 KiB; the I/O ends with the last', () => {
    const h = harness({ limits: { max_sectors_kb: 64 }, queueDepth: 1, latencyNs: 1000 });
    h.q.submitBio(bio(0, 0, { bytes: 200 * 1024 }));
    h.engine.run();
    expect(issued(h.dev)).toEqual([0, 128, 256, 384]);
    expect(h.dev.submitted.map((r) => r.bytes / 1024)).toEqual([64, 64, 64, 8]);
    // One Q, first G and D with the first piece, C with the last.
    expect([h.table.tQ[0], h.table.tG[0], h.table.tD[0], h.table.tC[0]]).toEqual([0, 0, 0, 4000]);
    expect(h.q.conservation().completed).toBe(1);
  });

  it('the front piece is NOMERGE: a following bio cannot join it', () => {
    const h = harness({ limits: { max_sectors_kb: 64 } });
    h.q.blkStartPlug(100);
    h.q.submitBio(bio(0, 0, { bytes: 72 * 1024 }));
    // Adjacent to the end of the last piece (the remainder), which can merge.
    h.q.submitBio(bio(1, 144));
    h.q.blkFinishPlug(100);
    h.engine.run();
    expect(h.dev.submitted.map((r) => r.bytes / 1024)).toEqual([64, 12]);
  });
});

describe("recorded splits (the trace's X events)", () => {
  it('a bio is cut where the kernel cut it, and where the limits cut it, whichever is nearer', () => {
    // 2000 sectors under a 512 KiB limit (1024 sectors), recorded cuts at 500 and 1500:
    // pieces 0+500 (recorded), 500+1000 (recorded 1500 is nearer than the limit's 1524), and
    // 1500+500 (no cut left; 500 is under the limit).
    const h = harness({ limits: { max_sectors_kb: 512 }, recordedSplits: new Map([[0, [500, 1500]]]) });
    h.q.submitBio(bio(0, 0, { bytes: 2000 * 512 }));
    h.engine.run();
    expect(issued(h.dev)).toEqual([0, 500, 1500]);
    expect(h.dev.submitted.map((r) => r.bytes / 512)).toEqual([500, 1000, 500]);
    expect(h.q.conservation().completed).toBe(1);
  });

  it('the limits still cut a piece the recording left longer; other I/Os are not cut', () => {
    const h = harness({ limits: { max_sectors_kb: 256 }, recordedSplits: new Map([[0, [1000]]]) });
    h.q.submitBio(bio(0, 0, { bytes: 1200 * 512 }));
    h.q.submitBio(bio(1, 5000, { bytes: 400 * 512 }));
    h.engine.run();
    // 0+512 and 512+488 by the 256 KiB limit before the recorded cut at 1000, then 1000+200.
    expect(h.dev.submitted.map((r) => [r.sector, r.bytes / 512])).toEqual([
      [0, 512],
      [512, 488],
      [1000, 200],
      [5000, 400],
    ]);
  });
});

describe('flushes (kernel-blk-mq §2.4)', () => {
  it('an empty flush skips the elevator and goes first, ahead of queued requests', () => {
    const h = harness({ ops: ufq_simple, queueDepth: 1, latencyNs: null, limits: { nr_requests: 16 } });
    h.q.submitBio(bio(0, 5000));
    h.q.submitBio(bio(1, 6000, { pid: 2 }));
    h.q.submitBio(bio(2, 100, { pid: 3 }));
    h.q.submitBio(bio(3, 0, { op: OP.FLUSH, bytes: 0, flags: FLAG.PREFLUSH, pid: 4 }));
    h.engine.run();
    while (h.dev.inflight.size > 0) {
      h.dev.finishOldest();
      h.engine.run();
    }
    // 6000 was already parked on hctx->dispatch; the flush goes to its head.
    expect(h.dev.submitted.map((r) => r.op)).toEqual([OP.READ, OP.FLUSH, OP.READ, OP.READ]);
    expect(issued(h.dev)).toEqual([5000, 0, 6000, 100]);
    expect(h.table.tI[3]).toBe(NONE);
  });

  it('without a volatile write cache an empty flush completes at submit and FUA is dropped', () => {
    const h = harness({ vwc: false });
    h.engine.at(500, () => h.q.submitBio(bio(0, 0, { op: OP.FLUSH, bytes: 0, flags: FLAG.PREFLUSH })));
    h.engine.at(600, () => h.q.submitBio(bio(1, 64, { op: OP.WRITE, flags: FLAG.FUA })));
    h.engine.run();
    expect([h.table.tQ[0], h.table.tC[0], h.table.tG[0]]).toEqual([500, 500, NONE]);
    expect(h.dev.submitted.map((r) => r.flags & FLAG.FUA)).toEqual([0]);
  });
});

describe('several hardware queues (kernel-blk-mq §1.2, §6.2)', () => {
  it('an SQ policy may hand one hctx another hctx’s request: it waits for that hctx’s tag', () => {
    // CPUs 0-1 map to hctx 0, CPUs 2-3 to hctx 1; one driver tag each.
    const h = harness({
      ops: ufq_simple,
      nrHwQueues: 2,
      queueDepth: 1,
      latencyNs: null,
      limits: { nr_requests: 8 },
    });
    h.q.submitBio(bio(0, 9000, { cpu: 0, pid: 1 })); // A, hctx 0's tag
    h.q.submitBio(bio(1, 9500, { cpu: 2, pid: 2 })); // B, hctx 1's tag
    h.q.submitBio(bio(2, 100, { cpu: 2, pid: 3 })); // D, parked on hctx 1
    h.q.submitBio(bio(3, 50, { cpu: 2, pid: 4 })); // E, stays with the policy
    // C's insert runs hctx 0, whose dispatch gets the lowest sector, E, a hctx 1 request: it
    // joins D on hctx 1 and C stays with the policy.
    h.q.submitBio(bio(4, 500, { cpu: 0, pid: 5 }));
    h.engine.run();
    expect(h.q.hctxs[1].dispatch.count).toBe(2);
    // A's completion frees hctx 0's tag, but nothing asked hctx 0 to re-run.
    h.dev.finishOldest();
    h.engine.run();
    expect(h.dev.submitted.length).toBe(2);
    // B's completion sends D; D's sends E, and then hctx 1's run hands C to hctx 0.
    h.dev.finishOldest();
    h.engine.run();
    h.dev.finishOldest();
    h.engine.run();
    expect(issued(h.dev)).toEqual([9000, 9500, 100, 50, 500]);
  });
});

describe('merge events (kernel-blk-mq §4.3)', () => {
  it('a multi-range discard merge records no M; the bio rides on the request and completes with it', () => {
    const h = harness({ limits: { max_discard_segments: 4 } });
    h.q.blkStartPlug(100);
    h.q.submitBio(bio(0, 0, { op: OP.DISCARD }));
    // Far from the first range: only a discard merge can take it.
    h.q.submitBio(bio(1, 5000, { op: OP.DISCARD }));
    h.q.blkFinishPlug(100);
    h.engine.run();
    expect(h.dev.submitted.length).toBe(1);
    expect([h.table.tG[1], h.table.tM[1]]).toEqual([NONE, NONE]);
    expect(h.table.mergedInto[1]).toBe(0);
    expect(h.table.tC[1]).toBe(h.table.tC[0]);
    expect(h.q.conservation().merged).toBe(1);
  });

  it('a back merge of a read records M for the bio', () => {
    const h = harness();
    h.q.blkStartPlug(100);
    h.q.submitBio(bio(0, 0));
    h.engine.at(10, () => h.q.submitBio(bio(1, 8)));
    h.engine.at(20, () => h.q.blkFinishPlug(100));
    h.engine.run();
    expect(h.table.tM[1]).toBe(10);
  });
});

describe('completion (kernel-blk-mq §6.6)', () => {
  it('reports each I/O once, after the kernel work of the completion, merged bios included', () => {
    const seen: number[] = [];
    const h = harness({ onBioComplete: (io) => seen.push(io) });
    h.q.blkStartPlug(100);
    h.q.submitBio(bio(0, 0));
    h.q.submitBio(bio(1, 8));
    h.q.blkFinishPlug(100);
    h.engine.run();
    expect(seen).toEqual([0, 1]);
    expect(h.table.mergedInto[1]).toBe(0);
    expect(h.table.tC[1]).toBe(h.table.tC[0]);
  });
});
