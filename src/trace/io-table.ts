// One row per I/O after pairing (trace-formats §6.2): the replay's input and `convert --ios`.
// A row is one incoming bio (a Q), as btt counts I/Os; a bio merged into another request
// keeps its own row with `mergedInto` naming the row whose request absorbed it.
// Columns are growable typed arrays: no object per I/O.

/** Absent stage time or link. */
export const NONE = -1;

const IO_COLUMNS = {
  /** Stage times, integer ns relative to genesis; NONE when the stage was not seen. */
  tQ: Float64Array,
  tG: Float64Array,
  tI: Float64Array,
  tM: Float64Array,
  tD: Float64Array,
  tC: Float64Array,
  /** Kernel dev_t; 0 where unknown. */
  dev: Uint32Array,
  /** StringTable index of a non-Linux volume; 0 = none. */
  volume: Uint32Array,
  /** OP code (trace/event.ts). */
  op: Uint8Array,
  /** FLAG bits (trace/event.ts). */
  flags: Uint16Array,
  /** Start sector (512 B); NONE for no-sector I/Os (empty flushes). */
  sector: Float64Array,
  bytes: Uint32Array,
  /** Submitting task, from the Q event. */
  pid: Uint32Array,
  /** StringTable index of the process name; 0 = unknown. */
  comm: Uint32Array,
  /** CPU of the Q event (the software context the bio entered). */
  cpu: Uint16Array,
  /** Kernel-encoded I/O priority (trace/event.ts ioprioValue); 0 = none/unknown. */
  ioprio: Uint16Array,
  /** Row index of the I/O whose request this bio was merged into; NONE if not merged. */
  mergedInto: Float64Array,
  /** How many times the request carrying this I/O was requeued (R events). */
  requeues: Uint16Array,
  /** Negative errno from the completion; 0 = success. */
  error: Int32Array,
} as const;

export type IoColumnName = keyof typeof IO_COLUMNS;
export const IO_COLUMN_NAMES = Object.keys(IO_COLUMNS) as IoColumnName[];
export type IoColumns = { [K in IoColumnName]: InstanceType<(typeof IO_COLUMNS)[K]> };

/** A table of I/Os; `length` rows are valid, columns may be longer (spare capacity). */
export interface IoTable extends IoColumns {
  length: number;
}

/** Growable builder for an IoTable. `push()` returns the new row index, all columns zeroed
 * except stage times, sector and mergedInto, which start at NONE. */
export class IoTableBuilder {
  table: IoTable;

  /**
   * `capacity`: rows to make room for up front. A generous estimate costs address space
   * only: the columns share one zero-filled allocation, and pages no row reaches are never
   * touched (large allocations are mapped lazily). Too small an estimate costs a grow-by-copy.
   */
  constructor(capacity = 1024) {
    this.table = allocate(Math.max(16, Math.ceil(capacity)));
  }

  push(): number {
    if (this.table.length === this.table.tQ.length) this.grow(this.table.length * 2);
    const tt = this.table;
    const i = tt.length++;
    tt.tQ[i] = NONE;
    tt.tG[i] = NONE;
    tt.tI[i] = NONE;
    tt.tM[i] = NONE;
    tt.tD[i] = NONE;
    tt.tC[i] = NONE;
    tt.sector[i] = NONE;
    tt.mergedInto[i] = NONE;
    return i;
  }

  private grow(capacity: number): void {
    const old = this.table;
    const next = allocate(capacity);
    for (const name of IO_COLUMN_NAMES)
      (next[name] as Float64Array).set((old[name] as Float64Array).subarray(0, old.length));
    next.length = old.length;
    this.table = next;
  }

  /** The table trimmed to its length (columns are views, not copies). */
  finish(): IoTable {
    const t = this.table;
    return ioTableOf(t.length, (name) => (t[name] as Float64Array).subarray(0, t.length));
  }
}

/** Bytes per row of each column type. */
const COLUMN_BYTES = IO_COLUMN_NAMES.map((name) => IO_COLUMNS[name].BYTES_PER_ELEMENT);

/**
 * Columns for `capacity` rows in one buffer, widest element first so that every column starts
 * aligned to its element size (8-byte columns, then 4, 2 and 1).
 */
function allocate(capacity: number): IoTable {
  const order = IO_COLUMN_NAMES.map((_, k) => k).sort((a, b) => COLUMN_BYTES[b] - COLUMN_BYTES[a]);
  const offsets = new Array<number>(IO_COLUMN_NAMES.length);
  let total = 0;
  for (const k of order) {
    offsets[k] = total;
    total += COLUMN_BYTES[k] * capacity;
  }
  const buffer = new ArrayBuffer(total);
  const index = new Map(IO_COLUMN_NAMES.map((name, k) => [name, k]));
  return ioTableOf(0, (name) => {
    const k = index.get(name) as number;
    return new IO_COLUMNS[name](buffer, offsets[k], capacity);
  });
}

/**
 * A table of `length` rows whose column `name` is `column(name)`. One object literal, so
 * that V8 keeps it a fast-properties object (one built up property by property by computed
 * name becomes a hash table, and every column access would pay a lookup).
 */
export function ioTableOf(length: number, column: (name: IoColumnName) => ArrayBufferView): IoTable {
  return {
    length,
    tQ: column('tQ') as IoColumns['tQ'],
    tG: column('tG') as IoColumns['tG'],
    tI: column('tI') as IoColumns['tI'],
    tM: column('tM') as IoColumns['tM'],
    tD: column('tD') as IoColumns['tD'],
    tC: column('tC') as IoColumns['tC'],
    dev: column('dev') as IoColumns['dev'],
    volume: column('volume') as IoColumns['volume'],
    op: column('op') as IoColumns['op'],
    flags: column('flags') as IoColumns['flags'],
    sector: column('sector') as IoColumns['sector'],
    bytes: column('bytes') as IoColumns['bytes'],
    pid: column('pid') as IoColumns['pid'],
    comm: column('comm') as IoColumns['comm'],
    cpu: column('cpu') as IoColumns['cpu'],
    ioprio: column('ioprio') as IoColumns['ioprio'],
    mergedInto: column('mergedInto') as IoColumns['mergedInto'],
    requeues: column('requeues') as IoColumns['requeues'],
    error: column('error') as IoColumns['error'],
  };
}

/** Row `i` as a plain object (tests, debugging). */
export function ioAt(t: IoTable, i: number): Record<IoColumnName, number> {
  const o = {} as Record<IoColumnName, number>;
  for (const name of IO_COLUMN_NAMES) o[name] = t[name][i];
  return o;
}
