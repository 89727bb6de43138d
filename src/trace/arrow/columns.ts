// Building blocks for writing Arrow columns straight from typed arrays: validity bitmaps,
// UTF-8 columns, and string dictionaries that grow batch by batch. A grown dictionary is
// written as a delta (apache-arrow ipc/writer.ts writes the chunks added since the last
// batch as delta dictionary batches), so both the file and the stream form stay valid.
import { type Data, type DataType, makeData, type Struct, Utf8, Vector, vectorFromArray } from 'apache-arrow';
import { ioprioClass, ioprioLevel, type StringTable } from '../event.js';
import { newInt64, writeInt64 } from './int64.js';
import { IOPRIO_CLASS_DICT } from './schema.js';

/** makeData without its per-type overloads: our buffers are built by hand and known right. */
export function data(props: Record<string, unknown> & { type: DataType }): Data {
  return makeData(props as unknown as Parameters<typeof makeData>[0]) as Data;
}

/** A validity bitmap for `n` rows, all valid until `setNull`. Bit set = valid (Arrow). */
export class Validity {
  readonly bits: Uint8Array;
  nullCount = 0;

  constructor(n: number) {
    this.bits = new Uint8Array((n + 7) >> 3).fill(0xff);
  }

  setNull(i: number): void {
    this.bits[i >> 3] &= ~(1 << (i & 7));
    this.nullCount++;
  }

  /** The props to spread into makeData (no bitmap at all when nothing is null). */
  props(): { nullCount: number; nullBitmap?: Uint8Array } {
    return this.nullCount === 0 ? { nullCount: 0 } : { nullCount: this.nullCount, nullBitmap: this.bits };
  }
}

const encoder = new TextEncoder();

/** A utf8 column from `n` strings; `undefined` entries are null. */
export function utf8Data(type: Utf8, n: number, get: (i: number) => string | undefined): Data {
  const offsets = new Int32Array(n + 1);
  const parts: Uint8Array[] = [];
  const valid = new Validity(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = get(i);
    if (s === undefined) valid.setNull(i);
    else if (s.length > 0) {
      const b = encoder.encode(s);
      parts.push(b);
      total += b.length;
    }
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return data({ type, length: n, ...valid.props(), valueOffsets: offsets, data: bytes });
}

/**
 * A string dictionary that only grows. Keys are StringTable indices (comm, volume) or the
 * strings themselves (rwbs). Call `vector()` once per record batch, after indexing its rows.
 */
export class GrowingDict {
  private readonly chunks: Data[] = [vectorFromArray([] as string[], new Utf8()).data[0]];
  private readonly byString = new Map<string, number>();
  private byInterned = new Int32Array(64).fill(-1);
  private pending: string[] = [];
  private size = 0;
  private current: Vector | undefined;

  /** Dictionary index of string-table entry `i` (added on first sight). */
  indexOfInterned(i: number, strings: StringTable): number {
    if (i >= this.byInterned.length) {
      const next = new Int32Array(Math.max(i + 1, this.byInterned.length * 2)).fill(-1);
      next.set(this.byInterned);
      this.byInterned = next;
    }
    let d = this.byInterned[i];
    if (d < 0) {
      d = this.indexOfString(strings.get(i));
      this.byInterned[i] = d;
    }
    return d;
  }

  indexOfString(s: string): number {
    let d = this.byString.get(s);
    if (d === undefined) {
      d = this.size++;
      this.byString.set(s, d);
      this.pending.push(s);
    }
    return d;
  }

  /** The dictionary as of now: the previous chunks plus one chunk of the strings added since. */
  vector(): Vector {
    if (this.pending.length > 0 || this.current === undefined) {
      if (this.pending.length > 0) this.chunks.push(vectorFromArray(this.pending, new Utf8()).data[0]);
      this.pending = [];
      this.current = new Vector(this.chunks.slice());
    }
    return this.current;
  }
}

/** A dictionary whose strings are fixed up front (action, op, ioprio class names). */
export function fixedDictVector(names: string[]): Vector {
  return vectorFromArray(names, new Utf8());
}

/** An int64/uint64 column of integer numbers (|x| < 2^53), with optional nulls. */
export function int64Col(
  type: DataType,
  n: number,
  get: (i: number) => number,
  isNull?: (i: number) => boolean,
): Data {
  const { values, words } = newInt64(n);
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) {
    if (isNull?.(i)) valid.setNull(i);
    else writeInt64(words, i, get(i));
  }
  return data({ type, length: n, ...valid.props(), data: values });
}

export function uint32Col(
  type: DataType,
  n: number,
  get: (i: number) => number,
  isNull: (i: number) => boolean,
): Data {
  const values = new Uint32Array(n);
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) {
    if (isNull(i)) valid.setNull(i);
    else values[i] = get(i);
  }
  return data({ type, length: n, ...valid.props(), data: values });
}

/** A uint32 column where 0 means "unknown" and is written as null (dev, seq). */
export function uint32NullIfZero(type: DataType, n: number, col: Uint32Array): Data {
  return uint32Col(
    type,
    n,
    (i) => col[i],
    (i) => col[i] === 0,
  );
}

/** A column copied as is from a typed array of the column's own width. */
export function plainCol(
  type: DataType,
  n: number,
  col: ArrayBufferView & { slice(a: number, b: number): unknown },
) {
  return data({ type, length: n, nullCount: 0, data: col.slice(0, n) });
}

/** A dictionary column of interned strings (comm, volume); index 0 ("unknown") is null. */
export function internedCol(
  type: DataType,
  n: number,
  col: Uint32Array,
  strings: StringTable,
  dict: GrowingDict,
): Data {
  const idx = new Int32Array(n);
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) {
    if (col[i] === 0) valid.setNull(i);
    else idx[i] = dict.indexOfInterned(col[i], strings);
  }
  return data({ type, length: n, ...valid.props(), data: idx, dictionary: dict.vector() });
}

/** The nullable ioprio struct {class, hint, level} from kernel-encoded values; 0 is null. */
export function ioprioCol(type: Struct, n: number, col: Uint16Array, classDict: Vector): Data {
  const cls = new Int8Array(n);
  const hint = new Uint16Array(n);
  const level = new Uint8Array(n);
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) {
    const p = col[i];
    if (p === 0) {
      valid.setNull(i);
      continue;
    }
    cls[i] = IOPRIO_CLASS_DICT.indexOf[ioprioClass(p)];
    hint[i] = (p >> 3) & 0x3ff; // include/uapi/linux/ioprio.h: 10 hint bits above the 3 level bits
    level[i] = ioprioLevel(p);
  }
  const [fc, fh, fl] = type.children;
  const children = [
    data({ type: fc.type, length: n, nullCount: 0, data: cls, dictionary: classDict }),
    data({ type: fh.type, length: n, nullCount: 0, data: hint }),
    data({ type: fl.type, length: n, nullCount: 0, data: level }),
  ];
  return data({ type, length: n, ...valid.props(), children });
}
