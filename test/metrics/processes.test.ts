// Per-process identity in summaries: a pid's name and priority class are those most of its
// I/Os carry (ties: the one seen first), checked against a plain count over random rows.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { summaryKeys } from '../../src/metrics/processes.js';
import { ioprioValue } from '../../src/trace/event.js';
import { type IoTable, IoTableBuilder } from '../../src/trace/io-table.js';

interface Row {
  pid: number;
  comm: number;
  cls: number;
}

function table(rows: readonly Row[]): IoTable {
  const b = new IoTableBuilder(rows.length);
  for (const r of rows) {
    const i = b.push();
    b.table.pid[i] = r.pid;
    b.table.comm[i] = r.comm;
    b.table.ioprio[i] = r.cls === 0 ? 0 : ioprioValue(r.cls, 4);
  }
  return b.finish();
}

/** The most common value of `pick` over `rows` (0 = unknown only when nothing else is known), ties to the first seen. */
function plurality(rows: readonly Row[], pick: (r: Row) => number, skipZero: boolean): number {
  const counts = new Map<number, number>();
  for (const r of rows) {
    const v = pick(r);
    if (skipZero && v === 0) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let best = 0;
  let most = 0;
  for (const [v, n] of counts)
    if (n > most) {
      best = v;
      most = n;
    }
  return best;
}

describe('summaryKeys: a process is named by the plurality of its I/Os', () => {
  it('no majority: the most common name and class win (a, a, a, b, c, b, c)', () => {
    const names = [1, 1, 1, 2, 3, 2, 3];
    const classes = [1, 1, 1, 2, 3, 2, 3];
    const k = summaryKeys(table(names.map((comm, i) => ({ pid: 7, comm, cls: classes[i] }))));
    expect(k.proc.comms).toEqual([1]);
    expect(k.proc.classes).toEqual([1]);
  });

  test.prop([
    fc.array(
      fc.record({
        pid: fc.integer({ min: 1, max: 4 }),
        comm: fc.integer({ min: 0, max: 4 }),
        cls: fc.integer({ min: 0, max: 3 }),
      }),
      { minLength: 1, maxLength: 200 },
    ),
  ])('equals a plain count for every process', (rows) => {
    const k = summaryKeys(table(rows));
    k.proc.pids.forEach((pid, g) => {
      const mine = rows.filter((r) => r.pid === pid);
      expect(k.proc.comms[g]).toBe(plurality(mine, (r) => r.comm, true));
      expect(k.proc.classes[g]).toBe(plurality(mine, (r) => r.cls, false));
    });
  });
});
