// Reading Arrow column data into our typed arrays, tolerant of how other tools type a
// column: any integer width, float, timestamp or duration for numbers; plain or
// dictionary-encoded utf8 for strings. Pure functions over one record batch's Data.
import { type Data, DataType, TimeUnit, type Vector } from 'apache-arrow';
import type { StringTable } from '../event.js';
import { readInt64 } from './int64.js';

/** True when row `i` of `d` is null. */
export function isNullAt(d: Data, i: number): boolean {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return false;
  const pos = d.offset + i;
  return (d.nullBitmap[pos >> 3] & (1 << (pos & 7))) === 0;
}

export function isNumericType(t: DataType): boolean {
  return (
    DataType.isInt(t) ||
    (DataType.isFloat(t) && t.precision !== 0) || // half floats (precision 0) are not supported
    DataType.isTimestamp(t) ||
    DataType.isDuration(t)
  );
}

export function isStringType(t: DataType): boolean {
  return (
    DataType.isUtf8(t) || DataType.isLargeUtf8(t) || (DataType.isDictionary(t) && isStringType(t.dictionary))
  );
}

/** ns per unit of a timestamp or duration column. */
const NS_PER_UNIT: Record<number, number> = {
  [TimeUnit.SECOND]: 1e9,
  [TimeUnit.MILLISECOND]: 1e6,
  [TimeUnit.MICROSECOND]: 1e3,
  [TimeUnit.NANOSECOND]: 1,
};

/**
 * Copies `n` values of a numeric column into `out`; nulls become `nullValue`. Timestamps and
 * durations are scaled to ns. Returns the first non-null row whose value is not an exact
 * integer below 2^53 in magnitude, or -1.
 */
export function readNumbers(d: Data, n: number, out: Float64Array, nullValue: number): number {
  const t = d.type;
  const values = d.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  let bad = -1;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    bad = readInt64(values, n, out, values instanceof BigUint64Array);
  } else {
    (out as unknown as { set(a: ArrayLike<number>): void }).set((values as Float64Array).subarray(0, n));
  }
  const scale = DataType.isTimestamp(t) || DataType.isDuration(t) ? NS_PER_UNIT[t.unit] : 1;
  if (scale !== 1) for (let i = 0; i < n; i++) out[i] *= scale;
  if (d.nullCount > 0) {
    for (let i = 0; i < n; i++) if (isNullAt(d, i)) out[i] = nullValue;
  }
  // Exactness: int64 values past 2^53, fractional floats, and scaled units that overflow.
  if (bad >= 0 || DataType.isFloat(t) || scale !== 1) {
    for (let i = bad < 0 ? 0 : bad; i < n; i++) {
      const x = out[i];
      if (!(Number.isInteger(x) && Math.abs(x) < 2 ** 53) && !isNullAt(d, i)) return i;
    }
  }
  return -1;
}

const utf8 = new TextDecoder();

/** Row `i` of a plain utf8 or large-utf8 column. */
export function utf8At(d: Data, i: number): string {
  const offsets = d.valueOffsets as ArrayLike<number | bigint>;
  const start = Number(offsets[i]);
  const end = Number(offsets[i + 1]);
  return utf8.decode((d.values as Uint8Array).subarray(start, end));
}

/** Per dictionary vector: the mapped value of each entry, recomputed when the vector changes. */
export class DictCache<T> {
  private vector: Vector | undefined;
  private mapped: T[] = [];

  constructor(private readonly map: (s: string) => T) {}

  get(dictionary: Vector): T[] {
    if (dictionary !== this.vector) {
      this.vector = dictionary;
      this.mapped = [];
      for (let i = 0; i < dictionary.length; i++) this.mapped.push(this.map(String(dictionary.get(i) ?? '')));
    }
    return this.mapped;
  }
}

/** Index of row `i` into its dictionary (indices may be any integer width). */
function dictIndex(values: ArrayLike<number | bigint>, i: number): number {
  return Number(values[i]);
}

/**
 * Maps each row of a string column through `cache` (dictionary columns) or `map` (plain
 * utf8) into `out`; nulls get `nullValue`.
 */
export function readMapped<T>(
  d: Data,
  n: number,
  out: { [i: number]: T },
  cache: DictCache<T>,
  map: (s: string) => T,
  nullValue: T,
): void {
  if (DataType.isDictionary(d.type)) {
    const mapped = cache.get(d.dictionary as Vector);
    const idx = d.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) out[i] = isNullAt(d, i) ? nullValue : mapped[dictIndex(idx, i)];
    return;
  }
  for (let i = 0; i < n; i++) out[i] = isNullAt(d, i) ? nullValue : map(utf8At(d, i));
}

/** A DictCache and plain mapper that intern strings into `strings` ('' stays 0 = unknown). */
export function internMapper(strings: StringTable): { cache: DictCache<number>; map: (s: string) => number } {
  const map = (s: string) => strings.intern(s);
  return { cache: new DictCache(map), map };
}
