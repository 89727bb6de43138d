// Shared test helpers for the blktrace reader: in-memory input files, draining a source, a
// deliberately simple parser of blkparse's default text lines (whitespace split, independent
// of the project's blkparse reader), and hand-built v7 records laid out from the spec's table.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  type EventBatch,
  eventAt,
  newBatch,
  type StringTable,
  type TraceEvent,
  type TraceSource,
} from '../../../src/trace/event.js';
import type { InputFile } from '../../../src/trace/input.js';

/** An InputFile over bytes in memory, delivered in chunks of `chunk` bytes. */
export function memoryInput(path: string, bytes: Uint8Array, chunk = 1 << 20): InputFile {
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

/**
 * The same, read the way an uncompressed file on disk is (openReader into the decoder's
 * buffer), at most `chunk` bytes per read, so that records straddle reads.
 */
export function memoryFileInput(path: string, bytes: Uint8Array, chunk = 1 << 20): InputFile {
  return {
    ...memoryInput(path, bytes, chunk),
    async openReader() {
      let at = 0;
      return {
        async read(into: Uint8Array) {
          const n = Math.min(into.length, chunk, bytes.length - at);
          into.set(bytes.subarray(at, at + n));
          at += n;
          return n;
        },
        async close() {},
      };
    },
  };
}

/** Every event of a source as objects, plus the batches. */
export async function drain(src: TraceSource): Promise<{ events: TraceEvent[]; batches: EventBatch[] }> {
  const events: TraceEvent[] = [];
  const batches: EventBatch[] = [];
  for await (const b of src.batches()) {
    batches.push(b);
    for (let i = 0; i < b.length; i++) events.push(eventAt(b, i, src.strings));
  }
  return { events, batches };
}

/** One event line of blkparse's default output, as printed. */
export interface TextLine {
  dev: string;
  cpu: number;
  seq: number;
  timeNs: number;
  pid: number;
  action: string;
  rwbs: string;
  /** Printed sector, or null when the line has none. */
  sector: number | null;
  /** Printed sector count, or 0 when none is printed. */
  nrSectors: number;
  /** Bracketed name on lines that print one. */
  comm: string | null;
  /** Unplug depth (U/UT), split sector (X), origin sector (A). */
  extra: number | null;
  /** Origin device of an A line, `maj,min`. */
  fromDev: string | null;
}

/** blkparse's `seconds.nanoseconds` as integer ns. */
function parseTime(s: string): number {
  const [sec, ns] = s.split('.');
  return Number(sec) * 1e9 + Number(ns);
}

/** Parses a line, or returns null for anything that is not an event line (summary block). */
export function parseTextLine(line: string): TextLine | null {
  const tok = line.trim().split(/\s+/);
  if (tok.length < 7 || !/^\d+,\d+$/.test(tok[0]) || !/^\d+\.\d{9}$/.test(tok[3])) return null;
  const out: TextLine = {
    dev: tok[0],
    cpu: Number(tok[1]),
    seq: Number(tok[2]),
    timeNs: parseTime(tok[3]),
    pid: Number(tok[4]),
    action: tok[5],
    rwbs: tok[6],
    sector: null,
    nrSectors: 0,
    comm: null,
    extra: null,
    fromDev: null,
  };
  const tail = tok.slice(7);
  const open = line.indexOf('[');
  const close = line.lastIndexOf(']');
  if (open >= 0 && close > open) out.comm = line.slice(open + 1, close);
  if (tail.length >= 3 && tail[1] === '+') {
    out.sector = Number(tail[0]);
    out.nrSectors = Number(tail[2]);
    if (out.action === 'A') {
      out.fromDev = tail[4].replace(/[()]/g, '');
      out.extra = Number(tail[5]);
    }
  } else if (tail.length >= 3 && tail[1] === '/') {
    out.sector = Number(tail[0]);
    out.extra = Number(tail[2]);
  } else if (tail.length >= 1 && /^\d+$/.test(tail[0])) {
    out.sector = Number(tail[0]); // C/R with no length: "S [err]"
  } else if ((out.action === 'U' || out.action === 'UT') && tail.length >= 2) {
    out.extra = Number(tail[tail.length - 1]);
  }
  return out;
}

/** The event lines and the raw text of a gzip-compressed blkparse output in traces/. */
export function readBlkparseText(path: string): { lines: TextLine[]; text: string } {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const lines: TextLine[] = [];
  for (const l of text.split('\n')) {
    const p = parseTextLine(l);
    if (p) lines.push(p);
  }
  return { lines, text };
}

/** Header fields of a hand-built v7 record (trace-formats §1.3). */
export interface Fields {
  seq?: number;
  time?: number;
  sector?: number;
  bytes?: number;
  action: number;
  pid?: number;
  device?: number;
  cpu?: number;
  error?: number;
  pdu?: number[] | Uint8Array;
  /** Version byte of the magic word (default 7). */
  version?: number;
}

/**
 * One v7 record laid out by hand from the table in trace-formats §1.3, little-endian unless
 * `le` is false; independent of the project's writer.
 */
export function v7Record(f: Fields, le = true): Uint8Array {
  const pdu = Uint8Array.from(f.pdu ?? []);
  const out = new Uint8Array(48 + pdu.length);
  const v = new DataView(out.buffer);
  const u64 = (at: number, x: number) => {
    const hi = Math.floor(x / 2 ** 32);
    v.setUint32(at + (le ? 0 : 4), x % 2 ** 32, le);
    v.setUint32(at + (le ? 4 : 0), hi, le);
  };
  v.setUint32(0, 0x65617400 + (f.version ?? 7), le);
  v.setUint32(4, f.seq ?? 0, le);
  u64(8, f.time ?? 0);
  u64(16, f.sector ?? 0);
  v.setUint32(24, f.bytes ?? 0, le);
  v.setUint32(28, f.action, le);
  v.setUint32(32, f.pid ?? 0, le);
  v.setUint32(36, f.device ?? 0, le);
  v.setUint32(40, f.cpu ?? 0, le);
  v.setUint16(44, (f.error ?? 0) & 0xffff, le);
  v.setUint16(46, pdu.length, le);
  out.set(pdu, 48);
  return out;
}

/** Concatenates byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Splits a v7 little-endian byte stream into its records (48-byte header + pdu_len). */
export function splitRecords(bytes: Uint8Array): Uint8Array[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let o = 0; o + 48 <= bytes.length; ) {
    const n = 48 + v.getUint16(o + 46, true);
    out.push(bytes.subarray(o, o + n));
    o += n;
  }
  return out;
}

