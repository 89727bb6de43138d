// B-WF2Q+ shares (kernel-blk-mq §8.3; devices-metrics-peers §3.4 "Share-vs-weight"): two
// backlogged BE processes of weights 80 (level 0) and 40 (level 4) get service in the ratio
// of their weights, 2 : 1, while both are backlogged. Service is in sectors (budgets), the
// queues are not slow (short slots, nearby requests), so no time charging distorts it.
import { describe, expect, it } from 'vitest';
import { BE, dispatches, rig, runAll, strided, submit } from './bfq-rig.js';

/** Sectors each pid got up to `frac` of the time at which the first of them had nothing left. */
function shares(r: ReturnType<typeof rig>, bytes: number, frac = 1): [number, number] {
  const d = dispatches(r);
  const lastOf = (pid: number) => Math.max(...d.filter(([p]) => p === pid).map(([, , t]) => t));
  const end = Math.min(lastOf(1), lastOf(2)) * frac;
  const got = [0, 0];
  for (const [pid, , t] of d) if (t <= end) got[pid - 1] += bytes / 512;
  return [got[0], got[1]];
}

/** Two BE processes of levels a and b, 900 requests of 64 KiB each, 128 KiB apart. */
function twoBacklogged(a: number, b: number): ReturnType<typeof rig> {
  // No merges, not seeky; max_budget 1024 sectors keeps slots short (8 requests), so shares
  // are not a matter of slot rounding.
  const r = rig({ low_latency: false, max_budget: 1024 }, { queueDepth: 4, latencyNs: 100_000, ios: 2000 });
  submit(
    r,
    { pid: 1, ioprio: BE(a), offsets: strided(900, 256), bytes: 65536 },
    { pid: 2, ioprio: BE(b), offsets: strided(900, 256), bytes: 65536 },
  );
  runAll(r);
  return r;
}

describe('bfq proportional share (kernel-blk-mq §8.3 B-WF2Q+)', () => {
  it('weights 80 : 40 (levels 0 and 4) give service 2 : 1 while both are backlogged', () => {
    const [a, b] = shares(twoBacklogged(0, 4), 65536);
    expect(a / b).toBeGreaterThan(1.9);
    expect(a / b).toBeLessThan(2.1);
  });

  it('weights 80 : 10 (levels 0 and 7) give service 8 : 1', () => {
    const [a, b] = shares(twoBacklogged(0, 7), 65536);
    expect(a / b).toBeGreaterThan(7.2);
    expect(a / b).toBeLessThan(8.8);
  });

  it('equal weights share equally, measured half way', () => {
    const [a, b] = shares(twoBacklogged(4, 4), 65536, 0.5);
    expect(a / b).toBeGreaterThan(0.95);
    expect(a / b).toBeLessThan(1.05);
  });
});
