// mq-deadline's merges on the real UFQ elevator and block layer, in both modelled revisions:
// the front-merge lookup in the sorted tree, the back merge followed by coalescing with the
// next request (kernel-blk-mq §4.4 step 2), and the insert-time back merge (§4.5). A running
// RT request holds the BE requests back (a level in flight blocks lower levels, §8.1), so they
// stay queued while the merging bio or request arrives.
import { describe, expect, it } from 'vitest';
import { mq_deadline } from '../../src/policies/mq-deadline/index.js';
import { bio, type Harness, harness } from '../block/harness.js';

const RT = (1 << 13) | 4;
const BLOCKER = 900000;

type QueueDump = {
  queues: Record<string, { per_prio: { inserted: number; merged: number; completed: number }[] }>;
};

function rig(rev: 1 | 3, front_merges = 1): { h: Harness; ops: ReturnType<typeof mq_deadline> } {
  const ops = mq_deadline({ front_merges });
  const h = harness({ ops, ufqRevision: rev, queueDepth: 4, latencyNs: null });
  h.q.submitBio(bio(0, BLOCKER, { ioprio: RT, pid: 1 }));
  return { h, ops };
}

/** Lets the RT request finish at 11 ms, then what was held back is dispatched. */
function release(h: Harness): { sector: number; bytes: number }[] {
  h.engine.run(10_000_000);
  h.engine.at(11_000_000, () => h.dev.finishOldest());
  h.engine.run(20_000_000);
  return h.dev.submitted.map((s) => ({ sector: s.sector, bytes: s.bytes }));
}

/** Completes everything, checks conservation, and returns the BE level's counters. */
function drain(
  h: Harness,
  ops: ReturnType<typeof mq_deadline>,
): { inserted: number; merged: number; completed: number } {
  h.engine.at(21_000_000, () => {
    while (h.dev.inflight.size > 0) h.dev.finishOldest();
  });
  h.engine.run();
  const { inserted, merged, completed } = (ops.dump?.() as QueueDump).queues[String(h.q.id)].per_prio[1];
  h.q.exit();
  const c = h.q.conservation();
  expect(c.lost).toBe(0);
  expect(c.requests.leaked).toBe(0);
  expect((ops.dump?.() as { warnings: number }).warnings).toBe(0);
  return { inserted, merged, completed };
}

for (const rev of [1, 3] as const) {
  describe(`merges through the UFQ hooks (rev-${rev})`, () => {
    it('finds a front merge in the sorted tree: a bio ending where a queued request starts', () => {
      const { h, ops } = rig(rev);
      h.q.submitBio(bio(1, 1008));
      // A later, unrelated request becomes the elevator's one-hit cache, so only the tree finds 1008.
      h.q.submitBio(bio(2, 50000));
      h.q.submitBio(bio(3, 1000));
      expect(release(h)).toEqual([
        { sector: BLOCKER, bytes: 4096 },
        { sector: 1000, bytes: 8192 },
        { sector: 50000, bytes: 4096 },
      ]);
      // Both bios went out in that one request.
      expect(h.table.tD[3]).toBe(h.table.tD[1]);
      expect(drain(h, ops)).toEqual({ inserted: 2, merged: 0, completed: 2 });
    });

    it('with front_merges 0 the bio gets its own request', () => {
      const { h, ops } = rig(rev, 0);
      h.q.submitBio(bio(1, 1008));
      h.q.submitBio(bio(2, 50000));
      h.q.submitBio(bio(3, 1000));
      expect(release(h).map((s) => s.sector)).toEqual([BLOCKER, 1000, 1008, 50000]);
      expect(drain(h, ops)).toEqual({ inserted: 3, merged: 0, completed: 3 });
    });

    it('coalesces after a back merge: the grown request absorbs the next one in sector order', () => {
      const { h, ops } = rig(rev);
      h.q.submitBio(bio(1, 992));
      h.q.submitBio(bio(2, 1008));
      h.q.submitBio(bio(3, 50000));
      h.q.submitBio(bio(4, 1000));
      expect(release(h)).toEqual([
        { sector: BLOCKER, bytes: 4096 },
        { sector: 992, bytes: 12288 },
        { sector: 50000, bytes: 4096 },
      ]);
      expect(drain(h, ops)).toEqual({ inserted: 3, merged: 1, completed: 3 });
    });

    it('merges a new request into the queued one ending where it starts (insert merge)', () => {
      const { h, ops } = rig(rev);
      // Plugged together, the three bios reach the elevator as requests, in this order.
      h.q.blkStartPlug(100, 'fio');
      h.q.submitBio(bio(1, 1000));
      h.q.submitBio(bio(2, 50000));
      h.q.submitBio(bio(3, 1008));
      h.q.blkFinishPlug(100);
      expect(release(h)).toEqual([
        { sector: BLOCKER, bytes: 4096 },
        { sector: 1000, bytes: 8192 },
        { sector: 50000, bytes: 4096 },
      ]);
      const stats = h.q.opsStats();
      expect(stats[rev === 1 ? 'merge_ok_count' : 'merge_req_ok_count']).toBe(1);
      // The newcomer is counted as the kernel counts it: inserted, merged, completed when freed.
      expect(drain(h, ops)).toEqual({ inserted: 3, merged: 1, completed: 3 });
    });
  });
}
