// traces/rw-mix.kyber was recorded under the kernel's Kyber: its open-loop replay keeps each
// tenant's rate (fio: 7990 and 999 IOPS). The prio-classes verdict for Kyber is in
// test/replay/kernel-judge-prio-classes.test.ts with the other policies'.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/replay/replay.js';
import { expectRunInvariants } from '../replay/invariants.js';

const RW_MIX = new URL('../../traces/rw-mix.kyber', import.meta.url).pathname;

describe('kernel check: Kyber replays (kernel-blk-mq §8.2)', () => {
  it('rw-mix.kyber, open loop: each tenant keeps its recorded rate within 1%', async () => {
    const out = await simulate({ trace: RW_MIX, policy: 'kyber', mode: 'open', device: 'loop-virtio' });
    const r = out.result;
    expect(r.ejected).toBeNull();
    // fio: heavy 3995 + 3995 IOPS (read + write), light 499.5 + 499.5 (rw-mix.kyber.fio.json).
    const byIos = [...r.processes].sort((a, b) => b.ios - a.ios);
    expect(byIos[0].iops).toBeGreaterThan(7990 * 0.99);
    expect(byIos[0].iops).toBeLessThan(7990 * 1.01);
    expect(byIos[1].iops).toBeGreaterThan(999 * 0.99);
    expect(byIos[1].iops).toBeLessThan(999 * 1.01);
    expectRunInvariants(out);
  });
});
