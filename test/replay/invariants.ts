// Checks every replay must pass, whatever the trace, policy, device or mode: each bio is
// queued once and completes exactly once (with its own request or the one it merged into),
// the conservation line balances, and simulated stage times are ordered.
import { expect } from 'vitest';
import type { ReplayOutput } from '../../src/replay/replay.js';
import { NONE } from '../../src/trace/io-table.js';

export function expectRunInvariants(out: ReplayOutput): void {
  const { result: r, ios } = out;
  expect(r.conservation.lost).toBe(0);
  expect(r.conservation.queued).toBe(ios.length);
  expect(r.conservation.completed).toBe(ios.length);
  let merged = 0;
  const bad: number[] = [];
  for (let i = 0; i < ios.length; i++) {
    const q = ios.tQ[i];
    const c = ios.tC[i];
    if (q === NONE || c === NONE || c < q) bad.push(i);
    else if (ios.tD[i] !== NONE && (ios.tD[i] < q || ios.tD[i] > c)) bad.push(i);
    if (ios.mergedInto[i] !== NONE) merged++;
  }
  expect(bad.slice(0, 5)).toEqual([]);
  expect(merged).toBe(r.conservation.merged);
  // btt's #Q: the bios queued, raised to #D when split bios made more requests (btt/output.c).
  expect(r.merges.q).toBe(Math.max(r.conservation.queued, r.merges.d));
  expect(r.merges.ratio).toBeGreaterThanOrEqual(r.merges.d > 0 ? 1 : 0);
}
