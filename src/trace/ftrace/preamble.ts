// Lines around the events that ftrace `trace`, `trace-cmd report` and `perf script` print:
// `#` headers and comments (`# tracer: nop`, `##### CPU 2 buffer started ####`), trace-cmd's
// `cpus=N`, `version = N` and `CPU N is empty`, and the lost-events marker
// `CPU:N [LOST n EVENTS]` (kernel/trace/trace.c; trace-cmd prints the same).
import { CH, type Cursor, isDigit } from '../blkparse/scan.js';
import type { LineReport } from '../blkparse/text-source.js';

/** Warning reason for events the tracer dropped (ring-buffer overrun). */
export const LOST_EVENTS = 'ftrace: events lost by the tracer (ring buffer overrun)';
/** Warning reason for a lost-events marker without a count (one per marker). */
export const LOST_UNCOUNTED = 'ftrace: events lost by the tracer, count not printed';

/**
 * Key of TraceInfo.lostEvents for ftrace losses: the device is not known, only the CPU,
 * so the key is `*,<cpu>`.
 */
export function lostKey(cpu: number): string {
  return `*,${cpu}`;
}

/**
 * True when the line (cursor at its first non-blank) is one of the non-event lines above;
 * lost events are counted into `report` on the way. Leaves the cursor where it was otherwise.
 */
export function ftraceNonEvent(k: Cursor, lineNo: number, report: LineReport): boolean {
  const i = k.p;
  const c = k.at();
  if (c === CH.HASH) return true;
  if (c !== 67 && c !== 99 && c !== 118) return false; // 'C', 'c', 'v': the only other openings
  if (k.startsWith('CPU:')) return lostEventsLine(k, lineNo, report);
  if (k.startsWith('cpus=') || k.startsWith('version = ')) return true;
  if (k.startsWith('CPU ') && i + 4 < k.n && isDigit(k.s[i + 4]))
    return k.text(i, k.n).trimEnd().endsWith(' is empty');
  return false;
}

/** `CPU:N [LOST n EVENTS]`, or `CPU:N [LOST EVENTS]` when the tracer could not count them. */
function lostEventsLine(k: Cursor, lineNo: number, report: LineReport): boolean {
  const start = k.p;
  k.p += 4;
  const cpu = k.uint();
  k.spaces();
  if (k.digits === 0 || !k.startsWith('[LOST')) {
    k.p = start;
    return false;
  }
  k.p += 5;
  k.spaces();
  const n = k.uint();
  if (k.digits === 0) report.skip(LOST_UNCOUNTED, lineNo);
  else {
    report.lost(lostKey(cpu), n);
    report.skip(LOST_EVENTS, lineNo, n);
  }
  return true;
}
