// The Arrow schemas ufq-replay writes and reads (trace-formats §6): the `events` table (one
// row per trace record) and the `ios` table (one row per paired I/O) as apache-arrow field
// types. Their fixed string dictionaries and `bt.*` metadata keys are in dicts.ts (re-exported
// here). Types and names only; no I/O here.
import {
  Dictionary,
  Field,
  Int8,
  Int16,
  Int32,
  Int64,
  Schema,
  Struct,
  TimestampNanosecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
} from 'apache-arrow';
import { EVENT_DICT_ID, IO_DICT_ID } from './dicts.js';

// Re-exported: they were defined here first.
export {
  ACTION_DICT,
  AUX_COLUMN_OF,
  AUX_COLUMNS,
  type AuxColumn,
  EVENT_DICT_ID,
  type FixedDict,
  IO_DICT_ID,
  IOPRIO_CLASS_DICT,
  META,
  OP_DICT,
  REQUIRED_EVENT_COLUMNS,
  SECTOR_SIZE,
} from './dicts.js';

const utf8Dict = (id: number) => new Dictionary(new Utf8(), new Int32(), id);

export function ioprioStructType(classDictId: number): Struct {
  return new Struct([
    new Field('class', new Dictionary(new Utf8(), new Int8(), classDictId), false),
    new Field('hint', new Uint16(), false),
    new Field('level', new Uint8(), false),
  ]);
}

/**
 * The events table (trace-formats §6.1, adapted): what an EventBatch carries, with the
 * kernel's "none" values as nulls (NO_SECTOR, dev 0, seq 0, comm/volume ''). `aux` is spread
 * over the per-action columns of AUX_COLUMN_OF.
 */
export function eventsFields(): Field[] {
  return [
    new Field('src', new Uint16(), false),
    new Field('rec', new Uint64(), false),
    new Field('t_ns', new Int64(), false),
    new Field('wall', new TimestampNanosecond('UTC'), true),
    new Field('dev', new Uint32(), true),
    new Field('volume', utf8Dict(EVENT_DICT_ID.volume), true),
    new Field('cpu', new Uint16(), false),
    new Field('seq', new Uint32(), true),
    new Field('pid', new Uint32(), false),
    new Field('comm', utf8Dict(EVENT_DICT_ID.comm), true),
    new Field('action', new Dictionary(new Utf8(), new Int8(), EVENT_DICT_ID.action), false),
    new Field('op', new Dictionary(new Utf8(), new Int8(), EVENT_DICT_ID.op), false),
    new Field('flags', new Uint16(), false),
    new Field('rwbs', new Dictionary(new Utf8(), new Int16(), EVENT_DICT_ID.rwbs), false),
    new Field('sector', new Uint64(), true),
    new Field('nr_sectors', new Uint32(), false),
    new Field('bytes', new Uint32(), false),
    new Field('error', new Int32(), false),
    new Field('latency_ns', new Int64(), true),
    new Field('remap_dev', new Uint32(), true),
    new Field('remap_sector', new Uint64(), true),
    new Field('split_sector', new Uint64(), true),
    new Field('unplug_depth', new Uint32(), true),
    new Field('ioprio', ioprioStructType(EVENT_DICT_ID.ioprioClass), true),
    new Field('msg', new Utf8(), true),
  ];
}

export function eventsSchema(metadata: Map<string, string>): Schema {
  return new Schema(eventsFields(), metadata);
}

/**
 * The ios table (trace-formats §6.2) from IoTable columns (trace/io-table.ts): stage times
 * as nullable int64 ns, `merged_into` as a nullable row id. `src_req_rows` is not written.
 */
export function iosFields(): Field[] {
  const t = (name: string) => new Field(name, new Int64(), true);
  return [
    new Field('req', new Uint64(), false),
    new Field('dev', new Uint32(), true),
    new Field('volume', utf8Dict(IO_DICT_ID.volume), true),
    new Field('op', new Dictionary(new Utf8(), new Int8(), IO_DICT_ID.op), false),
    new Field('flags', new Uint16(), false),
    new Field('sector', new Uint64(), true),
    new Field('bytes', new Uint32(), false),
    new Field('pid', new Uint32(), false),
    new Field('comm', utf8Dict(IO_DICT_ID.comm), true),
    new Field('cpu', new Uint16(), false),
    new Field('ioprio', ioprioStructType(IO_DICT_ID.ioprioClass), true),
    t('t_q'),
    t('t_g'),
    t('t_i'),
    t('t_m'),
    t('t_d'),
    t('t_c'),
    new Field('merged_into', new Uint64(), true),
    new Field('requeues', new Uint16(), false),
    new Field('error', new Int32(), false),
  ];
}

export function iosSchema(metadata: Map<string, string>): Schema {
  return new Schema(iosFields(), metadata);
}
