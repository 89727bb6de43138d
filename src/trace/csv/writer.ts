// Writes events in the generic CSV schema (generic.ts, docs/formats.md), and a paired
// IoTable (then its empty flushes) as an ios CSV. Fields holding commas, quotes, line
// breaks or edge blanks are quoted (RFC 4180), so process names and messages read back
// unchanged.
import { open } from 'node:fs/promises';
import { UfqReplayError } from '../../errors.js';
import { AUX_COLUMN_OF, IOPRIO_CLASS_DICT } from '../arrow/dicts.js';
import {
  ACT,
  ACTION_NAME,
  devMajor,
  devMinor,
  type EventBatch,
  ioprioClass,
  ioprioLevel,
  OP_NAME,
  type StringTable,
  type TraceSource,
} from '../event.js';
import { type IoTable, NONE } from '../io-table.js';
import { ByteOut, utf8 } from './byte-out.js';
import { GENERIC_COLUMNS } from './generic.js';
import { rwbsOf } from './rwbs.js';

/** Quotes a field when a CSV reader could otherwise split, trim or misread it. */
export function csvField(s: string): string {
  if (s.length === 0) return s;
  const edge = (c: number) => c === 32 || c === 9;
  if (/[",\r\n]/.test(s) || edge(s.charCodeAt(0)) || edge(s.charCodeAt(s.length - 1)))
    return `"${s.replaceAll('"', '""')}"`;
  return s;
}

const COMMA = 44;
const NL = 10;
const COLON = 58;

/** Encoded names by code (ACT letters, OP names, ioprio classes). */
function codeBytes(names: Readonly<Record<number, string>> | readonly string[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [k, v] of Object.entries(names)) out[Number(k)] = utf8(v);
  return out;
}
const ACTION_BYTES = codeBytes(ACTION_NAME);
const OP_BYTES = codeBytes(OP_NAME);
const CLASS_BYTES = codeBytes(IOPRIO_CLASS_DICT.names);

/** CSV-ready bytes of interned strings (quoted where needed), built once per string. */
class StringBytes {
  private readonly cache: (Uint8Array | undefined)[] = [];
  constructor(private readonly strings: StringTable) {}
  get(i: number): Uint8Array {
    let b = this.cache[i];
    if (b === undefined) {
      b = utf8(csvField(this.strings.get(i)));
      this.cache[i] = b;
    }
    return b;
  }
}

const rwbsBytes = new Map<string, Uint8Array>();
function rwbs(op: number, flags: number, bytes: number): Uint8Array {
  const s = rwbsOf(op, flags, bytes);
  let b = rwbsBytes.get(s);
  if (b === undefined) {
    b = utf8(s);
    rwbsBytes.set(s, b);
  }
  return b;
}

/** `maj:min`, or nothing for 0 (unknown). */
function dev(o: ByteOut, d: number): void {
  if (d === 0) return;
  o.int(devMajor(d));
  o.byte(COLON);
  o.int(devMinor(d));
}

/** class,level,hint (include/uapi/linux/ioprio.h fields), or three empty fields for 0. */
function ioprio(o: ByteOut, p: number): void {
  if (p === 0) {
    o.byte(COMMA);
    o.byte(COMMA);
    return;
  }
  o.bytes(CLASS_BYTES[ioprioClass(p)]);
  o.byte(COMMA);
  o.int(ioprioLevel(p));
  o.byte(COMMA);
  o.int((p >> 3) & 0x3ff);
}

/** A number, or nothing when `x` is negative (NONE, unknown aux). */
function opt(o: ByteOut, x: number): void {
  if (x >= 0) o.int(x);
}

/** The aux columns in GENERIC_COLUMNS order, with the action's own one filled. */
function auxFields(o: ByteOut, action: number, aux: number, auxDev: number): void {
  const col = AUX_COLUMN_OF[action];
  if (col === 'latency_ns') opt(o, aux);
  o.byte(COMMA);
  if (col === 'split_sector') opt(o, aux);
  o.byte(COMMA);
  if (action === ACT.A) dev(o, auxDev);
  o.byte(COMMA);
  if (col === 'remap_sector') opt(o, aux);
  o.byte(COMMA);
  if (col === 'unplug_depth') opt(o, aux);
}

/** The header line of the generic schema (with its newline). */
export const EVENTS_CSV_HEADER = `${GENERIC_COLUMNS.join(',')}\n`;

/** Appends rows [0, n) of `b` as generic CSV lines. */
export function eventRowsCsv(o: ByteOut, b: EventBatch, n: number, names: StringBytes): void {
  for (let i = 0; i < n; i++) {
    const a = b.action[i];
    const op = b.op[i];
    o.int(b.timeNs[i]);
    o.byte(COMMA);
    o.bytes(ACTION_BYTES[a]);
    o.byte(COMMA);
    o.bytes(OP_BYTES[op]);
    o.byte(COMMA);
    o.bytes(rwbs(op, b.flags[i], b.bytes[i]));
    o.byte(COMMA);
    o.int(b.flags[i]);
    o.byte(COMMA);
    opt(o, b.sector[i]);
    o.byte(COMMA);
    o.int(b.bytes[i]);
    o.byte(COMMA);
    dev(o, b.dev[i]);
    o.byte(COMMA);
    o.bytes(names.get(b.volume[i]));
    o.byte(COMMA);
    o.int(b.cpu[i]);
    o.byte(COMMA);
    o.int(b.seq[i]);
    o.byte(COMMA);
    o.int(b.pid[i]);
    o.byte(COMMA);
    o.bytes(names.get(b.comm[i]));
    o.byte(COMMA);
    o.int(b.error[i]);
    o.byte(COMMA);
    ioprio(o, b.ioprio[i]);
    o.byte(COMMA);
    auxFields(o, a, b.aux[i], b.auxDev[i]);
    o.byte(COMMA);
    if (a === ACT.m) o.bytes(utf8(csvField(b.msg.get(i) ?? '')));
    o.byte(COMMA);
    o.int(b.src[i]);
    o.byte(COMMA);
    o.int(b.rec[i]);
    o.byte(NL);
  }
}

async function openOut(path: string) {
  try {
    return await open(path, 'w');
  } catch (e) {
    throw new UfqReplayError(
      'OUTPUT_UNWRITABLE',
      `cannot create the output file (${(e as NodeJS.ErrnoException).code})`,
      {
        file: path,
        hint: 'check that the directory exists and is writable',
        cause: e,
      },
    );
  }
}

export interface CsvWriteSummary {
  rows: number;
  bytes: number;
}

/**
 * Streams every event of `source` to `path` in the generic CSV schema. Throws
 * OUTPUT_UNWRITABLE when the file cannot be created; reader errors pass through.
 */
export async function writeEventsCsv(source: TraceSource, path: string): Promise<CsvWriteSummary> {
  const fh = await openOut(path);
  const o = new ByteOut();
  const names = new StringBytes(source.strings);
  let rows = 0;
  let bytes = 0;
  const flush = async () => {
    bytes += (await fh.write(o.take())).bytesWritten;
  };
  try {
    o.bytes(utf8(EVENTS_CSV_HEADER));
    for await (const b of source.batches()) {
      eventRowsCsv(o, b, b.length, names);
      rows += b.length;
      await flush();
    }
    await flush();
  } finally {
    await fh.close();
  }
  return { rows, bytes };
}

/** Columns of the ios CSV (trace-formats §6.2 names; times in ns, empty when not seen). */
export const IOS_CSV_COLUMNS = [
  'req',
  't_q',
  't_g',
  't_i',
  't_m',
  't_d',
  't_c',
  'dev',
  'volume',
  'op',
  'flags',
  'sector',
  'bytes',
  'pid',
  'comm',
  'cpu',
  'ioprio_class',
  'ioprio_level',
  'ioprio_hint',
  'merged_into',
  'requeues',
  'error',
] as const;

/** Rows per write: keeps the buffer around a few MB. */
const CHUNK_ROWS = 65536;

/** What writeIosCsv writes besides the I/O rows. */
export interface IosCsvOptions {
  /** Empty flushes (PairResult.flushes), written after the I/O rows with the same columns. */
  flushes?: IoTable;
}

/**
 * Writes a paired IoTable as CSV, one row per I/O, then the rows of `options.flushes`;
 * `req` numbers the file's rows, so the flush rows continue after the last I/O's.
 */
export async function writeIosCsv(
  t: IoTable,
  strings: StringTable,
  path: string,
  options: IosCsvOptions = {},
): Promise<CsvWriteSummary> {
  const fh = await openOut(path);
  const o = new ByteOut();
  const names = new StringBytes(strings);
  const tables = options.flushes === undefined ? [t] : [t, options.flushes];
  let bytes = 0;
  let rows = 0;
  try {
    o.bytes(utf8(`${IOS_CSV_COLUMNS.join(',')}\n`));
    for (const table of tables) {
      for (let from = 0; from < table.length; from += CHUNK_ROWS) {
        iosRowsCsv(o, table, from, Math.min(table.length, from + CHUNK_ROWS), rows, names);
        bytes += (await fh.write(o.take())).bytesWritten;
      }
      rows += table.length;
    }
    bytes += (await fh.write(o.take())).bytesWritten;
  } finally {
    await fh.close();
  }
  return { rows, bytes };
}

/** Appends rows [from, to) of `t` as ios CSV lines, row i numbered `req0 + i`. */
function iosRowsCsv(
  o: ByteOut,
  t: IoTable,
  from: number,
  to: number,
  req0: number,
  names: StringBytes,
): void {
  const field = (x: number) => {
    opt(o, x === NONE ? -1 : x);
    o.byte(COMMA);
  };
  for (let i = from; i < to; i++) {
    o.int(req0 + i);
    o.byte(COMMA);
    for (const col of [t.tQ, t.tG, t.tI, t.tM, t.tD, t.tC]) field(col[i]);
    dev(o, t.dev[i]);
    o.byte(COMMA);
    o.bytes(names.get(t.volume[i]));
    o.byte(COMMA);
    o.bytes(OP_BYTES[t.op[i]]);
    o.byte(COMMA);
    field(t.flags[i]);
    field(t.sector[i] < 0 ? NONE : t.sector[i]);
    field(t.bytes[i]);
    field(t.pid[i]);
    o.bytes(names.get(t.comm[i]));
    o.byte(COMMA);
    field(t.cpu[i]);
    ioprio(o, t.ioprio[i]);
    o.byte(COMMA);
    field(t.mergedInto[i]);
    field(t.requeues[i]);
    o.int(t.error[i]);
    o.byte(NL);
  }
}
