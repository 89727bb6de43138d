// The I/O-table CSV (`convert --ios --to csv`, docs/formats.md "Reading an I/O table back")
// read as a trace: each row becomes one already-paired ACT.IO event at its Q time, with
// aux = t_c - t_q (or -1 without t_c), like the other paired formats; pairing puts the
// empty-flush rows (0 bytes, PREFLUSH: flush-pairs.ts isPairedEmptyFlush) back into the
// flush table, and reader.ts sorts them in a reorder window of their own. The event model has
// no place for the G, I, M and D times, `merged_into` or `requeues`: those columns are read
// past. Detected by its header (a `t_q` column and no generic time column). Decoding never
// throws: a bad field makes the row bad and names the column as the header spells it.
import type { EventBatch, StringTable } from '../event.js';
import { decodeGenericRow, type GenericLayout, genericLayout } from './generic.js';
import { parseUint } from './numbers.js';

/** Each required field of an I/O table, and the columns any one of which supplies it. */
export const IOS_REQUIRED: readonly (readonly string[])[] = [
  ['t_q'],
  ['op', 'rwbs'],
  ['sector', 'offset_bytes'],
  ['bytes', 'nr_sectors'],
];

/**
 * Generic-schema columns an I/O table cannot carry meaningfully; dropped from the layout so
 * that a stray one (from a join in pandas, say) cannot turn a row into another action.
 */
const NOT_IOS = [
  'time_ns',
  'time_s',
  'action',
  'latency_ns',
  'split_sector',
  'remap_dev',
  'remap_sector',
  'unplug_depth',
  'msg',
  'src',
  'seq',
  'rec',
] as const;

/** An I/O-table header -> the generic layout it decodes through, plus where t_c is. */
export interface IosLayout {
  /** t_q as `time_ns`, `req` as `rec`; the rest as the generic schema names them. */
  generic: GenericLayout;
  /** Column of t_c, or undefined (every latency unknown). */
  tC: number | undefined;
  /** Header name (trimmed, lower case) -> column, for naming bad values. */
  columns: Map<string, number>;
  /** Required fields no column supplies. */
  missing: string[];
  /** True when the header names `t_q` and no generic time column: an I/O table. */
  isIos: boolean;
}

export function iosLayout(header: string[]): IosLayout {
  const columns = new Map<string, number>();
  header.forEach((h, i) => {
    const name = h.trim().toLowerCase();
    if (!columns.has(name)) columns.set(name, i);
  });
  const generic = genericLayout(header);
  const isIos = columns.has('t_q') && !generic.isHeader;
  const at = generic.at;
  for (const name of NOT_IOS) delete at[name];
  at.time_ns = columns.get('t_q');
  at.rec = columns.get('req');
  const missing = IOS_REQUIRED.filter((alts) => alts.every((a) => !columns.has(a))).map((alts) =>
    alts.join(' or '),
  );
  return { generic: { at, missing, isHeader: isIos }, tC: columns.get('t_c'), columns, missing, isIos };
}

/** The names decodeGenericRow reports for the columns renamed in iosLayout. */
const RENAMED: Readonly<Record<string, string>> = { time_ns: 't_q', rec: 'req' };

/**
 * Decodes one I/O-table record into row `i` of `b` as an ACT.IO event. Returns the header
 * name of the first bad column, or null. `rowIndex` is the default `rec` (no `req` column).
 */
export function decodeIosRow(
  f: string[],
  layout: IosLayout,
  b: EventBatch,
  i: number,
  strings: StringTable,
  rowIndex: number,
): string | null {
  const bad = decodeGenericRow(f, layout.generic, b, i, strings, rowIndex);
  if (bad !== null) return RENAMED[bad] ?? bad;
  // No `action` column: decodeGenericRow made the row an IO event with aux = -1.
  const s = layout.tC === undefined ? '' : (f[layout.tC] ?? '');
  if (s.length > 0) {
    const tC = parseUint(s);
    // Pairing stamps a C only after its Q (events arrive in time order): a t_c before t_q
    // is a bad value, not a negative latency.
    if (!(tC >= b.timeNs[i])) return 't_c';
    b.aux[i] = tC - b.timeNs[i];
  }
  return null;
}
