// A shipped capture full of flushes (traces/fsync-ext4.mq-deadline: fsync and fdatasync after
// each write, O_SYNC writes, the jbd2 journal's PREFLUSH and FUA writes) through the whole
// replay: the reader's op flags reach the flush machinery, every bio and empty flush completes
// once, and each replayed empty flush gets the stages a recorded one has (Q, G, the D of the
// flush command that served it, C), or completes at Q on a device without a write cache.
import { describe, expect, it } from 'vitest';
import { type ReplayOutput, simulate } from '../../src/replay/replay.js';
import { FLAG } from '../../src/trace/event.js';
import type { IoTable } from '../../src/trace/io-table.js';
import { NONE } from '../../src/trace/io-table.js';

const TRACE = 'traces/fsync-ext4.mq-deadline';

function flagged(t: IoTable, flag: number): number {
  let n = 0;
  for (let i = 0; i < t.length; i++) if (t.flags[i] & flag) n++;
  return n;
}

/**
 * Each replayed bio and empty flush was queued once and completed once, and every data row
 * has ordered stages (Q <= D <= C when D is set).
 */
function expectConserved(out: ReplayOutput): void {
  const c = out.result.conservation;
  const rows = out.ios.length + out.flushes.length;
  expect([c.queued, c.completed, c.lost]).toEqual([rows, rows, 0]);
  const t = out.ios;
  const bad: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t.tC[i] === NONE || t.tC[i] < t.tQ[i]) bad.push(i);
    else if (t.tD[i] !== NONE && (t.tD[i] < t.tQ[i] || t.tD[i] > t.tC[i])) bad.push(i);
  }
  expect(bad.slice(0, 5)).toEqual([]);
}

/** Empty flush rows whose stages are not Q <= G <= D <= C with all four set. */
function badFlushStages(out: ReplayOutput): number[] {
  const f = out.flushes;
  const bad: number[] = [];
  for (let i = 0; i < f.length; i++) {
    const ok =
      f.tG[i] !== NONE && f.tD[i] !== NONE && f.tQ[i] <= f.tG[i] && f.tG[i] <= f.tD[i] && f.tD[i] <= f.tC[i];
    if (!ok) bad.push(i);
  }
  return bad;
}

describe('fsync-ext4 end to end with the flush machinery', () => {
  it('on a write-back cache without FUA (loop-virtio): conservation holds and every empty flush is served', async () => {
    const out = await simulate({
      trace: TRACE,
      policy: 'mq-deadline',
      mode: 'closed',
      device: 'loop-virtio',
    });
    // The reader decoded the journal's PREFLUSH and FUA writes and the fsyncs' empty flushes.
    expect(flagged(out.ios, FLAG.PREFLUSH)).toBeGreaterThan(0);
    expect(flagged(out.ios, FLAG.FUA)).toBeGreaterThan(0);
    expect(out.flushes.length).toBeGreaterThan(0);
    expect(flagged(out.flushes, FLAG.PREFLUSH)).toBe(out.flushes.length);
    expectConserved(out);
    expect(badFlushStages(out).slice(0, 5)).toEqual([]);
    // No empty flush passes through the elevator.
    for (let i = 0; i < out.flushes.length; i++) expect(out.flushes.tI[i]).toBe(NONE);
  });

  it('with FUA support and a flush that blocks the queue (sata-ssd), under none: the same holds', async () => {
    const out = await simulate({ trace: TRACE, policy: 'none', mode: 'closed', device: 'sata-ssd' });
    expectConserved(out);
    expect(badFlushStages(out).slice(0, 5)).toEqual([]);
  });

  it('without a volatile write cache (nvme, power-loss protected) an empty flush completes at Q', async () => {
    const out = await simulate({ trace: TRACE, policy: 'mq-deadline', mode: 'closed', device: 'nvme' });
    expectConserved(out);
    const f = out.flushes;
    const notAtQ: number[] = [];
    for (let i = 0; i < f.length; i++) if (f.tC[i] !== f.tQ[i] || f.tD[i] !== NONE) notAtQ.push(i);
    expect(notAtQ.slice(0, 5)).toEqual([]);
  });

  it('is deterministic: the same run gives the same flush stage times', async () => {
    const opts = { trace: TRACE, policy: 'mq-deadline', mode: 'closed' as const, device: 'loop-virtio' };
    const a = await simulate(opts);
    const b = await simulate(opts);
    expect(Array.from(b.flushes.tD)).toEqual(Array.from(a.flushes.tD));
    expect(Array.from(b.flushes.tC)).toEqual(Array.from(a.flushes.tC));
    expect(Array.from(b.ios.tC)).toEqual(Array.from(a.ios.tC));
  });
});
