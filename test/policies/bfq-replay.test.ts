// The kernel's verdict on traces/prio-classes: three 4 KiB random readers at QD8 in the RT, BE
// and IDLE classes. Under the kernel's mq-deadline fio measured 13001 / 333 / 8 IOPS
// (traces/README.md); the kernel's BFQ starves BE and IDLE the same way, since it serves RT
// first and keeps the device for the RT queue while it idles (kernel-blk-mq §8.3). The
// capture made under `none` is replayed as fast as possible through bfq on the loop-virtio
// profile: inside the window where all three compete, BE and IDLE each stay below 10% of RT.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/replay/replay.js';
import { expectRunInvariants } from '../replay/invariants.js';

const TRACE = new URL('../../traces/prio-classes.none.tp.txt.gz', import.meta.url).pathname;

describe('kernel check: prio-classes under bfq, afap (kernel-blk-mq §8.3)', () => {
  it('starves BE and IDLE while RT runs: each below 10% of RT inside the contention window', async () => {
    const out = await simulate({ trace: TRACE, policy: 'bfq', mode: 'afap', device: 'loop-virtio' });
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
