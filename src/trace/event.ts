// The normalised trace event, held column-wise in batches (trace-formats §6.1).
// Every reader produces EventBatch objects; nothing downstream knows the source format.
// Columns are typed arrays so that millions of records stream without an object each;
// `eventAt` gives an object view for tests and rare paths.
import type { ErrorWhere } from '../errors.js';

/** Action codes. 1..17 are the kernel's __BLK_TA_* values (include/uapi/linux/blktrace_api.h). */
export const ACT = {
  Q: 1, // QUEUE: bio submitted
  M: 2, // BACKMERGE (also request-request merge)
  F: 3, // FRONTMERGE
  G: 4, // GETRQ
  S: 5, // SLEEPRQ (legacy)
  R: 6, // REQUEUE
  D: 7, // ISSUE
  C: 8, // COMPLETE
  P: 9, // PLUG
  U: 10, // UNPLUG_IO
  UT: 11, // UNPLUG_TIMER
  I: 12, // INSERT
  X: 13, // SPLIT
  B: 14, // BOUNCE
  A: 15, // REMAP
  ABORT: 16,
  DRV: 17, // DRV_DATA
  ZP: 18, // ZONE_PLUG (v8)
  ZU: 19, // ZONE_UNPLUG (v8)
  m: 32, // message (notify MESSAGE record, or a text message line)
  IO: 33, // one already-paired I/O from a format without Q..C detail (CSV, iolog)
} as const;
export type ActionCode = (typeof ACT)[keyof typeof ACT];

/** Letter of each action code, as blkparse prints it. */
export const ACTION_NAME: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ACT).map(([k, v]) => [v, k]),
);

/**
 * Operation codes: the kernel's REQ_OP_* numbers (include/linux/blk_types.h) where one exists.
 * OP.NONE is for events that carry no operation (plug, unplug, messages, 'N' rwbs).
 */
export const OP = {
  READ: 0,
  WRITE: 1,
  FLUSH: 2,
  DISCARD: 3,
  SECURE_ERASE: 5,
  ZONE_APPEND: 7,
  WRITE_ZEROES: 9,
  ZONE_OPEN: 10,
  ZONE_CLOSE: 11,
  ZONE_FINISH: 12,
  ZONE_RESET: 13,
  ZONE_RESET_ALL: 15,
  NONE: 255,
} as const;
export type OpCode = (typeof OP)[keyof typeof OP];

export const OP_NAME: Readonly<Record<number, string>> = {
  0: 'read',
  1: 'write',
  2: 'flush',
  3: 'discard',
  5: 'secure_erase',
  7: 'zone_append',
  9: 'write_zeroes',
  10: 'zone_open',
  11: 'zone_close',
  12: 'zone_finish',
  13: 'zone_reset',
  15: 'zone_reset_all',
  255: 'none',
};

/** Flag bits of the `flags` column (trace-formats §6.1). */
export const FLAG = {
  SYNC: 1 << 0,
  META: 1 << 1,
  RAHEAD: 1 << 2,
  FUA: 1 << 3,
  PREFLUSH: 1 << 4,
  ATOMIC: 1 << 5,
  PC: 1 << 6,
  FS: 1 << 7,
  CGROUP: 1 << 8,
  /** I/O-table rows only: the kernel split this bio (X events); its D and C are those of its first and last piece. */
  SPLIT: 1 << 9,
} as const;

/**
 * I/O priority, encoded as the kernel encodes it (include/uapi/linux/ioprio.h):
 * class << 13 | hint << 3 | level. Class 0 (none) also stands for "not known".
 */
export const IOPRIO_CLASS = { NONE: 0, RT: 1, BE: 2, IDLE: 3 } as const;
export const IOPRIO_CLASS_NAME = ['none', 'rt', 'be', 'idle'] as const;
export type IoprioClassName = (typeof IOPRIO_CLASS_NAME)[number];
export const IOPRIO_CLASS_SHIFT = 13;
export function ioprioValue(cls: number, level: number, hint = 0): number {
  return ((cls & 7) << IOPRIO_CLASS_SHIFT) | ((hint & 0x3ff) << 3) | (level & 7);
}
export function ioprioClass(ioprio: number): number {
  return (ioprio >> IOPRIO_CLASS_SHIFT) & 7;
}
export function ioprioLevel(ioprio: number): number {
  return ioprio & 7;
}

