// The generic CSV schema (docs/formats.md "Generic CSV"): a header row names the columns,
// in any order; unknown columns are ignored. It carries every EventBatch field, so
// `convert --to csv` output reads back as the same events, and hand-made files need only
// a time, an operation, a position and a length. Decoding never throws: a bad field makes
// the row bad and names the column.

import { ACTION_DICT, AUX_COLUMN_OF, IOPRIO_CLASS_DICT, OP_DICT } from '../arrow/dicts.js';
import { ACT, devOf, type EventBatch, ioprioValue, NO_SECTOR, type StringTable } from '../event.js';
import { parseInt53, parseSecondsNs, parseUint } from './numbers.js';
import { parseRwbs } from './rwbs.js';

/** Every column the generic schema knows, in the order the writer writes them. */
export const GENERIC_COLUMNS = [
  'time_ns',
  'action',
  'op',
  'rwbs',
  'flags',
  'sector',
  'bytes',
  'dev',
  'volume',
  'cpu',
  'seq',
  'pid',
  'comm',
  'error',
  'ioprio_class',
  'ioprio_level',
  'ioprio_hint',
  'latency_ns',
  'split_sector',
  'remap_dev',
  'remap_sector',
  'unplug_depth',
  'msg',
  'src',
  'rec',
] as const;

/** Accepted on input besides GENERIC_COLUMNS: alternatives for the required ones. */
const ALTERNATIVES = ['time_s', 'offset_bytes', 'nr_sectors'] as const;

type Name = (typeof GENERIC_COLUMNS)[number] | (typeof ALTERNATIVES)[number];

/** Each required field, and the columns any one of which supplies it. */
export const GENERIC_REQUIRED: readonly (readonly Name[])[] = [
  ['time_ns', 'time_s'],
  ['op', 'rwbs'],
  ['sector', 'offset_bytes'],
  ['bytes', 'nr_sectors'],
];

const KNOWN = new Set<string>([...GENERIC_COLUMNS, ...ALTERNATIVES]);

/** Header -> column positions. `missing` lists required fields no column supplies. */
export interface GenericLayout {
  at: Partial<Record<Name, number>>;
  missing: string[];
  /** True when the first record looks like this header (has a time column name). */
  isHeader: boolean;
}

export function genericLayout(header: string[]): GenericLayout {
  const at: Partial<Record<Name, number>> = {};
  header.forEach((h, i) => {
    const name = h.trim().toLowerCase();
    if (KNOWN.has(name) && at[name as Name] === undefined) at[name as Name] = i;
  });
  const missing = GENERIC_REQUIRED.filter((alts) => alts.every((a) => at[a] === undefined)).map((alts) =>
    alts.join(' or '),
  );
  return { at, missing, isHeader: at.time_ns !== undefined || at.time_s !== undefined };
}

const SECTOR_BYTES = 512;
const U16 = 0xffff;
const U32 = 0xffffffff;

/** "8:0", "8,0" (major,minor) or a kernel dev_t integer; '' = 0 (unknown). NaN if bad. */
export function parseDev(s: string): number {
  if (s.length === 0) return 0;
  const sep = s.indexOf(':') >= 0 ? s.indexOf(':') : s.indexOf(',');
  if (sep < 0) {
    const v = parseUint(s);
    return v <= U32 ? v : Number.NaN;
  }
  const major = parseUint(s.slice(0, sep));
  const minor = parseUint(s.slice(sep + 1));
  // include/linux/kdev_t.h: 12 major bits, 20 minor bits in the kernel's dev_t.
  if (!(major < 4096 && minor < 1048576)) return Number.NaN;
  return devOf(major, minor);
}

function uint(s: string, max: number, dflt: number): number {
  if (s.length === 0) return dflt;
  const v = parseUint(s);
  return v <= max ? v : Number.NaN;
}

/** Field `k` of a record: undefined when the header has no such column, '' when the row is short. */
function fieldAt(f: string[], k: number | undefined): string | undefined {
  return k === undefined ? undefined : (f[k] ?? '');
}

/** An optional unsigned column: `dflt` when absent or empty, NaN when bad or above `max`. */
function uintAt(f: string[], k: number | undefined, max: number, dflt: number): number {
  const s = k === undefined ? undefined : f[k];
  return s === undefined ? dflt : uint(s, max, dflt);
}

/**
 * Decodes one record into row `i` of `b`. Returns the name of the first bad column, or null.
 * `rowIndex` is the record's index in the file (the default `rec`).
 */
