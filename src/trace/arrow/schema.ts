// The Arrow schemas ufq-replay writes and reads (trace-formats §6): the `events` table (one
// row per trace record) and the `ios` table (one row per paired I/O), their fixed string
// dictionaries, and the `bt.*` schema metadata keys. Types and names only; no I/O here.
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
import { ACT, IOPRIO_CLASS_NAME, OP_NAME } from '../event.js';

/** Schema metadata keys (trace-formats §6.1), all string-valued. */
export const META = {
  format: 'bt.format',
  sources: 'bt.sources',
  originMonoNs: 'bt.origin_mono_ns',
  originWallNs: 'bt.origin_wall_ns',
  byteOrder: 'bt.byte_order',
  sectorSize: 'bt.sector_size',
  lostEvents: 'bt.lost_events',
  toolVersion: 'bt.tool_version',
  // Additions of ours: which table this is, whether the source had Q..C stages, and the
  // reader's counted warnings.
  table: 'bt.table',
  hasStages: 'bt.has_stages',
  warnings: 'bt.warnings',
} as const;

/** `bt.sector_size`: every sector column counts 512-byte units, whatever the device. */
export const SECTOR_SIZE = 512;

/** A fixed string dictionary: names in index order, and code -> index / name -> code maps. */
export interface FixedDict {
  names: string[];
  /** Indexed by code (0..255): dictionary index, or -1 if the code has no name. */
  indexOf: Int16Array;
  /** Name -> code. */
  codeOf: Map<string, number>;
}

function fixedDict(entries: [string, number][]): FixedDict {
  const indexOf = new Int16Array(256).fill(-1);
  const codeOf = new Map<string, number>();
  entries.forEach(([name, code], i) => {
    indexOf[code] = i;
    codeOf.set(name, code);
  });
  return { names: entries.map(([n]) => n), indexOf, codeOf };
}

/** `action` dictionary: every ACT letter, in ACT order (Q M F G S R D C P U UT I X B A ... m IO). */
export const ACTION_DICT = fixedDict(Object.entries(ACT));

/** `op` dictionary: the kernel REQ_OP names of trace/event.ts. */
export const OP_DICT = fixedDict(Object.entries(OP_NAME).map(([code, name]) => [name, Number(code)]));

/**
 * `ioprio.class` dictionary, indexed by the 3-bit class. 4..6 are unused by the kernel and 7
 * is IOPRIO_CLASS_INVALID (include/uapi/linux/ioprio.h); they are named so that any class
 * value survives a round trip.
 */
export const IOPRIO_CLASS_DICT = fixedDict(
  [...IOPRIO_CLASS_NAME, 'class4', 'class5', 'class6', 'invalid'].map((n, i) => [n, i]),
);

/** Dictionary ids in the events schema (ids are per file). */
export const EVENT_DICT_ID = { volume: 0, comm: 1, action: 2, op: 3, rwbs: 4, ioprioClass: 5 } as const;
/** Dictionary ids in the ios schema. */
export const IO_DICT_ID = { volume: 0, comm: 1, op: 2, ioprioClass: 3 } as const;

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

/** Columns an events file must have; everything else has a default (docs/formats.md). */
export const REQUIRED_EVENT_COLUMNS = ['t_ns', 'action', 'op', 'sector', 'bytes'] as const;

/** Which column holds an event's `aux` number, by action (trace/event.ts EventBatch.aux). */
export type AuxColumn = 'latency_ns' | 'split_sector' | 'remap_sector' | 'unplug_depth';
export const AUX_COLUMNS: readonly AuxColumn[] = [
  'latency_ns',
  'split_sector',
  'remap_sector',
  'unplug_depth',
];

/** Per ACT code: the aux column, or undefined when the action's aux is always 0. */
export const AUX_COLUMN_OF: readonly (AuxColumn | undefined)[] = (() => {
  const a: (AuxColumn | undefined)[] = new Array(256).fill(undefined);
  a[ACT.IO] = 'latency_ns';
  a[ACT.X] = 'split_sector';
  a[ACT.A] = 'remap_sector';
  a[ACT.U] = 'unplug_depth';
  a[ACT.UT] = 'unplug_depth';
  return a;
})();

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
