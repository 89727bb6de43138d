// The kernel as the judge, on traces/prio-classes: three 4 KiB random readers at QD8 in the
// RT, BE and IDLE classes (the tracepoint text carries each request's I/O priority). The same
// fio job was captured under each of the kernel's schedulers, and each capture's fio results
// (traces/prio-classes.SCHED.fio.json) say what that scheduler did: RT / BE / IDLE IOPS of
// 11869 / 14715 / 14496 under none, 13001 / 333 / 8 under mq-deadline, 14721 / 24 / 6 under
// bfq and 12485 / 12535 / 12504 under kyber. The capture made under none is replayed as fast
// as possible (each process keeps its queue depth, so the device stays saturated as in the
// capture) on the loop-virtio profile under each port, and the per-class IOPS inside the
// contention window must fall on the kernel's side: each of BE and IDLE below 10% of RT
// where the kernel's fio results have them below 10%, above 30% where they are above 30%.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/replay/replay.js';
import { fioJobIops } from '../helpers/fio-json.js';
import { expectRunInvariants } from './invariants.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
const TRACE = `${TRACES}prio-classes.none.tp.txt.gz`;
/** The fio job names of the capture are the class names. */
const LOWER = ['be', 'idle'] as const;

/** The kernel's verdict for `scheduler`: do BE and IDLE each get below 10% of RT's IOPS? */
function kernelStarves(scheduler: string): boolean {
  const iops = fioJobIops(`${TRACES}prio-classes.${scheduler}.fio.json`);
  const rt = iops.get('rt') ?? Number.NaN;
  const shares = LOWER.map((cls) => (iops.get(cls) ?? Number.NaN) / rt);
  // Each capture must be clearly on one side, or it cannot judge.
  if (shares.every((s) => s < 0.1)) return true;
  if (shares.every((s) => s > 0.3)) return false;
  throw new Error(`prio-classes.${scheduler}: the kernel's BE/IDLE shares ${shares} are on neither side`);
}

describe('kernel as the judge: prio-classes replayed afap on loop-virtio', () => {
  for (const policy of ['none', 'mq-deadline', 'bfq', 'kyber']) {
    const starves = kernelStarves(policy);
    it(`${policy}: BE and IDLE each ${starves ? 'below 10%' : 'above 30%'} of RT inside the contention window, as in the kernel`, async () => {
      const out = await simulate({ trace: TRACE, policy, mode: 'afap', device: 'loop-virtio' });
      const r = out.result;
      expect(r.ejected).toBeNull();
      expect(r.fairness.overlap).toBe(true);
      const iops = (cls: string) => r.processes.find((p) => p.ioprioClass === cls)?.windowIops ?? Number.NaN;
      const rt = iops('rt');
      expect(rt).toBeGreaterThan(0);
      for (const cls of LOWER) {
        if (starves) expect(iops(cls)).toBeLessThan(0.1 * rt);
        else expect(iops(cls)).toBeGreaterThan(0.3 * rt);
      }
      expectRunInvariants(out);
    });
  }

  it('the kernel captures disagree where the schedulers do: none and kyber share, mq-deadline and bfq starve', () => {
    expect(['none', 'mq-deadline', 'bfq', 'kyber'].map(kernelStarves)).toEqual([false, true, true, false]);
  });
});
