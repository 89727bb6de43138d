// Jain's index J = (Σx)² / (n·Σx²) and the contention window (devices-metrics-peers §3.4).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  backlogNs,
  contentionWindow,
  type FlowSpan,
  flowMask,
  jainIndex,
} from '../../src/metrics/fairness.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';

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
