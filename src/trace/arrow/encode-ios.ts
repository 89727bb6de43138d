// IoTable rows -> Arrow record batches of the ios schema (trace-formats §6.2; arrow/schema.ts).
// One row per I/O; `req` is the row index, which `merged_into` refers to (the empty flushes
// written after the I/Os continue the count). Absent stage times, sectors and links
// (io-table.ts NONE) become nulls.
import { type Data, type DataType, RecordBatch, type Schema, Struct } from 'apache-arrow';
import { InvariantError } from '../../errors.js';
import type { StringTable } from '../event.js';
import { type IoTable, NONE } from '../io-table.js';
import {
  data,
  fixedDictVector,
  GrowingDict,
  int64Col,
  internedCol,
  ioprioCol,
  plainCol,
  uint32NullIfZero,
} from './columns.js';
import { IOPRIO_CLASS_DICT, iosSchema, OP_DICT } from './schema.js';

export class IosEncoder {
  readonly schema: Schema;
  private readonly types: Map<string, DataType>;
  private readonly comm = new GrowingDict();
  private readonly volume = new GrowingDict();
  private readonly opDict = fixedDictVector(OP_DICT.names);
  private readonly classDict = fixedDictVector(IOPRIO_CLASS_DICT.names);

  constructor(metadata: Map<string, string>) {
    this.schema = iosSchema(metadata);
    this.types = new Map(this.schema.fields.map((f) => [f.name, f.type]));
  }

  /** Rows [from, from + n) of `t` as one record batch; row i's `req` is `req0 + i`. */
  encode(t: IoTable, from: number, n: number, strings: StringTable, req0 = 0): RecordBatch {
    const T = (name: string) => this.types.get(name)!;
    const time = (name: string, col: Float64Array) =>
      int64Col(
        T(name),
        n,
        (i) => col[from + i],
        (i) => col[from + i] === NONE,
      );
    const ops = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const d = OP_DICT.indexOf[t.op[from + i]];
      if (d < 0) throw new InvariantError(`io row ${from + i}: op code ${t.op[from + i]} has no name`);
      ops[i] = d;
    }
    const cols: Data[] = [
      int64Col(T('req'), n, (i) => req0 + from + i),
      uint32NullIfZero(T('dev'), n, t.dev.subarray(from)),
      internedCol(T('volume'), n, t.volume.subarray(from), strings, this.volume),
      data({ type: T('op'), length: n, nullCount: 0, data: ops, dictionary: this.opDict }),
      plainCol(T('flags'), n, t.flags.subarray(from)),
      int64Col(
        T('sector'),
        n,
        (i) => t.sector[from + i],
        (i) => t.sector[from + i] < 0,
      ),
      plainCol(T('bytes'), n, t.bytes.subarray(from)),
      plainCol(T('pid'), n, t.pid.subarray(from)),
      internedCol(T('comm'), n, t.comm.subarray(from), strings, this.comm),
      plainCol(T('cpu'), n, t.cpu.subarray(from)),
      ioprioCol(T('ioprio') as Struct, n, t.ioprio.subarray(from), this.classDict),
      time('t_q', t.tQ),
      time('t_g', t.tG),
      time('t_i', t.tI),
      time('t_m', t.tM),
      time('t_d', t.tD),
      time('t_c', t.tC),
      int64Col(
        T('merged_into'),
        n,
        (i) => t.mergedInto[from + i],
        (i) => t.mergedInto[from + i] === NONE,
      ),
      plainCol(T('requeues'), n, t.requeues.subarray(from)),
      plainCol(T('error'), n, t.error.subarray(from)),
    ];
    const struct = data({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children: cols });
    return new RecordBatch(this.schema, struct as Data<Struct>);
  }
}
