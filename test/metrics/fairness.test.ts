// Jain's index J = (Σx)² / (n·Σx²) and the contention window (devices-metrics-peers §3.4).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  backloggedFairness,
  backlogNs,
  contentionWindow,
  type FlowSpan,
  flowMask,
  jainIndex,
} from '../../src/metrics/fairness.js';
import { summarizeIos } from '../../src/metrics/summary.js';
import { type IoTable, IoTableBuilder, NONE } from '../../src/trace/io-table.js';
import { openTrace } from '../../src/trace/open.js';
import { pairEvents } from '../../src/trace/pair.js';

describe("Jain's index", () => {
  test.prop([fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 })])(
    'lies in [1/n, 1]',
    (x) => {
      const j = jainIndex(x);
      expect(j).toBeGreaterThanOrEqual(1 / x.length - 1e-12);
      expect(j).toBeLessThanOrEqual(1);
    },
  );

  test.prop([fc.double({ min: 1e-3, max: 1e6, noNaN: true }), fc.integer({ min: 1, max: 40 })])(
    'is 1 when every flow gets the same',
    (v, n) => {
      expect(jainIndex(new Array(n).fill(v))).toBeCloseTo(1, 12);
    },
  );

  it('is 1/n when one flow gets everything, and by hand for (1, 3)', () => {
    expect(jainIndex([0, 0, 9, 0])).toBeCloseTo(0.25, 12);
    expect(jainIndex([1, 3])).toBeCloseTo(16 / 20, 12); // 4² / (2·10)
    expect(jainIndex([])).toBe(1);
  });
});

describe('contention window', () => {
  const S = 1e9;
  const flow = (firstQNs: number, lastCNs: number, backlogNs: number): FlowSpan => ({
    firstQNs,
    lastCNs,
    backlogNs,
  });

  it('runs from the last flow to start to the first flow to finish', () => {
    const spans = [flow(0, 10 * S, 9 * S), flow(2 * S, 8 * S, 5 * S), flow(1 * S, 9 * S, 1 * S)];
    const mask = flowMask(spans, 0, 10 * S);
    expect(mask).toEqual([true, true, true]);
    expect(contentionWindow(spans, mask, 0, 10 * S)).toEqual({ startNs: 2 * S, endNs: 8 * S, overlap: true });
  });

  it('a process rarely backlogged does not shrink the window; a starved one counts', () => {
    const spans = [
      flow(0, 10 * S, 9 * S),
      flow(1 * S, 9 * S, 6 * S),
      flow(0.5 * S, 9.9 * S, 0.002 * S), // a kworker: two short writes far apart
      flow(9.5 * S, 9.6 * S, 0.1 * S), // a burst shorter than a tenth of the trace
      flow(0.2 * S, 9.8 * S, 9.6 * S), // starved: few I/Os, each waiting long
    ];
    const mask = flowMask(spans, 0, 10 * S);
    expect(mask).toEqual([true, true, false, false, true]);
    expect(contentionWindow(spans, mask, 0, 10 * S)).toEqual({ startNs: 1 * S, endNs: 9 * S, overlap: true });
  });

  it('flows that never overlap give the whole span, marked', () => {
    const spans = [flow(0, 4 * S, 4 * S), flow(5 * S, 10 * S, 5 * S)];
    const mask = flowMask(spans, 0, 10 * S);
    expect(contentionWindow(spans, mask, 0, 10 * S)).toEqual({ startNs: 0, endNs: 10 * S, overlap: false });
  });
});

describe('backlog time', () => {
  function table(rows: [number, number][]) {
    const b = new IoTableBuilder(4);
    for (const [q, c] of rows) {
      const i = b.push();
      b.table.tQ[i] = q;
      b.table.tC[i] = c;
    }
    return b.finish();
  }

  it('is the union of [Q, C]; an I/O never completed waits until the end', () => {
    // group 0: [0,10] ∪ [5,20] ∪ [30,40] = 30; group 1: [2,4] and [50, end=100] = 52
    const ios = table([
      [0, 10],
      [2, 4],
      [5, 20],
      [30, 40],
      [50, NONE],
    ]);
    expect(Array.from(backlogNs(ios, [0, 1, 0, 0, 1], 2, 100))).toEqual([30, 52]);
  });

  it('gives the same for rows out of Q order', () => {
    const ios = table([
      [30, 40],
      [5, 20],
      [0, 10],
    ]);
    expect(Array.from(backlogNs(ios, [0, 0, 0], 1, 100))).toEqual([30]);
  });
});

describe('Jain while every flow is backlogged (devices-metrics-peers §3.4)', () => {
  /** Rows [group, tQ, tC] (tC NONE: never completed). */
  function rows(list: [number, number, number][]): { ios: IoTable; groupOf: Int32Array } {
    const b = new IoTableBuilder(list.length);
    for (const [, q, c] of list) {
      const i = b.push();
      b.table.tQ[i] = q;
      b.table.tC[i] = c;
    }
    return { ios: b.finish(), groupOf: Int32Array.from(list, (r) => r[0]) };
  }

  it('by hand: the common busy time and the completions inside it', () => {
    // Flow 0 is busy [0, 40] and [60, 100], flow 1 [30, 95]: both are busy [30, 40] and
    // [60, 95], 45 ns. Completions inside (ends included): flow 0 at 35, 40 and 80, flow 1 at
    // 80 and 95; flow 0's at 100 lies outside.
    const { ios, groupOf } = rows([
      [0, 0, 40],
      [0, 10, 35],
      [0, 60, 80],
      [0, 70, 100],
      [1, 30, 80],
      [1, 30, 95],
    ]);
    const r = backloggedFairness(ios, groupOf, [true, true], 100);
    expect(r.ns).toBe(45);
    // x = (3, 2) completions per 45 ns: J = 5² / (2·13) = 25/26
    expect(r.jain).toBeCloseTo(25 / 26, 12);
  });

  it('one flow, or flows never busy together: index 1 over 0 ns; an I/O never completed is busy to the end', () => {
    const apart = rows([
      [0, 0, 10],
      [1, 20, 30],
    ]);
    expect(backloggedFairness(apart.ios, apart.groupOf, [true, true], 30)).toEqual({ jain: 1, ns: 0 });
    expect(backloggedFairness(apart.ios, apart.groupOf, [true, false], 30)).toEqual({ jain: 1, ns: 0 });
    const open = rows([
      [0, 0, NONE],
      [1, 20, 30],
    ]);
    expect(backloggedFairness(open.ios, open.groupOf, [true, true], 50)).toEqual({ jain: 0.5, ns: 10 });
  });

  // Reference figures from an independent script pairing the blkparse text of the same
  // captures (Python, not this code): seq-vs-rand.none's two readers are both backlogged for
  // 385.115059 ms, rw-mix.kyber's two tenants for 212.208975 ms.
  it.each([
    ['seq-vs-rand.none', 385115059, 0.998136622837],
    ['rw-mix.kyber', 212208975, 0.814364748217],
  ])('%s: the recorded trace, against an independent computation', async (name, ns, jain) => {
    const paired = await pairEvents(await openTrace(`traces/${name}`));
    const b = summarizeIos(paired.ios, paired.strings).fairness.backlogged;
    expect(b.ns).toBe(ns);
    expect(b.jain).toBeCloseTo(jain, 9);
  });
});
