// The plain parts of the Arrow schemas (trace-formats §6): metadata keys, the fixed string
// dictionaries and which column holds `aux`. Kept apart from schema.ts, which builds the
// apache-arrow field types, so that readers and writers of other formats (CSV) can use them
// without loading apache-arrow.
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
