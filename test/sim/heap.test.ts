// The 4-ary event heap against sorting and a naive linear-scan queue.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { EventHeap } from '../../src/sim/heap.js';

interface Entry {
  t: number;
  o: number;
  s: number;
}
const byKey = (a: Entry, b: Entry): number => a.t - b.t || a.o - b.o;

describe('EventHeap', () => {
  test.prop([fc.array(fc.record({ t: fc.integer({ min: 0, max: 30 }), o: fc.nat() }), { maxLength: 400 })])(
    'pops in (time, order) order, as a sort does',
    (raw) => {
      // Orders made unique as the engine makes them (sequence numbers).
      const entries = raw.map((e, i) => ({ t: e.t, o: e.o * 1000 + i, s: i }));
      const h = new EventHeap(4);
      for (const e of entries) h.push(e.t, e.o, e.s);
      expect(h.size).toBe(entries.length);
      const out: number[] = [];
      while (h.size > 0) out.push(h.pop());
      expect(out).toEqual([...entries].sort(byKey).map((e) => e.s));
      expect(h.pop()).toBe(-1);
      expect(h.peekTime()).toBe(Number.POSITIVE_INFINITY);
    },
  );

  test.prop([
    fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(-1)), { maxLength: 400 }),
    fc.integer({ min: 0, max: 4 }),
  ])('interleaved push/pop/retain match a linear-scan queue', (ops, keepMod) => {
    const h = new EventHeap(4);
    let model: Entry[] = [];
    let seq = 0;
    for (const op of ops) {
      if (op >= 0) {
        const e = { t: op, o: seq, s: seq };
        seq++;
        h.push(e.t, e.o, e.s);
        model.push(e);
      } else if (model.length > 0) {
        let m = 0;
        for (let i = 1; i < model.length; i++) if (byKey(model[i], model[m]) < 0) m = i;
        expect(h.peekTime()).toBe(model[m].t);
        expect(h.peekSlot()).toBe(model[m].s);
        expect(h.pop()).toBe(model[m].s);
        model.splice(m, 1);
      }
    }
    h.retain((s) => s % 5 !== keepMod);
    model = model.filter((e) => e.s % 5 !== keepMod);
    const out: number[] = [];
    while (h.size > 0) out.push(h.pop());
    expect(out).toEqual(model.sort(byKey).map((e) => e.s));
  });

  it('clear empties the heap', () => {
    const h = new EventHeap();
    h.push(5, 0, 1);
    h.clear();
    expect(h.size).toBe(0);
    expect(h.peekSlot()).toBe(-1);
  });
});
