// One Arrow record batch of the events schema -> one EventBatch (trace-formats §6.1). The
// inverse of encode-events.ts: nulls become the EventBatch "none" values, the per-action
// columns fold back into `aux`. Columns other tools may type differently (plain utf8, any
// integer width, timestamps) are accepted. Values past 2^53 are returned as a coded error;
// rows with an unknown action or op are skipped and counted.
import { type Data, DataType, type RecordBatch, type Schema, type Struct } from 'apache-arrow';
import { parseRwbs } from '../csv/rwbs.js';
import {
  ACT,
  copyRow,
  countWarning,
  type EventBatch,
  ioprioValue,
  NO_SECTOR,
  newBatch,
  type StringTable,
  type WarningCounts,
} from '../event.js';
import { ColumnReader } from './column-reader.js';
import {
  DictCache,
  internMapper,
  isNullAt,
  isNumericType,
  isStringType,
  readMapped,
  readNumbers,
  utf8At,
} from './read-columns.js';
import { ACTION_DICT, AUX_COLUMN_OF, IOPRIO_CLASS_DICT, OP_DICT, REQUIRED_EVENT_COLUMNS } from './schema.js';

const HINT = 'see the events schema in docs/formats.md';

/** Columns read as numbers (with their EventBatch null value) and as strings. */
const NUMERIC = [
  'src',
  'rec',
  't_ns',
  'dev',
  'cpu',
  'seq',
  'pid',
  'flags',
  'sector',
  'bytes',
  'nr_sectors',
  'error',
  'latency_ns',
  'remap_dev',
  'remap_sector',
  'split_sector',
  'unplug_depth',
] as const;
const STRINGS = ['volume', 'comm', 'action', 'op', 'rwbs', 'msg'] as const;

export class EventsDecoder extends ColumnReader {
  private readonly intern: ReturnType<typeof internMapper>;
  private readonly actionCache = new DictCache((s) => ACTION_DICT.codeOf.get(s) ?? -1);
  private readonly opCache = new DictCache((s) => OP_DICT.codeOf.get(s) ?? -1);
  private readonly classCache = new DictCache((s) => IOPRIO_CLASS_DICT.codeOf.get(s) ?? -1);
  private readonly rwbsCache = new DictCache((s) => parseRwbs(s)?.flags ?? 0);
  /** True once a row with Q..C detail (any action but IO) has been decoded. */
  sawStages = false;

  /** Checks the schema; throws ARROW_BAD_SCHEMA naming the first missing or mistyped column. */
  constructor(
    schema: Schema,
    file: string,
    strings: StringTable,
    private readonly warnings: WarningCounts,
  ) {
    super(schema, file, HINT);
    this.intern = internMapper(strings);
    for (const name of REQUIRED_EVENT_COLUMNS) this.require(name);
    for (const name of NUMERIC) this.expect(name, isNumericType, 'a number');
    for (const name of STRINGS) this.expect(name, isStringType, 'a string');
    this.expect(
      'ioprio',
      (t) => DataType.isStruct(t) || DataType.isInt(t),
      'a struct {class, hint, level} or an integer',
    );
  }

