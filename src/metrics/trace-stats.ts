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
  const stages = [ios.tQ, ios.tG, ios.tI, ios.tM, ios.tD, ios.tC];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ios.length; i++) {
    if (ios.tQ[i] !== NONE && ios.tQ[i] < first) first = ios.tQ[i];
    for (const col of stages) if (col[i] !== NONE && col[i] > last) last = col[i];
  }
  return {
    format: info.format,
    records: info.records,
    bytes: info.bytes,
    ios: ios.length,
    durationNs: last >= first ? last - first : 0,
  };
}
