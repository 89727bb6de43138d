// The pending-span tree pairing uses: red-black rules hold under any insert/remove order,
// and for spans that do not overlap both queries answer as a brute-force scan would.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { NIL, SectorTree } from '../../src/trace/sector-tree.js';

const ops = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 200 })), { maxLength: 300 });

describe('SectorTree', () => {
  test.prop([ops])('stays a valid red-black tree; spans of 8 sectors at multiples of 8', (list) => {
    const tree = new SectorTree();
    const live = new Map<number, number>(); // start -> node
    for (const [add, k] of list) {
      const start = k * 8;
      if (add) {
        const node = tree.insert(start, start + 8, k);
        expect(tree.replaced).toBe(live.has(start) ? k : NIL);
        live.set(start, node);
      } else if (live.has(start)) {
        tree.remove(live.get(start)!);
        live.delete(start);
      }
      expect(tree.checkInvariants()).toBeGreaterThan(0);
      expect(tree.size).toBe(live.size);
    }
    for (let s = 0; s <= 1600; s += 4) {
      const node = tree.findContaining(s);
      const owner = live.get(s - (s % 8));
      expect(node).toBe(owner ?? NIL);
    }
    const lo = 80;
    const hi = 400;
    const k = tree.collectInside(lo, hi);
    const got = Array.from(tree.hits.subarray(0, k), (n) => tree.startOf(n)).sort((a, b) => a - b);
    const want = [...live.keys()].filter((s) => s >= lo && s + 8 <= hi).sort((a, b) => a - b);
    expect(got).toEqual(want);
  });

  it('replaces a node with the same start in place', () => {
    const tree = new SectorTree();
    const a = tree.insert(10, 18, 1);
    const b = tree.insert(10, 26, 2);
    expect(b).toBe(a);
    expect(tree.replaced).toBe(1);
    expect([tree.size, tree.endOf(a), tree.valueOf(a)]).toEqual([1, 26, 2]);
  });
});
