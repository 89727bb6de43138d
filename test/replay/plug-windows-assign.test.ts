// PlugWindowScanner.assign against its definition (kernel-blk-mq §3.3): a row's window is its
// task's count of unplugs strictly before its Q, offset per task; rows of other tasks never
// share it, and a task that never unplugged has none. Rows come in any order, as a property.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { PlugWindowScanner } from '../../src/replay/plug-windows.js';
import { ACT, newBatch } from '../../src/trace/event.js';
import { IoTableBuilder } from '../../src/trace/io-table.js';

const PIDS = [1, 2, 3];

describe('plug window assignment', () => {
  test.prop([
    fc.array(fc.record({ pid: fc.constantFrom(1, 2), t: fc.integer({ min: 0, max: 200 }) }), {
      maxLength: 30,
    }),
    fc.array(fc.record({ pid: fc.constantFrom(...PIDS), q: fc.integer({ min: 0, max: 200 }) }), {
      maxLength: 60,
    }),
  ])('windows follow the unplug counts, whatever the row order', (unplugs, rows) => {
    const b = newBatch(Math.max(1, unplugs.length));
    for (const u of unplugs) {
      const i = b.length++;
      b.action[i] = i % 2 === 0 ? ACT.U : ACT.UT;
      b.pid[i] = u.pid;
      b.timeNs[i] = u.t;
    }
    const s = new PlugWindowScanner();
    s.observe(b);
    const t = new IoTableBuilder();
    for (const r of rows) {
      const i = t.push();
      t.table.pid[i] = r.pid;
      t.table.tQ[i] = r.q;
    }
    const w = s.assign(t.finish()).window;
    const unplugsBefore = (pid: number, q: number) => unplugs.filter((u) => u.pid === pid && u.t < q).length;
    const unplugged = (pid: number) => unplugs.some((u) => u.pid === pid);
    rows.forEach((r, i) => {
      if (!unplugged(r.pid)) {
        expect(w[i]).toBe(-1);
        return;
      }
      rows.forEach((o, j) => {
        if (!unplugged(o.pid)) return;
        if (o.pid !== r.pid) expect(w[j]).not.toBe(w[i]);
        else expect(w[j] - w[i]).toBe(unplugsBefore(o.pid, o.q) - unplugsBefore(r.pid, r.q));
      });
    });
  });
});
