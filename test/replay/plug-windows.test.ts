// Plug windows from recorded unplugs (kernel-blk-mq §3.3): the bios a task queued between two
// of its own U/UT events form one window; a task without unplugs has no windows.
import { describe, expect, it } from 'vitest';
import { PlugWindowScanner } from '../../src/replay/plug-windows.js';
import { ACT, type EventBatch, newBatch, StringTable, type TraceSource } from '../../src/trace/event.js';
import { IoTableBuilder } from '../../src/trace/io-table.js';
import { observeBatches } from '../../src/trace/observe.js';

function batch(events: [string, number, number][]): EventBatch {
  const b = newBatch(16);
  for (const [a, pid, t] of events) {
    const i = b.length++;
    b.action[i] = ACT[a as keyof typeof ACT];
    b.pid[i] = pid;
    b.timeNs[i] = t;
  }
  return b;
}

function ios(rows: [number, number][]) {
  const b = new IoTableBuilder();
  for (const [pid, q] of rows) {
    const i = b.push();
    b.table.pid[i] = pid;
    b.table.tQ[i] = q;
  }
  return b.finish();
}

describe('plug windows', () => {
  it("a task's unplugs split its bios into windows; a Q at an unplug's ns is before it", () => {
    // pid 1: Q@0 Q@5 U@10 | Q@10 Q@12 U@20 | Q@30 (after the last unplug: a third window).
    const s = new PlugWindowScanner();
    s.observe(
      batch([
        ['Q', 1, 0],
        ['P', 1, 1],
        ['Q', 1, 5],
        ['U', 1, 10],
        ['Q', 1, 10],
        ['UT', 1, 20],
      ]),
    );
    const w = s.assign(
      ios([
        [1, 0],
        [1, 5],
        [1, 10],
        [1, 12],
        [1, 30],
      ]),
    );
    expect(w.unplugs).toBe(2);
    expect([...w.window]).toEqual([0, 0, 0, 1, 2]);
  });

  it('windows are per task, and a task with no unplug has none', () => {
    const s = new PlugWindowScanner();
    s.observe(
      batch([
        ['U', 2, 10],
        ['U', 3, 10],
      ]),
    );
    const w = s.assign(
      ios([
        [2, 5],
        [3, 5],
        [4, 5],
        [2, 15],
      ]),
    );
    const [a, b, c, d] = w.window;
    expect(a).not.toBe(b);
    expect(c).toBe(-1);
    expect(d).not.toBe(a);
    expect(d).not.toBe(b);
    expect(s.found).toBe(true);
  });

  it('tee shows every batch to the observer while passing it on', async () => {
    const b1 = batch([['U', 1, 1]]);
    const b2 = batch([['UT', 1, 2]]);
    const source: TraceSource = {
      info: {
        format: 'test',
        files: [],
        bytes: 0,
        records: 2,
        lines: 0,
        warnings: {},
        hasStages: true,
      },
      strings: new StringTable(),
      async *batches() {
        yield b1;
        yield b2;
      },
    };
    const s = new PlugWindowScanner();
    const seen: EventBatch[] = [];
    for await (const b of observeBatches(source, (x) => s.observe(x)).batches()) seen.push(b);
    expect(seen).toEqual([b1, b2]);
    expect(s.assign(ios([[1, 5]])).unplugs).toBe(2);
  });
});