export function decodeGenericRow(
  f: string[],
  layout: GenericLayout,
  b: EventBatch,
  i: number,
  strings: StringTable,
  rowIndex: number,
): string | null {
  const at = layout.at;

  // Time.
  let t: number;
  if (at.time_ns !== undefined) {
    t = parseUint(f[at.time_ns] ?? '');
    if (Number.isNaN(t)) return 'time_ns';
  } else {
    t = parseSecondsNs(f[at.time_s!] ?? '');
    if (Number.isNaN(t)) return 'time_s';
  }
  b.timeNs[i] = t;

  // Action (IO when the file has no action column).
  const act = fieldAt(f, at.action);
  let action: number = ACT.IO;
  if (act !== undefined && act.length > 0) {
    const a = ACTION_DICT.codeOf.get(act);
    if (a === undefined) return 'action';
    action = a;
  }
  b.action[i] = action;

  // Operation and flags: op + flags when given, else what rwbs says.
  const opName = fieldAt(f, at.op);
  const rwbs = fieldAt(f, at.rwbs);
  const parsed = rwbs !== undefined && rwbs.length > 0 ? parseRwbs(rwbs) : undefined;
  if (opName !== undefined && opName.length > 0) {
    const o = OP_DICT.codeOf.get(opName) ?? OP_DICT.codeOf.get(opName.toLowerCase());
    if (o === undefined) return 'op';
    b.op[i] = o;
  } else if (parsed) b.op[i] = parsed.op;
  else return opName !== undefined ? 'op' : 'rwbs';
  const flags = uintAt(f, at.flags, U16, -1);
  if (Number.isNaN(flags)) return 'flags';
  b.flags[i] = flags >= 0 ? flags : (parsed?.flags ?? 0);

  // Position and length.
  if (at.sector !== undefined) {
    const s = f[at.sector] ?? '';
    const v = s.length === 0 ? NO_SECTOR : parseUint(s);
    if (Number.isNaN(v)) return 'sector';
    b.sector[i] = v;
  } else {
    const s = f[at.offset_bytes!] ?? '';
    const v = s.length === 0 ? NO_SECTOR : Math.floor(parseUint(s) / SECTOR_BYTES);
    if (Number.isNaN(v)) return 'offset_bytes';
    b.sector[i] = v;
  }
  if (at.bytes !== undefined) {
    const v = uint(f[at.bytes] ?? '', U32, Number.NaN);
    if (Number.isNaN(v)) return 'bytes';
    b.bytes[i] = v;
  } else {
    const v = uint(f[at.nr_sectors!] ?? '', U32 / SECTOR_BYTES, Number.NaN) * SECTOR_BYTES;
    if (Number.isNaN(v)) return 'nr_sectors';
    b.bytes[i] = v;
  }

  // Who and where.
  const dev = parseDev(fieldAt(f, at.dev) ?? '');
  if (Number.isNaN(dev)) return 'dev';
  b.dev[i] = dev;
  b.volume[i] = at.volume === undefined ? 0 : strings.intern(f[at.volume] ?? '');
  b.comm[i] = at.comm === undefined ? 0 : strings.intern(f[at.comm] ?? '');
  const cpu = uintAt(f, at.cpu, U16, 0);
  if (Number.isNaN(cpu)) return 'cpu';
  const seq = uintAt(f, at.seq, U32, 0);
  if (Number.isNaN(seq)) return 'seq';
  const pid = uintAt(f, at.pid, U32, 0);
  if (Number.isNaN(pid)) return 'pid';
  const src = uintAt(f, at.src, U16, 0);
  if (Number.isNaN(src)) return 'src';
  const rec = uintAt(f, at.rec, 2 ** 53, rowIndex);
  if (Number.isNaN(rec)) return 'rec';
  b.cpu[i] = cpu;
  b.seq[i] = seq;
  b.pid[i] = pid;
  b.src[i] = src;
  b.rec[i] = rec;
  const err = fieldAt(f, at.error) ?? '';
  const errV = err.length === 0 ? 0 : parseInt53(err);
  if (!(errV >= -0x80000000 && errV <= 0x7fffffff)) return 'error';
  b.error[i] = errV;

  // I/O priority (include/uapi/linux/ioprio.h fields).
  const cls = fieldAt(f, at.ioprio_class) ?? '';
  if (cls.length > 0) {
    const c =
      IOPRIO_CLASS_DICT.codeOf.get(cls) ??
      IOPRIO_CLASS_DICT.codeOf.get(cls.toLowerCase()) ??
      uint(cls, 7, Number.NaN);
    if (Number.isNaN(c)) return 'ioprio_class';
    const level = uintAt(f, at.ioprio_level, 7, 0);
    if (Number.isNaN(level)) return 'ioprio_level';
    const hint = uintAt(f, at.ioprio_hint, 0x3ff, 0);
    if (Number.isNaN(hint)) return 'ioprio_hint';
    b.ioprio[i] = ioprioValue(c, level, hint);
  } else b.ioprio[i] = 0;

  // The per-action number (latency, split or origin sector, unplug depth).
  const auxCol = AUX_COLUMN_OF[action];
  b.aux[i] = 0;
  b.auxDev[i] = 0;
  if (auxCol !== undefined) {
    const v = uintAt(f, at[auxCol], auxCol === 'unplug_depth' ? U32 : 2 ** 53, -1);
    if (Number.isNaN(v)) return auxCol;
    b.aux[i] = v;
  }
  if (action === ACT.A) {
    const d = parseDev(fieldAt(f, at.remap_dev) ?? '');
    if (Number.isNaN(d)) return 'remap_dev';
    b.auxDev[i] = d;
  }
  if (action === ACT.m) b.msg.set(i, fieldAt(f, at.msg) ?? '');
  else if (b.msg.size > 0) b.msg.delete(i);
  return null;
}
