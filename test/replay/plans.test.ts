// Arrival plans as pure functions of small hand-built IoTables: open timing and time-scale,
// closed-loop dependencies, afap depth. Expected values are worked out by hand in comments.
import { describe, expect, it } from 'vitest';
import { planAfap, traceDepth } from '../../src/replay/afap.js';
import { planClosed } from '../../src/replay/closed.js';
import { planOpen } from '../../src/replay/open.js';
import { ARRIVE, processOrder } from '../../src/replay/plan.js';
import { type IoTable, IoTableBuilder, NONE } from '../../src/trace/io-table.js';

/** Rows [pid, tQ, tC]; tC NONE for an I/O that never completed. */
function table(rows: [number, number, number][]): IoTable {
  const b = new IoTableBuilder();
  for (const [pid, q, c] of rows) {
    const i = b.push();
    const t = b.table;
    t.pid[i] = pid;
    t.tQ[i] = q;
    t.tC[i] = c;
    t.sector[i] = i * 8;
    t.bytes[i] = 4096;
  }
  return b.finish();
}

describe('process order', () => {
  it('groups rows by process in Q order, processes numbered by first arrival', () => {
    const ios = table([
      [7, 300, 400],
      [5, 100, 200],
      [7, 150, 250],
      [5, 500, 600],
    ]);
    const o = processOrder(ios);
    expect([...o.procPid]).toEqual([5, 7]);
    expect([...o.rows]).toEqual([1, 3, 2, 0]);
    expect([...o.procStart]).toEqual([0, 2, 4]);
    expect(o.t0Ns).toBe(100);
  });

  it('skips rows without a Q time and counts them', () => {
    const ios = table([
      [1, 10, 20],
      [1, NONE, 30],
    ]);
    const o = processOrder(ios);
    expect(o.skipped).toBe(1);
    expect([...o.rows]).toEqual([0]);
    expect(o.procOf[1]).toBe(-1);
  });
});

describe('open-loop plan', () => {
  const ios = table([
    [1, 1000, 1100],
    [1, 1500, 1600],
    [2, 3000, 3100],
  ]);

  it('arrivals are the Q times relative to the first Q', () => {
    const p = planOpen(ios, { timeScale: 1 });
    expect([...p.kind]).toEqual([ARRIVE.AT, ARRIVE.AT, ARRIVE.AT]);
    expect([...p.delayNs]).toEqual([0, 500, 2000]);
  });

  it('--time-scale 2 doubles every inter-arrival gap, 0.5 halves it', () => {
    expect([...planOpen(ios, { timeScale: 2 }).delayNs]).toEqual([0, 1000, 4000]);
    expect([...planOpen(ios, { timeScale: 0.5 }).delayNs]).toEqual([0, 250, 1000]);
  });
});

describe('closed-loop plan', () => {
  it('an I/O after its process previous completion depends on that completion', () => {
    // pid 1: row 0 Q=0 C=100_000; row 1 Q=150_000 (50 µs after row 0's completion).
    const ios = table([
      [1, 0, 100_000],
      [1, 150_000, 250_000],
    ]);
    const p = planClosed(ios, { timeScale: 1 });
    expect(p.kind[0]).toBe(ARRIVE.AT);
    expect(p.kind[1]).toBe(ARRIVE.AFTER_COMPLETION);
    expect(p.dep[1]).toBe(0);
    expect(p.delayNs[1]).toBe(50_000);
  });

  it('an I/O queued before any earlier completion follows the previous Q', () => {
    // Row 1 is queued 5 µs after row 0, before row 0 completes.
    const ios = table([
      [1, 0, 100_000],
      [1, 5_000, 90_000],
      [1, 95_000, 200_000],
    ]);
    const p = planClosed(ios, { timeScale: 1 });
    expect(p.kind[1]).toBe(ARRIVE.AFTER_ISSUE);
    expect(p.dep[1]).toBe(0);
    expect(p.delayNs[1]).toBe(5_000);
    // Row 2: latest earlier event is row 1's completion at 90 µs (row 0's is at 100 µs, later
    // than row 2's Q): 5 µs after it.
    expect(p.kind[2]).toBe(ARRIVE.AFTER_COMPLETION);
    expect(p.dep[2]).toBe(1);
    expect(p.delayNs[2]).toBe(5_000);
  });

  it("another process's completions are not dependencies", () => {
    const ios = table([
      [1, 0, 10_000],
      [2, 1_000, 2_000],
      [1, 20_000, 30_000],
      [2, 25_000, 26_000],
    ]);
    const p = planClosed(ios, { timeScale: 1 });
    expect(p.kind[2]).toBe(ARRIVE.AFTER_COMPLETION);
    expect(p.dep[2]).toBe(0);
    expect(p.delayNs[2]).toBe(10_000);
    expect(p.dep[3]).toBe(1);
    expect(p.delayNs[3]).toBe(23_000);
    // Each process's first I/O arrives at its own trace time.
    expect(p.kind[1]).toBe(ARRIVE.AT);
    expect(p.delayNs[1]).toBe(1_000);
  });

  it('a completion at the same ns as the previous Q: the previous Q wins the tie', () => {
    const ios = table([
      [1, 0, 50],
      [1, 50, 100],
      [1, 70, 200],
    ]);
    const p = planClosed(ios, { timeScale: 1 });
    expect(p.kind[2]).toBe(ARRIVE.AFTER_ISSUE);
    expect(p.dep[2]).toBe(1);
    expect(p.delayNs[2]).toBe(20);
  });

  it('--time-scale multiplies think times too', () => {
    const ios = table([
      [1, 0, 100_000],
      [1, 150_000, 250_000],
    ]);
    expect(planClosed(ios, { timeScale: 3 }).delayNs[1]).toBe(150_000);
  });
});

describe('afap plan', () => {
  it('depth is the most I/Os of the process in flight Q..C', () => {
    // Intervals [0,100] [10,50] [20,200] [60,70]: at 20 three are in flight (0,1,2); at 60
    // row 1 is done and rows 0, 2, 3 are in flight: 3. Never 4.
    const ios = table([
      [1, 0, 100],
      [1, 10, 50],
      [1, 20, 200],
      [1, 60, 70],
    ]);
    const p = planAfap(ios);
    expect([...p.depth]).toEqual([3]);
    expect(p.kind[0]).toBe(ARRIVE.AT_DEPTH);
  });

  it('a completion at the same ns as a Q is counted before it', () => {
    const ios = table([
      [1, 0, 10],
      [1, 10, 20],
      [1, 20, 30],
    ]);
    expect([...planAfap(ios).depth]).toEqual([1]);
  });

  it('depths are per process', () => {
    const ios = table([
      [1, 0, 100],
      [2, 1, 2],
      [1, 5, 100],
      [2, 3, 4],
    ]);
    expect([...planAfap(ios).depth]).toEqual([2, 1]);
  });

  it('an I/O without completion stays in flight; a process with none completed gets depth 1', () => {
    const ios = table([
      [1, 0, NONE],
      [1, 10, 20],
      [1, 30, 40],
      [2, 0, NONE],
      [2, 1, NONE],
    ]);
    const o = processOrder(ios);
    expect(traceDepth(ios, o.rows, o.procStart[0], o.procStart[1])).toBe(2);
    expect(traceDepth(ios, o.rows, o.procStart[1], o.procStart[2])).toBe(1);
  });
});