/** Kernel dev_t encoding (major << 20 | minor), as blktrace records it. */
export function devOf(major: number, minor: number): number {
  return ((major << 20) | (minor & 0xfffff)) >>> 0;
}
export function devMajor(dev: number): number {
  return dev >>> 20;
}
export function devMinor(dev: number): number {
  return dev & 0xfffff;
}
export function devName(dev: number): string {
  return `${devMajor(dev)},${devMinor(dev)}`;
}

/** "No sector": flushes, plugs, messages, the all-ones flush sector of tracepoints. */
export const NO_SECTOR = -1;

/**
 * Interned strings (process names, volumes, messages). Index 0 is always the empty string,
 * meaning "unknown".
 */
export class StringTable {
  readonly values: string[] = [''];
  private readonly index = new Map<string, number>([['', 0]]);

  intern(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  get(i: number): string {
    return this.values[i] ?? '';
  }
}

/** A batch of events in columns. All arrays have at least `length` valid entries. */
export interface EventBatch {
  length: number;
  /** Time in integer ns relative to the trace's genesis (first event). */
  timeNs: Float64Array;
  /** Index of the source file the record came from (TraceInfo.files). */
  src: Uint16Array;
  /** Record index within its source file (stable tie-break; Arrow `rec`). */
  rec: Float64Array;
  /** Kernel dev_t of the traced device; 0 where unknown. */
  dev: Uint32Array;
  /** Non-Linux device identity (StringTable index: `hm_0`, `alibaba:17`); 0 = none. */
  volume: Uint32Array;
  cpu: Uint16Array;
  /** blktrace sequence; 0 where none. */
  seq: Uint32Array;
  pid: Uint32Array;
  /** Process name (StringTable index); 0 = unknown. */
  comm: Uint32Array;
  /** ACT code. */
  action: Uint8Array;
  /** OP code. */
  op: Uint8Array;
  /** FLAG bits. */
  flags: Uint16Array;
  /** Start sector (512 B); NO_SECTOR where the event has none. */
  sector: Float64Array;
  /** Length in bytes. */
  bytes: Uint32Array;
  /** Negative errno (int16 decode of the blktrace field); 0 = success. */
  error: Int32Array;
  /** Kernel-encoded I/O priority (see ioprioValue); 0 = none/unknown. */
  ioprio: Uint16Array;
  /**
   * Per-action extra number: X = split sector, A = origin sector, U/UT = unplug depth,
   * IO = latency in ns supplied by the source (or -1 when unknown). 0 otherwise.
   */
  aux: Float64Array;
  /** A = origin device (dev_t). 0 otherwise. */
  auxDev: Uint32Array;
  /** Message text for `m` events, by row index within the batch. */
  msg: Map<number, string>;
}

/** The same event as a plain object (tests, error messages, rare paths). */
export interface TraceEvent {
  timeNs: number;
  src: number;
  rec: number;
  dev: number;
  volume: string;
  cpu: number;
  seq: number;
  pid: number;
  comm: string;
  action: string;
  op: string;
  flags: number;
  /** null where the event has no sector. */
  sector: number | null;
  bytes: number;
  error: number;
  ioprio: number;
  aux: number;
  auxDev: number;
  msg?: string;
}

const COLUMNS = {
  timeNs: Float64Array,
  src: Uint16Array,
  rec: Float64Array,
  dev: Uint32Array,
  volume: Uint32Array,
  cpu: Uint16Array,
  seq: Uint32Array,
  pid: Uint32Array,
  comm: Uint32Array,
  action: Uint8Array,
  op: Uint8Array,
  flags: Uint16Array,
  sector: Float64Array,
  bytes: Uint32Array,
  error: Int32Array,
  ioprio: Uint16Array,
  aux: Float64Array,
  auxDev: Uint32Array,
} as const;
export type ColumnName = keyof typeof COLUMNS;
export const COLUMN_NAMES = Object.keys(COLUMNS) as ColumnName[];

/** Default rows per batch (trace-formats §6.3 suggests ~64 K). */
export const BATCH_ROWS = 65536;

/** A new, empty batch with room for `capacity` rows. */
export function newBatch(capacity = BATCH_ROWS): EventBatch {
  return batchOf(0, new Map<number, string>(), (name) => new COLUMNS[name](capacity));
}

/**
 * A batch of `length` rows whose column `name` is `column(name)`. Spelled out as one object
 * literal so that V8 keeps it a fast-properties object: adding many properties one by one
 * by computed name turns an object into a hash table, and every column access in the
 * readers' and the pairing's loops would then pay a lookup.
 */
export function batchOf(
  length: number,
  msg: Map<number, string>,
  column: (name: ColumnName) => ArrayBufferView,
): EventBatch {
  return {
    length,
    timeNs: column('timeNs') as Float64Array,
    src: column('src') as Uint16Array,
    rec: column('rec') as Float64Array,
    dev: column('dev') as Uint32Array,
    volume: column('volume') as Uint32Array,
    cpu: column('cpu') as Uint16Array,
    seq: column('seq') as Uint32Array,
    pid: column('pid') as Uint32Array,
    comm: column('comm') as Uint32Array,
    action: column('action') as Uint8Array,
    op: column('op') as Uint8Array,
    flags: column('flags') as Uint16Array,
    sector: column('sector') as Float64Array,
    bytes: column('bytes') as Uint32Array,
    error: column('error') as Int32Array,
    ioprio: column('ioprio') as Uint16Array,
    aux: column('aux') as Float64Array,
    auxDev: column('auxDev') as Uint32Array,
    msg,
  };
}

/** Capacity (rows) of a batch's columns. */
export function batchCapacity(b: EventBatch): number {
  return b.timeNs.length;
}

/** Copies row `i` of `from` to row `j` of `to` (no bounds growth). */
export function copyRow(from: EventBatch, i: number, to: EventBatch, j: number): void {
  for (const name of COLUMN_NAMES) (to[name] as Float64Array)[j] = (from[name] as Float64Array)[i];
  const m = from.msg.get(i);
  if (m !== undefined) to.msg.set(j, m);
}

/** Row `i` of a batch as an object; `strings` resolves comm and volume. */
export function eventAt(b: EventBatch, i: number, strings: StringTable): TraceEvent {
  const e: TraceEvent = {
    timeNs: b.timeNs[i],
    src: b.src[i],
    rec: b.rec[i],
    dev: b.dev[i],
    volume: strings.get(b.volume[i]),
    cpu: b.cpu[i],
    seq: b.seq[i],
    pid: b.pid[i],
    comm: strings.get(b.comm[i]),
    action: ACTION_NAME[b.action[i]] ?? `?${b.action[i]}`,
    op: OP_NAME[b.op[i]] ?? `?${b.op[i]}`,
    flags: b.flags[i],
    sector: b.sector[i] === NO_SECTOR ? null : b.sector[i],
    bytes: b.bytes[i],
    error: b.error[i],
    ioprio: b.ioprio[i],
    aux: b.aux[i],
    auxDev: b.auxDev[i],
  };
  const m = b.msg.get(i);
  if (m !== undefined) e.msg = m;
  return e;
}

/** Counted warnings: reason -> count. Printed at the end of every command. */
export type WarningCounts = Record<string, number>;

export function countWarning(w: WarningCounts, reason: string, n = 1): void {
  w[reason] = (w[reason] ?? 0) + n;
}

/** What a reader knows about its input, final once its batches are exhausted. */
export interface TraceInfo {
  /** Detected or forced format id (see trace/sniff.ts). */
  format: string;
  /** Source files, in `src` index order. */
  files: string[];
  /** Bytes read (decompressed) and records or lines seen. */
  bytes: number;
  records: number;
  lines: number;
  /** Records skipped or suspicious, by reason. */
  warnings: WarningCounts;
  /** Where each warning reason was first seen (file and line or byte offset), when known. */
  warningWhere?: Record<string, ErrorWhere>;
  /** Absolute monotonic ns of the genesis (blktrace), when known. */
  originMonoNs?: number;
  /** Wall-clock ns since the Unix epoch of the genesis, when known. */
  originWallNs?: number;
  /** 'le' or 'be' for binary sources. */
  byteOrder?: 'le' | 'be';
  /** Lost events per "dev,cpu" from blktrace sequence gaps. */
  lostEvents?: Record<string, number>;
  /** True when the format has Q..C detail (blktrace, blkparse, ftrace); false for CSV/iolog. */
  hasStages: boolean;
}

/** A trace opened for reading: stream its batches once; `info` is final afterwards. */
export interface TraceSource {
  readonly info: TraceInfo;
  /** Process names, volumes and other interned strings referenced by the batches. */
  readonly strings: StringTable;
  batches(): AsyncIterable<EventBatch>;
  /**
   * Optional: about how many events the source will yield, judged from its file sizes before
   * reading (it may be high or low), so that consumers can size their tables once.
   */
  readonly eventsHint?: number;
  /**
   * Optional: hands back a batch the consumer is done with (it keeps no reference to it), so
   * that the reader refills it instead of allocating and zeroing fresh columns.
   */
  recycle?(batch: EventBatch): void;
}