/** Decompressed bytes of a file in traces/. */
export function traceBytes(path: string): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(path)));
}

/** Byte-swaps every header field of one v7 record by its width (trace-formats §1.3). */
export function swapV7Header(rec: Uint8Array): Uint8Array {
  const out = Uint8Array.from(rec);
  const widths: Array<[number, number]> = [
    [0, 4],
    [4, 4],
    [8, 8],
    [16, 8],
    [24, 4],
    [28, 4],
    [32, 4],
    [36, 4],
    [40, 4],
    [44, 2],
    [46, 2],
  ];
  for (const [at, n] of widths) out.set(rec.slice(at, at + n).reverse(), at);
  return out;
}

/** One event as the property tests generate it (times absolute, codes as in event.ts). */
export interface GeneratedEvent {
  timeNs: number;
  action: number;
  op: number;
  flags: number;
  sector: number;
  bytes: number;
  pid: number;
  error: number;
  aux: number;
  auxDev: number;
  msg?: string;
}

/** Generated events as one batch on device `dev`, process names from `comm`. */
export function generatedBatch(
  evs: Array<GeneratedEvent & { cpu: number; seq: number }>,
  dev: number,
  strings: StringTable,
  comm: (pid: number) => string,
): EventBatch {
  const b = newBatch(Math.max(1, evs.length));
  evs.forEach((e, i) => {
    b.timeNs[i] = e.timeNs;
    b.cpu[i] = e.cpu;
    b.seq[i] = e.seq;
    b.dev[i] = dev;
    b.pid[i] = e.pid;
    b.comm[i] = strings.intern(comm(e.pid));
    b.action[i] = e.action;
    b.op[i] = e.op;
    b.flags[i] = e.flags;
    b.sector[i] = e.sector;
    b.bytes[i] = e.bytes;
    b.error[i] = e.error;
    b.aux[i] = e.aux;
    b.auxDev[i] = e.auxDev;
    if (e.msg !== undefined) b.msg.set(i, e.msg);
  });
  b.length = evs.length;
  return b;
}
