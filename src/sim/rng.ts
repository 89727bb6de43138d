// Seeded random numbers for the simulator (PFQ's idle delay, device jitter, synthetic load):
// xoshiro128** 1.1 by Blackman and Vigna (https://prng.di.unimi.it/xoshiro128starstar.c),
// with its 128-bit state filled from SplitMix64 (https://prng.di.unimi.it/splitmix64.c) as the
// authors advise. Integer draws use exact 32-bit arithmetic, so the sequence is the same on
// every machine; exponential() and normal() also use Math.log1p/log/sqrt, which V8 computes in
// software (an fdlibm port), so they too agree across platforms. Never Math.random.

import { InvariantError } from '../errors.js';

const MASK64 = (1n << 64n) - 1n;
/** SplitMix64 increment: 2^64 / golden ratio, odd (splitmix64.c). */
const GOLDEN64 = 0x9e3779b97f4a7c15n;
/** FNV-1a 64-bit offset basis and prime (http://www.isthe.com/chongo/tech/comp/fnv/). */
const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const TWO_32 = 0x100000000;
const TWO_53 = 2 ** 53;

/** SplitMix64 (Steele, Lea, Flood 2014): used only to expand seeds, so bigint speed is fine. */
export class SplitMix64 {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = BigInt.asUintN(64, seed);
  }

  /** Next 64-bit output. */
  next(): bigint {
    this.state = (this.state + GOLDEN64) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }
}

/** FNV-1a 64-bit hash of the UTF-8 bytes of `text` (names a forked stream). */
export function fnv1a64(text: string): bigint {
  let h = FNV64_OFFSET;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * FNV64_PRIME) & MASK64;
  return h;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** The 64-bit key the state was expanded from; fork() derives children from it. */
  private readonly key: bigint;
  /** Second value of the last polar-method pair, or NaN. */
  private spare = Number.NaN;

  /**
   * `seed` is a safe integer (taken modulo 2^64) or a 64-bit bigint key. The xoshiro state words
   * are the first two SplitMix64 outputs split into little-endian 32-bit halves.
   * Throws InvariantError for a non-integer seed.
   */
  constructor(seed: number | bigint) {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed))
      throw new InvariantError(`rng: seed ${seed} is not a safe integer`);
    this.key = BigInt.asUintN(64, BigInt(seed));
    const sm = new SplitMix64(this.key);
    const a = sm.next();
    const b = sm.next();
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
    // The all-zero state is xoshiro's one fixed point; SplitMix64 practically never yields it.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Builds a generator with an explicit xoshiro128** state (for known-answer tests). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.s0 = s0 | 0;
    r.s1 = s1 | 0;
    r.s2 = s2 | 0;
    r.s3 = s3 | 0;
    return r;
  }

  /** Next raw 32-bit output as an unsigned integer (xoshiro128** next()). */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = rotl(s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (two draws: 27 high bits, 26 low). */
  next(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / TWO_53;
  }

  /** Uniform integer in [0, n), unbiased (rejection); n a safe integer >= 1. */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new InvariantError(`rng.int: bound ${n} is not an integer >= 1`);
    if (n <= TWO_32) {
      // Accept only draws below the largest multiple of n, so every residue is equally likely.
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const x = this.nextU32();
        if (x < limit) return x % n;
      }
    }
    const limit = TWO_53 - (TWO_53 % n);
    for (;;) {
      const x = this.next() * TWO_53;
      if (x < limit) return x % n;
    }
  }

  /** Uniform double in [lo, hi) (lo itself when lo === hi); finite bounds, lo <= hi. */
  range(lo: number, hi: number): number {
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi)
      throw new InvariantError(`rng.range: [${lo}, ${hi}) is not a finite interval`);
    if (lo === hi) return lo;
    for (;;) {
      const x = lo + (hi - lo) * this.next();
      // Rounding can land exactly on hi; draw again rather than return it.
      if (x < hi) return x;
    }
  }

  /** Exponentially distributed double with the given mean (>= 0), by inversion. */
  exponential(mean: number): number {
    if (!Number.isFinite(mean) || mean < 0)
      throw new InvariantError(`rng.exponential: mean ${mean} is not >= 0`);
    return -mean * Math.log1p(-this.next());
  }

  /** Normally distributed double (Marsaglia's polar method; values come in cached pairs). */
  normal(mean: number, sd: number): number {
    if (!Number.isFinite(mean) || !Number.isFinite(sd) || sd < 0)
      throw new InvariantError(`rng.normal: mean ${mean} / sd ${sd} invalid`);
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return mean + sd * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + sd * u * f;
  }

  /**
   * An independent stream named `label`: a pure function of this generator's seed and the
   * label (not of how many values were drawn), so the same label always gives the same stream.
   * Key = first SplitMix64 output seeded with (key XOR FNV-1a-64(label)).
   */
  fork(label: string): Rng {
    return new Rng(new SplitMix64(this.key ^ fnv1a64(label)).next());
  }
}
