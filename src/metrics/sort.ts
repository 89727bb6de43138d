// Sorting latency samples fast enough for 10^7 I/Os: an LSD radix sort, carrying each
// sample's row along. Integer samples below 2^32 (latencies in ns up to 4.29 s, nearly all)
// sort as 32-bit words in three passes; others on the IEEE-754 bit patterns of non-negative
// doubles (their bits order as their values do) in six. Passes take at most 11 bits (few
// enough buckets to stay in cache) and are skipped when every sample has the same digit.
// The built-in typed-array sort is kept for tiny inputs and as the general fallback.
import { endianness } from 'node:os';

/** Below this many samples the built-in sort is as fast (samples). */
const SMALL = 512;
/** Passes as [32-bit word (0 low, 1 high), shift, bits]: 11 + 11 + 10 bits per word. */
const PASSES: readonly [number, number, number][] = [
  [0, 0, 11],
  [0, 11, 11],
  [0, 22, 10],
  [1, 0, 11],
  [1, 11, 11],
  [1, 22, 10],
];
/** Passes over a 32-bit integer key as [shift, bits]. */
const U32_PASSES: readonly [number, number][] = [
  [0, 11],
  [11, 11],
  [22, 10],
];
/** Buckets of the widest digit. */
const BUCKETS = 1 << 11;
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Work space for sortWithRows, reused across several sorts of at most `capacity` samples so
 * that each does not allocate (and leave for the collector) its own buffers.
 */
export class SortScratch {
  private f64: Float64Array | null = null;
  private i32: Int32Array | null = null;
  private u32: [Uint32Array, Uint32Array] | null = null;

  constructor(readonly capacity: number) {}

  float64(n: number): Float64Array {
    this.f64 ??= new Float64Array(this.capacity);
    return this.f64.subarray(0, n);
  }

  int32(n: number): Int32Array {
    this.i32 ??= new Int32Array(this.capacity);
    return this.i32.subarray(0, n);
  }

  uint32(n: number, which: 0 | 1): Uint32Array {
    this.u32 ??= [new Uint32Array(this.capacity), new Uint32Array(this.capacity)];
    return this.u32[which].subarray(0, n);
  }
}

/**
 * Sorts `values` ascending in place and applies the same permutation to `rows`. Values must
 * be non-negative (latencies are at least 1 ns); other inputs fall back to a comparison sort.
 * `scratch` (capacity >= values.length) supplies the work buffers.
 */
export function sortWithRows(values: Float64Array, rows: Int32Array, scratch?: SortScratch): void {
  const n = values.length;
  if (n < 2) return;
  let radixable = LITTLE_ENDIAN && n >= SMALL;
  let u32 = true;
  for (let i = 0; radixable && i < n; i++) {
    const v = values[i];
    if (!(v >= 0) || v === Number.POSITIVE_INFINITY) radixable = false;
    else if (v === 0)
      values[i] = 0; // -0 has the sign bit set
    else if (u32 && v >>> 0 !== v) u32 = false;
  }
  if (!radixable) {
    comparisonSort(values, rows);
    return;
  }
  const work = scratch !== undefined && scratch.capacity >= n ? scratch : new SortScratch(n);
  if (u32) {
    sortU32(values, rows, work);
    return;
  }
  let srcV: Float64Array = values;
  let srcR: Int32Array = rows;
  let dstV: Float64Array = work.float64(n);
  let dstR: Int32Array = work.int32(n);
  const counts = new Uint32Array(BUCKETS + 1);
  for (const [word, shift, bits] of PASSES) {
    const words = new Uint32Array(srcV.buffer, srcV.byteOffset, n * 2);
    const mask = (1 << bits) - 1;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((words[2 * i + word] >>> shift) & mask) + 1]++;
    let single = false;
    for (let d = 1; d <= BUCKETS; d++) {
      if (counts[d] === n) single = true;
      counts[d] += counts[d - 1];
    }
    if (single) continue;
    for (let i = 0; i < n; i++) {
      const j = counts[(words[2 * i + word] >>> shift) & mask]++;
      dstV[j] = srcV[i];
      dstR[j] = srcR[i];
    }
    const tv = srcV;
    srcV = dstV;
    dstV = tv;
    const tr = srcR;
    srcR = dstR;
    dstR = tr;
  }
  if (srcV !== values) {
    values.set(srcV);
    rows.set(srcR);
  }
}

/** The three-pass sort of integer values in [0, 2^32): stable, like the double path. */
function sortU32(values: Float64Array, rows: Int32Array, work: SortScratch): void {
  const n = values.length;
  let srcK = work.uint32(n, 0);
  for (let i = 0; i < n; i++) srcK[i] = values[i];
  let srcR: Int32Array = rows;
  let dstK = work.uint32(n, 1);
  let dstR: Int32Array = work.int32(n);
  // Every pass's digit counts from one read of the keys (bucket d of pass p at p * STRIDE + d).
  const STRIDE = BUCKETS + 1;
  const counts = new Uint32Array(U32_PASSES.length * STRIDE);
  const [[s0, b0], [s1, b1], [s2, b2]] = U32_PASSES;
  const m0 = (1 << b0) - 1;
  const m1 = (1 << b1) - 1;
  const m2 = (1 << b2) - 1;
  for (let i = 0; i < n; i++) {
    const k = srcK[i];
    counts[((k >>> s0) & m0) + 1]++;
    counts[STRIDE + ((k >>> s1) & m1) + 1]++;
    counts[2 * STRIDE + ((k >>> s2) & m2) + 1]++;
  }
  for (let p = 0; p < U32_PASSES.length; p++) {
    const [shift, bits] = U32_PASSES[p];
    const mask = (1 << bits) - 1;
    const at = p * STRIDE;
    let single = false;
    for (let d = 1; d <= BUCKETS; d++) {
      if (counts[at + d] === n) single = true;
      counts[at + d] += counts[at + d - 1];
    }
    if (single) continue;
    for (let i = 0; i < n; i++) {
      const k = srcK[i];
      const j = counts[at + ((k >>> shift) & mask)]++;
      dstK[j] = k;
      dstR[j] = srcR[i];
    }
    const tk = srcK;
    srcK = dstK;
    dstK = tk;
    const tr = srcR;
    srcR = dstR;
    dstR = tr;
  }
  for (let i = 0; i < n; i++) values[i] = srcK[i];
  if (srcR !== rows) rows.set(srcR);
}

function comparisonSort(values: Float64Array, rows: Int32Array): void {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[a] - values[b] || a - b);
  const v = Float64Array.from(order, (i) => values[i]);
  const r = Int32Array.from(order, (i) => rows[i]);
  values.set(v);
  rows.set(r);
}
