// selectPids: a process "alone" is its own rows, nothing else, in the same order.
import { describe, expect, it } from 'vitest';
import { selectPids } from '../../src/replay/select-pids.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';

describe('selectPids', () => {
  it('keeps the rows of the listed pids in order and clears merge links', () => {
    const b = new IoTableBuilder();
    for (const [pid, q] of [
      [1, 10],
      [2, 20],
      [1, 30],
      [3, 40],
    ]) {
      const i = b.push();
      b.table.pid[i] = pid;
      b.table.tQ[i] = q;
      b.table.mergedInto[i] = 0;
    }
    const all = b.finish();
    const one = selectPids(all, [1]);
    expect(one.length).toBe(2);
    expect([...one.tQ]).toEqual([10, 30]);
    expect([...one.mergedInto]).toEqual([NONE, NONE]);
    expect(selectPids(all, [1, 2, 3])).toBe(all);
    expect(selectPids(all, [9]).length).toBe(0);
  });
});
