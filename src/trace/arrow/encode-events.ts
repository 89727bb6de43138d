// EventBatch rows -> one Arrow record batch of the events schema (arrow/schema.ts). Columns
// are filled from the typed arrays directly; the "none" values of an EventBatch become
// nulls (NO_SECTOR, dev 0, seq 0, empty comm/volume, ioprio 0, aux < 0). Not the writer:
// writer.ts decides batch sizes and where the bytes go.
import {
  type Data,
  type DataType,
  RecordBatch,
  type Schema,
  Struct,
  type Utf8,
  type Vector,
} from 'apache-arrow';
import { InvariantError } from '../../errors.js';
import { rwbsOf } from '../csv/rwbs.js';
import { ACT, type EventBatch, type StringTable, type TraceInfo } from '../event.js';
import {
  data,
  fixedDictVector,
  GrowingDict,
  int64Col,
  internedCol,
  ioprioCol,
  plainCol,
  uint32Col,
  uint32NullIfZero,
  utf8Data,
  Validity,
} from './columns.js';
import {
  ACTION_DICT,
  AUX_COLUMN_OF,
  type AuxColumn,
  eventsSchema,
  IOPRIO_CLASS_DICT,
  META,
  OP_DICT,
  SECTOR_SIZE,
} from './schema.js';

/** The `bt.*` metadata of a trace as known now (writers refresh it once reading is done). */
export function traceMetadata(
  info: TraceInfo,
  table: 'events' | 'ios',
  toolVersion: string | undefined,
  into = new Map<string, string>(),
): Map<string, string> {
  const set = (k: string, v: string | undefined) => {
    if (v === undefined) into.delete(k);
    else into.set(k, v);
  };
  set(META.table, table);
  set(META.format, info.format);
  set(META.sources, JSON.stringify(info.files));
  set(META.originMonoNs, info.originMonoNs === undefined ? undefined : String(info.originMonoNs));
  set(META.originWallNs, info.originWallNs === undefined ? undefined : String(info.originWallNs));
  set(META.byteOrder, info.byteOrder);
  set(META.sectorSize, String(SECTOR_SIZE));
  set(META.lostEvents, JSON.stringify(info.lostEvents ?? {}));
  set(META.toolVersion, toolVersion);
  set(META.hasStages, String(info.hasStages));
  set(META.warnings, JSON.stringify(info.warnings));
  return into;
}

export class EventsEncoder {
  readonly schema: Schema;
  private readonly types: Map<string, DataType>;
  private readonly comm = new GrowingDict();
  private readonly volume = new GrowingDict();
  private readonly rwbs = new GrowingDict();
  private readonly actionDict = fixedDictVector(ACTION_DICT.names);
  private readonly opDict = fixedDictVector(OP_DICT.names);
  private readonly classDict = fixedDictVector(IOPRIO_CLASS_DICT.names);

  constructor(metadata: Map<string, string>) {
    this.schema = eventsSchema(metadata);
    this.types = new Map(this.schema.fields.map((f) => [f.name, f.type]));
  }

  /** Rows [0, n) of `b` as a record batch; `originWallNs` fills the `wall` column when known. */
  encode(b: EventBatch, n: number, strings: StringTable, originWallNs: number | undefined): RecordBatch {
    const T = (name: string) => this.types.get(name)!;
    const rw = new Int16Array(n);
    for (let i = 0; i < n; i++) rw[i] = this.rwbs.indexOfString(rwbsOf(b.op[i], b.flags[i], b.bytes[i]));
    const nr = new Uint32Array(n);
    for (let i = 0; i < n; i++) nr[i] = b.bytes[i] >>> 9; // nr_sectors = bytes >> 9 (trace-formats §1.3)
    const aux = (name: AuxColumn, wide: boolean) => {
      const isNull = (i: number) => AUX_COLUMN_OF[b.action[i]] !== name || b.aux[i] < 0;
      return wide
        ? int64Col(T(name), n, (i) => b.aux[i], isNull)
        : uint32Col(T(name), n, (i) => b.aux[i], isNull);
    };
    const cols: Data[] = [
      plainCol(T('src'), n, b.src),
      int64Col(T('rec'), n, (i) => b.rec[i]),
      int64Col(T('t_ns'), n, (i) => b.timeNs[i]),
      originWallNs === undefined
        ? allNull(T('wall'), n)
        : int64Col(T('wall'), n, (i) => Math.round(originWallNs + b.timeNs[i])),
      uint32NullIfZero(T('dev'), n, b.dev),
      internedCol(T('volume'), n, b.volume, strings, this.volume),
      plainCol(T('cpu'), n, b.cpu),
      uint32NullIfZero(T('seq'), n, b.seq),
      plainCol(T('pid'), n, b.pid),
      internedCol(T('comm'), n, b.comm, strings, this.comm),
      codeCol(T('action'), n, b.action, ACTION_DICT.indexOf, this.actionDict, 'action'),
      codeCol(T('op'), n, b.op, OP_DICT.indexOf, this.opDict, 'op'),
      plainCol(T('flags'), n, b.flags),
      data({ type: T('rwbs'), length: n, nullCount: 0, data: rw, dictionary: this.rwbs.vector() }),
      int64Col(
        T('sector'),
        n,
        (i) => b.sector[i],
        (i) => b.sector[i] < 0,
      ),
      data({ type: T('nr_sectors'), length: n, nullCount: 0, data: nr }),
      plainCol(T('bytes'), n, b.bytes),
      plainCol(T('error'), n, b.error),
      aux('latency_ns', true),
      // Only A events carry an origin device (trace-formats §1.8).
      uint32Col(
        T('remap_dev'),
        n,
        (i) => b.auxDev[i],
        (i) => b.action[i] !== ACT.A || b.auxDev[i] === 0,
      ),
      aux('remap_sector', true),
      aux('split_sector', true),
      aux('unplug_depth', false),
      ioprioCol(T('ioprio') as Struct, n, b.ioprio, this.classDict),
      utf8Data(T('msg') as Utf8, n, (i) => b.msg.get(i)),
    ];
    const struct = data({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children: cols });
    return new RecordBatch(this.schema, struct as Data<Struct>);
  }
}

/** A fixed-dictionary column of ACT or OP codes; a code without a name is a reader bug. */
function codeCol(
  type: DataType,
  n: number,
  codes: Uint8Array,
  indexOf: Int16Array,
  dict: Vector,
  what: string,
) {
  const idx = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const d = indexOf[codes[i]];
    if (d < 0) throw new InvariantError(`event row ${i}: ${what} code ${codes[i]} has no name`);
    idx[i] = d;
  }
  return data({ type, length: n, nullCount: 0, data: idx, dictionary: dict });
}

function allNull(type: DataType, n: number): Data {
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) valid.setNull(i);
  return data({ type, length: n, ...valid.props(), data: new BigInt64Array(n) });
}
