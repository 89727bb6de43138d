// Order statistics of integer latency samples without sorting them (radix selection). A
// first pass counts the samples into log-linear buckets: a power of two split into 2^bits
// equal steps, so that a bucket is narrow next to its values whatever outliers stretch the
// range. The buckets holding a wanted rank become slots, and a second pass refines only the
// samples that fall in a slot: a slot up to 2^16 ns wide counts them per ns (which settles
// the rank exactly, however many samples share a value); a wider one keeps them, to be
// resolved on their own (linear buckets over their [min, max], then a sort of the few
// left). Only integers in [0, 2^32) are handled; callers sort anything else. Exact: the value
// at a rank is the one sorting would put there.

/** Mantissa bits of the finest log-linear buckets: 2^11 steps per power of two (~0.05 %). */
const MAX_STEP_BITS = 11;
/** Widest slot counted per ns (ns): its counts take 256 KiB. */
const COUNTED_WIDTH = 1 << 16;
/** Bits a linear level over kept samples tells apart: 2^16 buckets. */
const LINEAR_BITS = 16;
/** At or below this many kept samples a slot is sorted instead of counted again. */
const SORT_BELOW = 64;

/** Log-linear buckets for `bits` mantissa bits: values below 2^(bits+1) get one each. */
export function logBuckets(bits: number): number {
  return (33 - bits) << bits;
}

/**
 * Log-linear bucket of `u`, an integer in [0, 2^32): u itself below 2^(bits+1), else the
 * power of two and the `bits` bits after the leading one. Ascends with u. Small enough for
 * the compiler to inline into the counting loops.
 */
export function logBucket(u: number, bits: number): number {
  const e = 31 - Math.clz32(u);
  return e <= bits ? u : ((e - bits + 1) << bits) | ((u >>> (e - bits)) & ((1 << bits) - 1));
}

/** Smallest value of log-linear bucket `b`; the bucket holds bucketWidth(b) values from it. */
function bucketLow(b: number, bits: number): number {
  if (b < 2 << bits) return b;
  const e = (b >>> bits) + bits - 1;
  return ((1 << bits) + (b & ((1 << bits) - 1))) * 2 ** (e - bits);
}

function bucketWidth(b: number, bits: number): number {
  return b < 2 << bits ? 1 : 2 ** ((b >>> bits) - 1);
}

/** Where each wanted rank of one histogram lies: its slot and its rank inside the slot. */
export interface SlotPlan {
  /** For each rank (in the order given): its global slot and its 1-based rank in it. */
  slot: number[];
  within: number[];
}

/**
 * The refinement state of every slot, read and written directly by the hot loops: a sample
 * `u` of slot s is counted at sub[at[s] + (u & mask[s])] when mask[s] >= 0, else kept at
 * kept[at[s]++].
 */
export class Slots {
  /** Per slot: start in `sub`, or the next free place in `kept`. */
  readonly at: Float64Array;
  /** Per slot: width - 1 of a counted slot; -1 for a kept one. */
  readonly mask: Int32Array;
  readonly sub: Int32Array;
  readonly kept: Uint32Array;
  private readonly start: Float64Array;
  private readonly low: Float64Array;

  /** Slots from their buckets (log-linear, `bits`) and sample counts, in slot order. */
  constructor(buckets: readonly number[], sizes: readonly number[], bits: number) {
    const n = buckets.length;
    this.at = new Float64Array(n);
    this.mask = new Int32Array(n);
    this.start = new Float64Array(n);
    this.low = new Float64Array(n);
    let subCells = 0;
    let keptCells = 0;
    for (let s = 0; s < n; s++) {
      const width = bucketWidth(buckets[s], bits);
      this.low[s] = bucketLow(buckets[s], bits);
      // A counted slot costs its width in cells, a kept one its samples: take the cheaper.
      if (width <= COUNTED_WIDTH && width <= sizes[s] * 4) {
        this.mask[s] = width - 1;
        this.start[s] = subCells;
        subCells += width;
      } else {
        this.mask[s] = -1;
        this.start[s] = keptCells;
        keptCells += sizes[s];
      }
    }
    this.at.set(this.start);
    this.sub = new Int32Array(subCells);
    this.kept = new Uint32Array(keptCells);
  }

  /** Sample `u` of a bucket whose count cell reads `h`: refined when the bucket is a slot (h < 0). */
  add(h: number, u: number): void {
    if (h >= 0) return;
    const s = ~h;
    const mask = this.mask[s];
    if (mask >= 0) this.sub[this.at[s] + (u & mask)]++;
    else this.kept[this.at[s]++] = u;
  }

