// Checks every replay must pass, whatever the trace, policy, device or mode: each bio is
// queued once and completes exactly once (with its own request or the one it merged into),
// the conservation line balances, and simulated stage times are ordered.
import { expect } from 'vitest';
import type { ReplayOutput } from '../../src/replay/replay.js';
import { NONE } from '../../src/trace/io-table.js';

export function expectRunInvariants(out: ReplayOutput): void {
  const { result: r, ios, flushes } = out;
  // Conservation counts every bio, the empty flushes replayed beside the data bios included.
  const bios = ios.length + flushes.length;
  expect(r.conservation.lost).toBe(0);
  expect(r.conservation.queued).toBe(bios);
  expect(r.conservation.completed).toBe(bios);
  expect(r.ios).toBe(ios.length);
  expect(r.flushes?.n ?? 0).toBe(flushes.length);
  expect(r.flushes?.completed ?? 0).toBe(flushes.length);
  let merged = 0;
  const bad: number[] = [];
  for (const t of [ios, flushes])
    for (let i = 0; i < t.length; i++) {
      const q = t.tQ[i];
      const c = t.tC[i];
      if (q === NONE || c === NONE || c < q) bad.push(i);
      else if (t.tD[i] !== NONE && (t.tD[i] < q || t.tD[i] > c)) bad.push(i);
      if (t.mergedInto[i] !== NONE) merged++;
    }
  expect(bad.slice(0, 5)).toEqual([]);
  expect(merged).toBe(r.conservation.merged);
  // btt's #Q: the bios with data queued, raised to #D when split bios made more requests (btt/output.c).
  expect(r.merges.q).toBe(Math.max(r.ios, r.merges.d));
  expect(r.merges.ratio).toBeGreaterThanOrEqual(r.merges.d > 0 ? 1 : 0);
}
