// Plugging (kernel-blk-mq §3, §4.4): flush limits, the plug merge, implicit per-bio plugs.
import { describe, expect, it } from 'vitest';
import { NONE } from '../../src/trace/io-table.js';
import { bio, harness, issued } from './harness.js';

describe('plug flush limits (kernel-blk-mq §3.2)', () => {
  it('adding the 33rd request flushes the 32 before it (BLK_MAX_REQUEST_COUNT)', () => {
    const h = harness({ latencyNs: 1_000_000 });
    h.q.blkStartPlug(100);
    for (let i = 0; i <= 32; i++) h.engine.at(i * 1000, () => h.q.submitBio(bio(i, i * 100)));
    h.engine.at(40_000, () => h.q.blkFinishPlug(100));
    h.engine.run();
    for (let i = 0; i < 32; i++) expect(h.table.tI[i]).toBe(32_000);
    expect(h.table.tI[32]).toBe(40_000);
    expect(h.q.plugStats.limit).toBe(1);
    expect(h.q.plugStats.explicit).toBe(1);
  });

  it('a plug whose first request reached 128 KiB is flushed before the next request joins', () => {
    const h = harness();
    h.q.blkStartPlug(100);
    h.engine.at(0, () => h.q.submitBio(bio(0, 0, { bytes: 128 * 1024 })));
    h.engine.at(1000, () => h.q.submitBio(bio(1, 10_000)));
    h.engine.at(5000, () => h.q.blkFinishPlug(100));
    h.engine.run();
    expect(h.table.tI[0]).toBe(1000);
    expect(h.table.tI[1]).toBe(5000);
    expect(h.q.plugStats.limit).toBe(1);
  });

  it('QUIRK: the size rule looks at the oldest plugged request, not the one plug merges grew', () => {
    const h = harness();
    h.q.blkStartPlug(100);
    h.engine.at(0, () => h.q.submitBio(bio(0, 0)));
    // Request 2 starts at sector 1000 and grows to 128 KiB through plug merges.
    for (let i = 0; i < 32; i++) h.engine.at(1000 + i, () => h.q.submitBio(bio(1 + i, 1000 + i * 8)));
    h.engine.at(2000, () => h.q.submitBio(bio(33, 50_000)));
    h.engine.at(5000, () => h.q.blkFinishPlug(100));
    h.engine.run();
    expect(h.q.plugStats.limit).toBe(0);
    expect(h.table.tI[0]).toBe(5000);
    expect(h.table.tM[32]).toBe(1031);
  });

  it('nomerges=2 drops the size rule', () => {
    const h = harness({ limits: { nomerges: 2 } });
    h.q.blkStartPlug(100);
    h.engine.at(0, () => h.q.submitBio(bio(0, 0, { bytes: 256 * 1024 })));
    h.engine.at(1000, () => h.q.submitBio(bio(1, 10_000)));
    h.engine.at(5000, () => h.q.blkFinishPlug(100));
    h.engine.run();
    expect(h.table.tI[0]).toBe(5000);
    expect(h.q.plugStats.limit).toBe(0);
  });
});

describe('plug merge (kernel-blk-mq §4.4 item 1)', () => {
  it('only the most recently plugged request is tried', () => {
    const h = harness();
    h.q.blkStartPlug(100);
    h.q.submitBio(bio(0, 0)); // A [0, 8)
    h.q.submitBio(bio(1, 1000)); // B [1000, 1008)
    h.q.submitBio(bio(2, 8)); // adjacent to A, but A is not the tail: a new request C
    h.q.submitBio(bio(3, 16)); // adjacent to C, now the tail: plug merge
    expect(h.table.tM[2]).toBe(NONE);
    expect(h.table.tM[3]).toBe(0);
    expect(h.table.tM[3]).toBe(0);
    h.q.blkFinishPlug(100);
    h.engine.run();
    // No policy: the insert-time one-hit cache only absorbs behind last_merge (B), so A and
    // C stay separate requests.
    expect(issued(h.dev)).toEqual([0, 1000, 8]);
    expect(h.table.mergedInto[3]).toBe(2);
  });

  it('nested plugs are one plug: only the outermost finish flushes', () => {
    const h = harness();
    h.q.blkStartPlug(100);
    h.q.blkStartPlug(100);
    h.q.submitBio(bio(0, 0));
    h.q.blkFinishPlug(100);
    expect(h.table.tI[0]).toBe(NONE);
    h.q.blkFinishPlug(100);
    expect(h.table.tI[0]).toBe(0);
  });
});

describe('implicit plug per bio (kernel-blk-mq §2.1 item 4, 6.10+)', () => {
  it('an unplugged bio is queued, inserted and issued at once on an idle device', () => {
    const h = harness();
    h.engine.at(7000, () => h.q.submitBio(bio(0, 0)));
    h.engine.run();
    expect([h.table.tQ[0], h.table.tG[0], h.table.tI[0], h.table.tD[0]]).toEqual([7000, 7000, 7000, 7000]);
    expect(h.table.tC[0]).toBe(8000);
    expect(h.q.plugStats.explicit).toBe(1);
  });

  it('a task that sleeps flushes its plug from schedule (UT)', () => {
    const h = harness();
    h.q.blkStartPlug(100);
    h.q.submitBio(bio(0, 0));
    h.q.blkScheduleOut(100);
    expect(h.table.tI[0]).toBe(0);
    expect(h.q.plugStats.fromSchedule).toBe(1);
  });
});
