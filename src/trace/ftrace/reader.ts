// Two trace formats read from ftrace text (trace-formats §3, §7 items 3 and 5):
// 'ftrace-blk', the `blk` tracer's output, and 'tracepoint', block tracepoint events as
// ftrace `trace`, `trace-cmd report` or `perf script` print them. Both stream lines through
// their decoder; times are relative to the first event, integer ns.
import { openTextSource } from '../blkparse/text-source.js';
import type { TraceFormat } from '../format.js';
import { FtraceBlkDecoder } from './blk-decoder.js';
import { TracepointDecoder } from './tracepoint-decoder.js';

/** The ftrace context up to the timestamp's colon (trace-formats §3.3's tolerant pattern). */
const CONTEXT = String.raw`^\s*.*?[- ]\d+(?:/\d+)?\s+(?:\(\s*\d+\)\s+)?\[\d+\]\s+(?:\S{4,5}\s+)?\d+(?:\.\d+)?:\s+`;
/** A blk tracer body: `maj,min [cgroup] act rwbs` (letters or verbose names). */
const BLK_BODY = String.raw`\d+,\d+\s+(?:\S+\s+)?(?:[A-Z]{1,2}|m|[a-z_]{4,12})\s+[A-Z]+`;
const BLK_LINE = new RegExp(CONTEXT + BLK_BODY);
/** blk_classic: `maj,min cpu secs.nsecs pid act rwbs`, i.e. blkparse without the sequence. */
const BLK_CLASSIC = /^\s*\d+,\d+\s+\d+\s+\d+\.\d+\s+\d+\s+(?:[A-Z]{1,2}|m)\s+[A-Z]+/;
/** A block tracepoint event (perf script prefixes the system: `block:block_...`). */
const TP_LINE = new RegExp(`${CONTEXT}(?:block:)?(?:block|blk|blkdev|disk)_\\w+:`);

/** Share of the first non-comment lines that `re` matches, 0..1. */
function share(lines: string[], re: RegExp): number {
  let seen = 0;
  let hits = 0;
  for (const l of lines) {
    if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
    seen++;
    if (re.test(l)) hits++;
    if (seen >= 20) break;
  }
  return seen === 0 ? 0 : hits / seen;
}

function tracerHeader(lines: string[]): string | undefined {
  for (const l of lines) {
    const m = /^#\s*tracer:\s*(\S+)/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

function sniffBlk(_head: Uint8Array, lines: string[]): number {
  const tracer = tracerHeader(lines);
  if (tracer !== undefined && tracer !== 'blk') return 0;
  const hits = Math.max(share(lines, BLK_LINE), share(lines, BLK_CLASSIC));
  if (tracer === 'blk') return 0.95;
  if (lines.some((l) => l.startsWith('# DEV   CPU TIMESTAMP'))) return 0.95;
  return hits > 0 ? 0.5 + 0.4 * hits : 0;
}

function sniffTracepoint(_head: Uint8Array, lines: string[]): number {
  const hits = share(lines, TP_LINE);
  if (hits === 0) return 0;
  const tracer = tracerHeader(lines);
  if (tracer !== undefined && tracer !== 'nop') return 0.3 * hits;
  return 0.5 + 0.45 * hits;
}

export const ftraceBlkFormat: TraceFormat = {
  id: 'ftrace-blk',
  description: 'ftrace blk tracer text (current_tracer=blk; default, verbose or blk_classic)',
  sniff: sniffBlk,
  open(files, options) {
    return openTextSource(
      'ftrace-blk',
      files,
      options,
      (strings, report) => new FtraceBlkDecoder(strings, report),
    );
  },
};

export const tracepointFormat: TraceFormat = {
  id: 'tracepoint',
  description: 'block tracepoint text from ftrace trace, trace-cmd report or perf script',
  sniff: sniffTracepoint,
  open(files, options) {
    return openTextSource(
      'tracepoint',
      files,
      options,
      (strings, report) => new TracepointDecoder(strings, report),
    );
  },
};
