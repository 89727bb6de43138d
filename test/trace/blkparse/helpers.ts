// Shared helpers for the text-reader tests: text in memory as an InputFile, reading a format
// back into event objects, and the sample traces' text.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  BATCH_ROWS,
  eventAt,
  type TraceEvent,
  type TraceInfo,
  type TraceSource,
} from '../../../src/trace/event.js';
import type { TraceFormat } from '../../../src/trace/format.js';
import type { InputFile } from '../../../src/trace/input.js';

/** An InputFile over `text` in memory, delivered in chunks of `chunk` bytes. */
export function memoryFile(text: string | Uint8Array, path = 'memory.txt', chunk = 1 << 20): InputFile {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return {
    path,
    gzip: false,
    size: bytes.length,
    head: bytes.subarray(0, 64 * 1024),
    async *chunks() {
      for (let o = 0; o < bytes.length; o += chunk) yield bytes.slice(o, Math.min(bytes.length, o + chunk));
    },
  };
}

/** Every event of a source, as objects. */
export async function drainEvents(src: TraceSource): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  for await (const b of src.batches())
    for (let i = 0; i < b.length; i++) events.push(eventAt(b, i, src.strings));
  return events;
}

/** Reads `text` with `format`; returns the events and the final info. */
export async function readText(
  format: TraceFormat,
  text: string,
  options: { chunk?: number; batchRows?: number; path?: string } = {},
): Promise<{ events: TraceEvent[]; info: TraceInfo }> {
  const src = format.open([memoryFile(text, options.path, options.chunk)], {
    batchRows: options.batchRows ?? BATCH_ROWS,
  });
  const events = await drainEvents(src);
  return { events, info: src.info };
}

/** The decompressed text of a file in traces/. */
export function traceText(name: string): string {
  return gunzipSync(readFileSync(`traces/${name}`)).toString('utf8');
}

/** Count of each action letter among `events`. */
export function countActions(events: TraceEvent[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const e of events) c[e.action] = (c[e.action] ?? 0) + 1;
  return c;
}

/** Operations blkparse counts on its "Write" side (the WRITE category bit, trace-formats §2.5). */
export const WRITE_OPS = new Set(['write', 'discard', 'secure_erase', 'write_zeroes']);

/** blkparse summary rows: label (read side's) -> [read, write]; `<label> KiB` for amounts. */
export interface Totals {
  [label: string]: [number, number]; // read, write
}

/** blkparse prints counts with thousands separators; K/M suffixes would hide the exact value. */
function num(s: string): number {
  if (!/^[\d,]+$/.test(s)) throw new Error(`summary value ${s} is scaled; exact count unknown`);
  return Number(s.replaceAll(',', ''));
}

/** `label:  count[, NKiB]` (a count never ends with its thousands separator). */
const ROW = /^\s*(.+?):\s+(\d[\d,]*\d|\d)(?:,\s+(\d[\d,]*\d|\d)KiB)?/;

/** The "Total (...)" block, or the only CPU block, of blkparse's summary: label -> [read, write]. */
export function parseSummary(text: string): { totals: Totals; events: number } {
  const lines = text.split('\n');
  let start = lines.findIndex((l) => l.startsWith('Total ('));
  if (start < 0) start = lines.findIndex((l) => /^CPU\d+ \(/.test(l));
  const totals: Totals = {};
  for (let i = start + 1; i < lines.length && lines[i].startsWith(' '); i++) {
    // " Reads Queued:        5870,   141352KiB\t Writes Queued: ..." -> two halves at the tab.
    const [left, right] = lines[i].split('\t').filter((h) => h.trim() !== '');
    const lm = ROW.exec(left);
    const rm = ROW.exec(right);
    if (!lm || !rm) continue;
    totals[lm[1]] = [num(lm[2]), num(rm[2])];
    if (lm[3] !== undefined) totals[`${lm[1]} KiB`] = [num(lm[3]), num(rm[3])];
  }
  const ev = /^Events \(.*\): (\d+) entries/m.exec(text);
  return { totals, events: Number(ev?.[1]) };
}
