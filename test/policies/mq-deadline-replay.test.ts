// The kernel's verdict on traces/prio-classes: three 4 KiB random readers at QD8 in the RT, BE
// and IDLE classes. Under the kernel's mq-deadline fio measured 13001 / 333 / 8 IOPS
// (traces/README.md, prio-classes.mq-deadline.fio.json): BE and IDLE each below 10% of RT.
// The capture made under `none` is replayed as fast as possible through mq-deadline, and the
// same must hold inside the window where all three compete.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/replay/replay.js';
import { expectRunInvariants } from '../replay/invariants.js';

const TRACE = new URL('../../traces/prio-classes.none.tp.txt.gz', import.meta.url).pathname;

describe('kernel check: prio-classes under mq-deadline, afap (kernel-blk-mq §8.1)', () => {
  it('starves BE and IDLE while RT runs: each below 10% of RT inside the contention window', async () => {
    const out = await simulate({ trace: TRACE, policy: 'mq-deadline', mode: 'afap', device: 'loop-virtio' });
    const r = out.result;
    expect(r.ejected).toBeNull();
    const iops = (cls: string) => r.processes.find((p) => p.ioprioClass === cls)?.windowIops ?? Number.NaN;
    const rt = iops('rt');
    expect(rt).toBeGreaterThan(0);
    expect(iops('be')).toBeLessThan(0.1 * rt);
    expect(iops('idle')).toBeLessThan(0.1 * rt);
    expect(r.fairness.overlap).toBe(true);
    expectRunInvariants(out);
  });
});
