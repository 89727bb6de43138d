// What a report says about a replayed trace: its format, how much was read, how many I/Os
// were replayed and how long the recording lasted. Read from the reader's TraceInfo and the
// recorded I/O table, so that a report needs nothing but the results.
import type { TraceInfo } from '../trace/event.js';
import { type IoTable, NONE } from '../trace/io-table.js';

export interface TraceStats {
  /** Format id the trace was read as. */
  format: string;
  /** Events decoded, and bytes read after decompression. */
  records: number;
  bytes: number;
  /** I/Os replayed (one device, rows with a Q). */
  ios: number;
  /** Recorded span: first Q to the last recorded stage time of any I/O, ns. */
  durationNs: number;
}

export function traceStats(ios: IoTable, info: TraceInfo): TraceStats {
  const n = ios.length;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const tQ = ios.tQ;
  for (let i = 0; i < n; i++) if (tQ[i] !== NONE && tQ[i] < first) first = tQ[i];
  // Column by column: one sequential pass each (a maximum does not care about the order).
  for (const col of [ios.tQ, ios.tG, ios.tI, ios.tM, ios.tD, ios.tC])
    for (let i = 0; i < n; i++) if (col[i] !== NONE && col[i] > last) last = col[i];
  return {
    format: info.format,
    records: info.records,
    bytes: info.bytes,
    ios: ios.length,
    durationNs: last >= first ? last - first : 0,
  };
}
