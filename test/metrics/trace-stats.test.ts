// traceStats: what a report says about the recorded trace.
import { describe, expect, it } from 'vitest';
import { traceStats } from '../../src/metrics/trace-stats.js';
import type { TraceInfo } from '../../src/trace/event.js';
import { IoTableBuilder } from '../../src/trace/io-table.js';

describe('traceStats', () => {
  it('duration runs from the first Q to the last stage time of any I/O', () => {
    const b = new IoTableBuilder();
    for (const [q, d, c] of [
      [1000, 1500, 4000],
      [2000, 2500, -1],
      [3000, 9000, -1],
    ]) {
      const i = b.push();
      b.table.tQ[i] = q;
      b.table.tD[i] = d;
      b.table.tC[i] = c;
    }
    const info: TraceInfo = {
      format: 'blktrace',
      files: ['x'],
      bytes: 4800,
      records: 100,
      lines: 0,
      warnings: {},
      hasStages: true,
    };
    expect(traceStats(b.finish(), info)).toEqual({
      format: 'blktrace',
      records: 100,
      bytes: 4800,
      ios: 3,
      durationNs: 8000,
    });
  });
});
