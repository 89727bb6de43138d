// One Arrow record batch of the ios schema (`convert --ios --to arrow`, schema.ts iosFields)
// -> one EventBatch of already-paired ACT.IO events, as the CSV I/O table reads (csv/ios.ts):
// time = t_q, aux = t_c - t_q or -1 when t_c is null, `req` as the record index. The G, I,
// M and D times, `merged_into` and `requeues` have no place in an event and are not read.
// Empty-flush rows (0 bytes, PREFLUSH) are events like the others: pairing puts them back
// into the flush table (flush-pairs.ts isPairedEmptyFlush).
// Values past 2^53 are a coded error; rows with a null t_q, an unknown op or a t_c before
// t_q are skipped and counted. Rows are taken in file order (no reordering).
import type { RecordBatch, Schema } from 'apache-arrow';
import {
  ACT,
  copyRow,
  countWarning,
  type EventBatch,
  NO_SECTOR,
  newBatch,
  type StringTable,
  type WarningCounts,
} from '../event.js';
import { ColumnReader } from './column-reader.js';
import { readIoprioColumn } from './decode-events.js';
import { DictCache, internMapper, isNumericType, isStringType, readMapped } from './read-columns.js';
import { IOPRIO_CLASS_DICT, OP_DICT } from './schema.js';

const HINT = 'see the ios schema in docs/formats.md';

/** Columns an ios file must have to be read as a trace. */
export const REQUIRED_IOS_COLUMNS = ['t_q', 'op', 'sector', 'bytes'] as const;

const NUMERIC = ['req', 't_q', 't_c', 'dev', 'cpu', 'pid', 'flags', 'sector', 'bytes', 'error'] as const;
const STRINGS = ['volume', 'comm', 'op'] as const;

export const IOS_SKIPPED = {
  NULL_TQ: 'arrow: null t_q (row skipped)',
  UNKNOWN_OP: 'arrow: unknown op (row skipped)',
  TC_BEFORE_TQ: 'arrow: t_c before t_q (row skipped)',
} as const;

/** True when `schema` is an ios table: `bt.table` says so, or it has `t_q` and no `t_ns`. */
export function isIosSchema(schema: Schema, table: string | undefined): boolean {
  if (table === 'ios') return true;
  const names = new Set(schema.fields.map((f) => f.name));
  return names.has('t_q') && !names.has('t_ns');
}

export class IosDecoder extends ColumnReader {
  private readonly intern: ReturnType<typeof internMapper>;
  private readonly opCache = new DictCache((s) => OP_DICT.codeOf.get(s) ?? -1);
  private readonly classCache = new DictCache((s) => IOPRIO_CLASS_DICT.codeOf.get(s) ?? -1);

  /** Checks the schema; throws ARROW_BAD_SCHEMA naming the first missing or mistyped column. */
  constructor(
    schema: Schema,
    file: string,
    strings: StringTable,
    private readonly warnings: WarningCounts,
  ) {
    super(schema, file, HINT);
    this.intern = internMapper(strings);
    for (const name of REQUIRED_IOS_COLUMNS) this.require(name, 'ios table: ');
    for (const name of NUMERIC) this.expect(name, isNumericType, 'a number');
    for (const name of STRINGS) this.expect(name, isStringType, 'a string');
  }

  /** Decodes `rb`, whose first row is row `row0` of the file. */
  decode(rb: RecordBatch, row0: number): EventBatch {
    const n = rb.numRows;
    const b = newBatch(Math.max(1, n));
    b.length = n;
    const f64 = new Float64Array(n);
    const num = (name: string, out: { set(a: ArrayLike<number>): void }) => {
      this.numbers(rb, name, f64, 0, 0, row0);
      out.set(f64.subarray(0, n));
    };

    this.numbers(rb, 't_q', b.timeNs, Number.NaN, 0, row0);
    this.numbers(rb, 'req', b.rec, 0, 0, row0);
    if (!this.has('req')) for (let i = 0; i < n; i++) b.rec[i] = row0 + i;
    num('dev', b.dev);
    num('cpu', b.cpu);
    num('pid', b.pid);
    num('flags', b.flags);
    num('error', b.error);
    num('bytes', b.bytes);
    this.numbers(rb, 'sector', b.sector, NO_SECTOR, NO_SECTOR, row0);
    const tC = new Float64Array(n);
    this.numbers(rb, 't_c', tC, Number.NaN, Number.NaN, row0);

    const volume = this.col(rb, 'volume');
    if (volume) readMapped(volume, n, b.volume, this.intern.cache, this.intern.map, 0);
    const comm = this.col(rb, 'comm');
    if (comm) readMapped(comm, n, b.comm, this.intern.cache, this.intern.map, 0);
    const op = new Int16Array(n);
    readMapped(this.col(rb, 'op')!, n, op, this.opCache, (s) => OP_DICT.codeOf.get(s) ?? -1, -1);
    const prio = this.col(rb, 'ioprio');
    if (prio) readIoprioColumn(prio, n, b.ioprio, this.classCache);

    let keep = 0;
    for (let i = 0; i < n; i++) {
      const t = b.timeNs[i];
      const c = tC[i];
      const why = Number.isNaN(t)
        ? IOS_SKIPPED.NULL_TQ
        : op[i] < 0
          ? IOS_SKIPPED.UNKNOWN_OP
          : c < t
            ? IOS_SKIPPED.TC_BEFORE_TQ
            : undefined;
      if (why !== undefined) {
        countWarning(this.warnings, why);
        continue;
      }
      b.action[i] = ACT.IO;
      b.op[i] = op[i];
      // NaN (null t_c) fails `c >= t`: latency unknown.
      b.aux[i] = c >= t ? c - t : -1;
      if (keep !== i) copyRow(b, i, b, keep);
      keep++;
    }
    b.length = keep;
    return b;
  }
}
