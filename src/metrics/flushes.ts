// The summary of a table of empty flushes (fsync's cache flushes: PairResult.flushes for a
// recorded trace, the replayed ones for `run`): how many, how many completed, and their
// Q2C, Q2D and D2C latency summaries. Not the I/O figures: empty flushes carry no data and
// are counted apart from the bios, as btt leaves them out.
import { type IoTable, NONE } from '../trace/io-table.js';
import { type StageLatency, summarizeLatency } from './latency-summary.js';

export interface FlushSummary {
  /** Rows (empty flushes queued). */
  n: number;
  /** Of those, completed (tC seen). */
  completed: number;
  latency: StageLatency;
}

/** btt/inlines.h tdelta: a latency is at least 1 ns, as for the bios' latencies. */
function latencyNs(from: number, to: number): number {
  return from < to ? to - from : 1;
}

/** Summarises `t`; a row lacking either stamp of a latency is left out of that latency. */
export function summarizeFlushes(t: IoTable): FlushSummary {
  const n = t.length;
  const q2c = new Float64Array(n);
  const q2d = new Float64Array(n);
  const d2c = new Float64Array(n);
  let nQ2C = 0;
  let nQ2D = 0;
  let nD2C = 0;
  let completed = 0;
  for (let i = 0; i < n; i++) {
    const q = t.tQ[i];
    const d = t.tD[i];
    const c = t.tC[i];
    if (c !== NONE) completed++;
    if (q !== NONE && c !== NONE) q2c[nQ2C++] = latencyNs(q, c);
    if (q !== NONE && d !== NONE) q2d[nQ2D++] = latencyNs(q, d);
    if (d !== NONE && c !== NONE) d2c[nD2C++] = latencyNs(d, c);
  }
  return {
    n,
    completed,
    latency: {
      q2c_ns: summarizeLatency(q2c.subarray(0, nQ2C)),
      q2d_ns: summarizeLatency(q2d.subarray(0, nQ2D)),
      d2c_ns: summarizeLatency(d2c.subarray(0, nD2C)),
    },
  };
}
