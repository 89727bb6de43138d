// compare's start order (schedule.ts): every cell runs once, never more than `slots` at a
// time; the largest start first; a policy seen to be slow per byte moves its cells forward.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { runLongestFirst } from '../../../src/replay/compare/schedule.js';

describe('runLongestFirst', () => {
  test.prop([
    fc.array(fc.record({ bytes: fc.nat(1000), kind: fc.constantFrom('a', 'b', 'c') }), { maxLength: 30 }),
    fc.integer({ min: 1, max: 4 }),
  ])('runs every cell exactly once, at most `slots` at a time', async (cells, slots) => {
    const runs = new Array<number>(cells.length).fill(0);
    let running = 0;
    let most = 0;
    await runLongestFirst(cells, slots, async (k) => {
      runs[k]++;
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, cells[k].bytes % 3));
      running--;
      return cells[k].bytes;
    });
    expect(runs.every((n) => n === 1)).toBe(true);
    expect(most).toBeLessThanOrEqual(slots);
  });

  it('one slot, one kind: largest first, equal sizes in index order', async () => {
    const cells = [10, 30, 20, 30].map((bytes) => ({ bytes, kind: 'none' }));
    const order: number[] = [];
    await runLongestFirst(cells, 1, async (k) => {
      order.push(k);
      return cells[k].bytes; // 1 ms per byte: the estimate stays proportional to size
    });
    expect(order).toEqual([1, 3, 2, 0]);
  });

  it('a kind seen to be slower per byte starts its remaining cells before larger ones', async () => {
    // Cell 0 (kind fast, 100 B) runs first and takes 100 ms (1 ms/B); cell 1 (slow, 90 B)
    // takes 270 ms (3 ms/B). Left: fast 80 B (estimate 80) and slow 50 B (estimate 150).
    const cells = [
      { bytes: 100, kind: 'fast' },
      { bytes: 90, kind: 'slow' },
      { bytes: 80, kind: 'fast' },
      { bytes: 50, kind: 'slow' },
    ];
    const perByte: Record<string, number> = { fast: 1, slow: 3 };
    const order: number[] = [];
    await runLongestFirst(cells, 1, async (k) => {
      order.push(k);
      return cells[k].bytes * perByte[cells[k].kind];
    });
    expect(order).toEqual([0, 1, 3, 2]);
  });

  it('a kind not seen yet is guessed at the slowest rate seen', async () => {
    // After cell 0 (fast, 1 ms/B), the unseen kind's 60 B is guessed at 1 ms/B: 60 > 50.
    const cells = [
      { bytes: 100, kind: 'fast' },
      { bytes: 50, kind: 'fast' },
      { bytes: 60, kind: 'new' },
    ];
    const order: number[] = [];
    await runLongestFirst(cells, 1, async (k) => {
      order.push(k);
      return cells[k].bytes;
    });
    expect(order).toEqual([0, 2, 1]);
  });
});
