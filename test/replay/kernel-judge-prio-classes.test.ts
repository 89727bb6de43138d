// The kernel as the judge, on traces/prio-classes: three 4 KiB random readers at QD8 in the
// RT, BE and IDLE classes (the tracepoint text carries each request's I/O priority). What the
// kernel did, from the captures' fio results (traces/README.md): under none the readers got
// 11869 / 14715 / 14496 IOPS (RT / BE / IDLE), under mq-deadline 13001 / 333 / 8; BFQ starves
// BE and IDLE the same way, Kyber ignores priority as none does. The capture made under none
// is replayed as fast as possible (each process keeps its queue depth, so the device stays
// saturated as in the capture) on the loop-virtio profile, and the per-class IOPS inside the
// contention window must fall on the same side: below 10% of RT where the kernel starves,
// above 30% where it does not.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/replay/replay.js';
import { expectRunInvariants } from './invariants.js';

const TRACE = new URL('../../traces/prio-classes.none.tp.txt.gz', import.meta.url).pathname;

const VERDICTS = [
  { policy: 'mq-deadline', starves: true },
  { policy: 'bfq', starves: true },
  { policy: 'none', starves: false },
  { policy: 'kyber', starves: false },
] as const;

describe('kernel as the judge: prio-classes replayed afap on loop-virtio', () => {
  for (const { policy, starves } of VERDICTS) {
    it(`${policy}: BE and IDLE each ${starves ? 'below 10%' : 'above 30%'} of RT inside the contention window`, async () => {
      const out = await simulate({ trace: TRACE, policy, mode: 'afap', device: 'loop-virtio' });
      const r = out.result;
      expect(r.ejected).toBeNull();
      expect(r.fairness.overlap).toBe(true);
      const iops = (cls: string) => r.processes.find((p) => p.ioprioClass === cls)?.windowIops ?? Number.NaN;
      const rt = iops('rt');
      expect(rt).toBeGreaterThan(0);
      for (const cls of ['be', 'idle']) {
        if (starves) expect(iops(cls)).toBeLessThan(0.1 * rt);
        else expect(iops(cls)).toBeGreaterThan(0.3 * rt);
      }
      expectRunInvariants(out);
    });
  }
});
