// summarizeFlushes: counts and Q2C/Q2D/D2C summaries of a table of empty flushes, by hand on
// small tables and, on the fsync capture, against figures computed apart from this code.
import { describe, expect, it } from 'vitest';
import { summarizeFlushes } from '../../src/metrics/flushes.js';
import { EMPTY_LATENCY } from '../../src/metrics/latency-summary.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';
import { openTrace } from '../../src/trace/open.js';
import { pairEvents } from '../../src/trace/pair.js';

/** A table of rows [tQ, tD, tC] (NONE where a stamp is missing). */
function table(rows: [number, number, number][]) {
  const b = new IoTableBuilder(rows.length);
  for (const [q, d, c] of rows) {
    const i = b.push();
    b.table.tQ[i] = q;
    b.table.tD[i] = d;
    b.table.tC[i] = c;
  }
  return b.finish();
}

describe('summarizeFlushes', () => {
  it('an empty table: n 0 and zero summaries', () => {
    const s = summarizeFlushes(table([]));
    expect(s).toEqual({
      n: 0,
      completed: 0,
      latency: { q2c_ns: EMPTY_LATENCY, q2d_ns: EMPTY_LATENCY, d2c_ns: EMPTY_LATENCY },
    });
  });

  it('rows lacking a stamp are left out of that latency only', () => {
    const s = summarizeFlushes(
      table([
        [0, 10, 30], // Q2C 30, Q2D 10, D2C 20
        [100, NONE, 150], // no write cache: Q2C 50 only
        [200, 260, NONE], // never completed: Q2D 60 only
        [300, NONE, NONE], // queued only
      ]),
    );
    expect(s.n).toBe(4);
    expect(s.completed).toBe(2);
    // Nearest rank of 2 samples: p50 is the 1st, p90 and above the 2nd; mean (30 + 50) / 2.
    expect(s.latency.q2c_ns).toEqual({ mean: 40, p50: 30, p90: 50, p99: 50, p999: 50, max: 50 });
    expect(s.latency.q2d_ns).toEqual({ mean: 35, p50: 10, p90: 60, p99: 60, p999: 60, max: 60 });
    expect(s.latency.d2c_ns).toEqual({ mean: 20, p50: 20, p90: 20, p99: 20, p999: 20, max: 20 });
  });

  it('a latency is at least 1 ns, as btt counts it', () => {
    const s = summarizeFlushes(table([[50, 50, 40]]));
    expect(s.latency.q2c_ns.max).toBe(1);
    expect(s.latency.q2d_ns.max).toBe(1);
    expect(s.latency.d2c_ns.max).toBe(1);
  });

  it('fsync capture: the figures of an independent pairing of its blkparse text', async () => {
    const paired = await pairEvents(await openTrace('traces/fsync-ext4.mq-deadline'));
    // From a separate Python script run once on `blkparse -i fs -q` of the capture's binary
    // files: it pairs the text's `Q FWS` / `G FWS` / `D FN` / `C FN` / `C WS 0` lines with the
    // rule of docs/metrics.md "Empty flushes" (see test/trace/flush-pairs.test.ts) and takes
    // mean (rounded) and nearest-rank percentiles of the integer-ns differences of the parsed times.
    expect(summarizeFlushes(paired.flushes)).toEqual({
      n: 1802,
      completed: 1802,
      latency: {
        q2c_ns: { mean: 208150, p50: 177759, p90: 348017, p99: 597292, p999: 2347525, max: 2467704 },
        q2d_ns: { mean: 74764, p50: 47360, p90: 178461, p99: 356354, p999: 761931, max: 2266856 },
        d2c_ns: { mean: 133386, p50: 116924, p90: 214764, p99: 326510, p999: 995092, max: 2341476 },
      },
    });
  });
});