  /** Decodes `rb`, whose first row is row `row0` of the file. */
  decode(rb: RecordBatch, row0: number): EventBatch {
    const n = rb.numRows;
    const b = newBatch(Math.max(1, n));
    b.length = n;
    const f64 = new Float64Array(n);
    const num = (name: string, out: { set(a: ArrayLike<number>): void }, nullValue: number, dflt: number) => {
      this.numbers(rb, name, f64, nullValue, dflt, row0);
      out.set(f64.subarray(0, n));
    };

    this.numbers(rb, 't_ns', b.timeNs, Number.NaN, 0, row0, ' (ns times must stay within ~104 days)');
    this.numbers(rb, 'rec', b.rec, 0, 0, row0);
    if (!this.has('rec')) for (let i = 0; i < n; i++) b.rec[i] = row0 + i;
    num('src', b.src, 0, 0);
    num('dev', b.dev, 0, 0);
    num('cpu', b.cpu, 0, 0);
    num('seq', b.seq, 0, 0);
    num('pid', b.pid, 0, 0);
    num('error', b.error, 0, 0);
    this.numbers(rb, 'sector', b.sector, NO_SECTOR, NO_SECTOR, row0);
    if (this.has('bytes')) num('bytes', b.bytes, 0, 0);

    const strCol = (name: string) => this.col(rb, name);
    const volume = strCol('volume');
    if (volume) readMapped(volume, n, b.volume, this.intern.cache, this.intern.map, 0);
    const comm = strCol('comm');
    if (comm) readMapped(comm, n, b.comm, this.intern.cache, this.intern.map, 0);

    const action = new Int16Array(n);
    const op = new Int16Array(n);
    const actionCol = strCol('action')!;
    const opCol = strCol('op')!;
    readMapped(actionCol, n, action, this.actionCache, (s) => ACTION_DICT.codeOf.get(s) ?? -1, -1);
    readMapped(opCol, n, op, this.opCache, (s) => OP_DICT.codeOf.get(s) ?? -1, -1);

    if (this.has('flags')) num('flags', b.flags, 0, 0);
    else {
      const rwbs = strCol('rwbs');
      if (rwbs) readMapped(rwbs, n, b.flags, this.rwbsCache, (s) => parseRwbs(s)?.flags ?? 0, 0);
    }

    this.readAux(rb, b, action, row0, f64);
    this.readIoprio(rb, b);
    const msg = strCol('msg');
    if (msg && msg.nullCount < n)
      for (let i = 0; i < n; i++) if (!isNullAt(msg, i)) b.msg.set(i, utf8At(msg, i));

    // Rows that cannot be events: unknown action or op names, null times.
    let keep = 0;
    let skipped = false;
    for (let i = 0; i < n; i++) {
      const a = action[i];
      const o = op[i];
      if (a < 0 || o < 0 || Number.isNaN(b.timeNs[i])) {
        countWarning(
          this.warnings,
          a < 0
            ? 'arrow: unknown action (row skipped)'
            : o < 0
              ? 'arrow: unknown op (row skipped)'
              : 'arrow: null t_ns (row skipped)',
        );
        skipped = true;
        continue;
      }
      if (a !== ACT.IO) this.sawStages = true;
      b.action[i] = a;
      b.op[i] = o;
      if (skipped) copyRow(b, i, b, keep);
      keep++;
    }
    if (skipped) {
      for (const k of [...b.msg.keys()]) if (k >= keep) b.msg.delete(k);
      b.length = keep;
    }
    return b;
  }

  /** latency_ns / split_sector / remap_sector / unplug_depth -> aux, by action (schema.ts). */
  private readAux(rb: RecordBatch, b: EventBatch, action: Int16Array, row0: number, f64: Float64Array): void {
    const n = rb.numRows;
    for (const name of ['latency_ns', 'split_sector', 'remap_sector', 'unplug_depth'] as const) {
      if (!this.has(name)) {
        for (let i = 0; i < n; i++) if (action[i] >= 0 && AUX_COLUMN_OF[action[i]] === name) b.aux[i] = -1;
        continue;
      }
      this.numbers(rb, name, f64, -1, -1, row0);
      for (let i = 0; i < n; i++) if (action[i] >= 0 && AUX_COLUMN_OF[action[i]] === name) b.aux[i] = f64[i];
    }
    if (this.has('remap_dev')) {
      this.numbers(rb, 'remap_dev', f64, 0, 0, row0);
      for (let i = 0; i < n; i++) if (action[i] === ACT.A) b.auxDev[i] = f64[i];
    }
  }

  private readIoprio(rb: RecordBatch, b: EventBatch): void {
    const d = this.col(rb, 'ioprio');
    if (d) readIoprioColumn(d, rb.numRows, b.ioprio, this.classCache);
  }
}

/**
 * An `ioprio` column (a struct {class, hint, level} or a kernel-encoded integer) into `out`;
 * null rows and unknown class names leave 0. Shared with the ios decoder.
 */
export function readIoprioColumn(d: Data, n: number, out: Uint16Array, classCache: DictCache<number>): void {
  if (DataType.isInt(d.type)) {
    const f = new Float64Array(n);
    readNumbers(d, n, f, 0);
    out.set(f);
    return;
  }
  const names = (d.type as Struct).children.map((c) => c.name);
  const child = (name: string) => {
    const k = names.indexOf(name);
    return k < 0 ? undefined : (d.children[k] as Data);
  };
  const cls = new Int16Array(n);
  const clsCol = child('class');
  if (clsCol && isStringType(clsCol.type))
    readMapped(clsCol, n, cls, classCache, (s) => IOPRIO_CLASS_DICT.codeOf.get(s) ?? -1, 0);
  else if (clsCol) {
    const f = new Float64Array(n);
    readNumbers(clsCol, n, f, 0);
    cls.set(f);
  }
  const hint = new Float64Array(n);
  const level = new Float64Array(n);
  const h = child('hint');
  const l = child('level');
  if (h) readNumbers(h, n, hint, 0);
  if (l) readNumbers(l, n, level, 0);
  for (let i = 0; i < n; i++) {
    if (isNullAt(d, i) || cls[i] < 0) continue;
    out[i] = ioprioValue(cls[i], level[i], hint[i]);
  }
}
