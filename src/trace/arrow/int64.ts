// 64-bit integer columns <-> JS numbers without a BigInt per value. Arrow stores int64 and
// uint64 as little-endian 8-byte words; we read and write them through an Int32Array view
// (low word, high word). Values must stay within ±2^53 to be exact as numbers: readers
// report the first row that is not, so the caller can raise a coded error.

/** 2^32, the weight of the high word. */
const TWO_32 = 4294967296;
/** Largest |high word| for which hi * 2^32 + lo stays within 2^53 (2^53 / 2^32 = 2^21). */
const SAFE_HI = 2097152;

/** Writes integer `x` (|x| < 2^53) as a little-endian int64 at row `i` of `words`. */
export function writeInt64(words: Int32Array, i: number, x: number): void {
  const hi = Math.floor(x / TWO_32);
  words[2 * i] = (x - hi * TWO_32) | 0;
  words[2 * i + 1] = hi | 0;
}

/** A zeroed int64 buffer for `n` rows, and the Int32Array view used to fill it. */
export function newInt64(n: number): { values: BigInt64Array; words: Int32Array } {
  const values = new BigInt64Array(n);
  return { values, words: new Int32Array(values.buffer, values.byteOffset, 2 * n) };
}

/**
 * Copies `n` 64-bit values into `out` as numbers. Returns the index of the first value whose
 * magnitude is 2^53 or more (it is still converted, inexactly), or -1 when all are exact.
 * `unsigned` reads the high word as unsigned (uint64 columns).
 */
export function readInt64(
  values: BigInt64Array | BigUint64Array,
  n: number,
  out: Float64Array,
  unsigned: boolean,
): number {
  const words = new Int32Array(values.buffer, values.byteOffset, 2 * n);
  let bad = -1;
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i] >>> 0;
    const hiRaw = words[2 * i + 1];
    const hi = unsigned ? hiRaw >>> 0 : hiRaw;
    // hi in [-2^21, 2^21) keeps the value within [-2^53, 2^53); the edges are treated as unsafe.
    if ((hi >= SAFE_HI || hi < -SAFE_HI || (hi === -SAFE_HI && lo === 0)) && bad < 0) bad = i;
    out[i] = hi * TWO_32 + lo;
  }
  return bad;
}