  /** Writes the values of `plan`'s ranks to out[offset + rank index]. */
  resolve(plan: SlotPlan, out: number[], offset: number): void {
    for (let j = 0; j < plan.slot.length; ) {
      const s = plan.slot[j];
      const ranks: number[] = [];
      const at: number[] = [];
      for (; j < plan.slot.length && plan.slot[j] === s; j++) {
        ranks.push(plan.within[j]);
        at.push(offset + j);
      }
      if (this.mask[s] >= 0) this.resolveCounted(s, ranks, out, at);
      else resolveRanks(this.kept.subarray(this.start[s], this.at[s]), ranks, out, at);
    }
  }

  private resolveCounted(s: number, ranks: number[], out: number[], at: number[]): void {
    const from = this.start[s];
    let v = 0;
    let seen = this.sub[from];
    for (let j = 0; j < ranks.length; j++) {
      while (seen < ranks[j]) seen += this.sub[from + ++v];
      out[at[j]] = this.low[s] + v;
    }
  }
}

/**
 * Finds the buckets count[from..] holding each of the ascending 1-based `ranks` (each at
 * most the histogram's total) and marks each such bucket in place as ~slot, numbering new
 * slots from buckets.length on; the bucket (its index from `from`) and its count are
 * appended to `buckets` and `sizes`.
 */
export function planSlots(
  count: Int32Array,
  from: number,
  ranks: readonly number[],
  buckets: number[],
  sizes: number[],
): SlotPlan {
  const plan: SlotPlan = { slot: [], within: [] };
  let b = from;
  let before = 0;
  let last = -1;
  for (const r of ranks) {
    // A bucket already marked is the last one found (ranks ascend): its size is kept.
    let c = b === last ? sizes[sizes.length - 1] : count[b];
    while (before + c < r) {
      before += c;
      c = count[++b];
    }
    if (b !== last) {
      count[b] = ~buckets.length;
      buckets.push(b - from);
      sizes.push(c);
      last = b;
    }
    plan.slot.push(buckets.length - 1);
    plan.within.push(r - before);
  }
  return plan;
}

/**
 * Values at 1-based `ranks` (ascending, each in 1..n) of the n samples in `values`, in the
 * same order; null when a sample is not an integer in [0, 2^32) (or n is 0). `values` is
 * left unchanged. The samples' sum is left in sum[0] when `sum` is given.
 */
export function selectRanks(
  values: Float64Array,
  ranks: readonly number[],
  sum?: Float64Array,
): number[] | null {
  const n = values.length;
  if (n === 0) return null;
  const bits = MAX_STEP_BITS;
  const count = new Int32Array(logBuckets(bits));
  let total = -0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const u = v >>> 0;
    if (u !== v) return null;
    total += u;
    count[logBucket(u, bits)]++;
  }
  if (sum !== undefined) sum[0] = total;
  const buckets: number[] = [];
  const sizes: number[] = [];
  const plan = planSlots(count, 0, ranks, buckets, sizes);
  const slots = new Slots(buckets, sizes, bits);
  for (let i = 0; i < n; i++) {
    const u = values[i];
    slots.add(count[logBucket(u, bits)], u);
  }
  const out = new Array<number>(ranks.length);
  slots.resolve(plan, out, 0);
  return out;
}

/**
 * Writes the values at 1-based `ranks` (ascending) of `values` (integers in [0, 2^32), in
 * any order; reordered) to out[at[j]]. Linear buckets over [min, max], recursing into the
 * wanted ones: a range below 2^32 is told apart in two levels.
 */
function resolveRanks(
  values: Uint32Array,
  ranks: readonly number[],
  out: number[],
  at: readonly number[],
): void {
  const n = values.length;
  if (n <= SORT_BELOW) {
    values.sort();
    for (let j = 0; j < ranks.length; j++) out[at[j]] = values[ranks[j] - 1];
    return;
  }
  let min = values[0];
  let max = min;
  for (let i = 1; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  if (min === max) {
    for (let j = 0; j < ranks.length; j++) out[at[j]] = min;
    return;
  }
  const span = max - min;
  const shift = Math.max(0, 32 - Math.clz32(span) - LINEAR_BITS);
  const count = new Int32Array((span >>> shift) + 1);
  for (let i = 0; i < n; i++) count[(values[i] - min) >>> shift]++;
  // Each wanted bucket's samples, then its ranks among them.
  let b = 0;
  let before = 0;
  for (let j = 0; j < ranks.length; ) {
    while (before + count[b] < ranks[j]) before += count[b++];
    const sub: number[] = [];
    const subAt: number[] = [];
    for (; j < ranks.length && ranks[j] <= before + count[b]; j++) {
      sub.push(ranks[j] - before);
      subAt.push(at[j]);
    }
    const members = new Uint32Array(count[b]);
    let k = 0;
    for (let i = 0; i < n; i++) if ((values[i] - min) >>> shift === b) members[k++] = values[i];
    resolveRanks(members, sub, out, subAt);
  }
}
