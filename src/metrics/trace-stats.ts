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
  const { tQ, tG, tI, tM, tD, tC } = ios;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  // One pass over the six stage columns (a maximum does not care about the order).
  for (let i = 0; i < n; i++) {
    const q = tQ[i];
    if (q !== NONE) {
      if (q < first) first = q;
      if (q > last) last = q;
    }
    const g = tG[i];
    if (g !== NONE && g > last) last = g;
    const s = tI[i];
    if (s !== NONE && s > last) last = s;
    const m = tM[i];
    if (m !== NONE && m > last) last = m;
    const d = tD[i];
    if (d !== NONE && d > last) last = d;
    const c = tC[i];
    if (c !== NONE && c > last) last = c;
  }
  return {
    format: info.format,
    records: info.records,
    bytes: info.bytes,
    ios: ios.length,
    durationNs: last >= first ? last - first : 0,
  };
}
