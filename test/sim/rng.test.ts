// Seeded RNG: known-answer vectors from published references, seeding, bounds, forks.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/errors.js';
import { fnv1a64, Rng, SplitMix64 } from '../../src/sim/rng.js';

const draw = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.nextU32());

describe('known answers', () => {
  it('xoshiro128** 1.1 from state {1, 2, 3, 4}', () => {
    // rust-random/rngs rand_xoshiro src/xoshiro128starstar.rs test `reference`, "produced with
    // the reference implementation (v1.1)". By hand, the first is rotl(2 * 5, 7) * 9 = 11520.
    expect(draw(Rng.fromState(1, 2, 3, 4), 10)).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('xoshiro128** from a random state', () => {
    // edorfaus/xoshiro-6502 test-rom/testdata.asm (values from the C reference implementation):
    // seed bytes as little-endian words, VerifyValuesXoshiro128 "starstar" column.
    expect(draw(Rng.fromState(0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0), 4)).toEqual([
      0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70,
    ]);
  });

  it('SplitMix64 from seed 1234567', () => {
    // Rosetta Code, "Pseudo-random numbers/Splitmix64": first five outputs for seed 1234567.
    const sm = new SplitMix64(1234567n);
    expect([sm.next(), sm.next(), sm.next(), sm.next(), sm.next()]).toEqual([
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
      4593380528125082431n,
      16408922859458223821n,
    ]);
  });

  it('FNV-1a 64', () => {
    // Published FNV-1a 64-bit test vectors (Noll's FNV test suite).
    expect(fnv1a64('')).toBe(0xcbf29ce484222325n);
    expect(fnv1a64('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64('foobar')).toBe(0x85944171f73967e8n);
  });

  it('seeding fills the state with SplitMix64 outputs as little-endian 32-bit words', () => {
    // 6457827717110365317 = 0x599ed017_fb08fc85, 3203168211198807973 = 0x2c73f084_58540fa5.
    const seeded = new Rng(1234567);
    const explicit = Rng.fromState(0xfb08fc85, 0x599ed017, 0x58540fa5, 0x2c73f084);
    expect(draw(seeded, 64)).toEqual(draw(explicit, 64));
  });

  it('next() builds a 53-bit double from the top 27 and 26 bits of two draws', () => {
    const r = Rng.fromState(1, 2, 3, 4);
    // Draws 11520 and 0: (11520 >>> 5) * 2^26 / 2^53 = 360 / 2^27.
    expect(r.next()).toBe(360 / 2 ** 27);
  });
});

describe('bounds and shapes', () => {
  test.prop([fc.integer(), fc.integer({ min: 1, max: 2 ** 53 - 1 })])(
    'int(n) is an integer in [0, n)',
    (seed, n) => {
      const r = new Rng(seed);
      for (let i = 0; i < 20; i++) {
        const x = r.int(n);
        expect(Number.isInteger(x)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(n);
      }
    },
  );

  test.prop([
    fc.integer(),
    fc.double({ min: -1e9, max: 1e9, noNaN: true }),
    fc.double({ min: 0, max: 1e9, noNaN: true }),
  ])('next() in [0, 1), range(lo, hi) in [lo, hi), exponential >= 0', (seed, lo, width) => {
    const r = new Rng(seed);
    const hi = lo + width;
    for (let i = 0; i < 20; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      const x = r.range(lo, hi);
      if (lo === hi) expect(x).toBe(lo);
      else expect(x >= lo && x < hi).toBe(true);
      expect(r.exponential(width)).toBeGreaterThanOrEqual(0);
    }
  });

  it('int(1) is always 0 and int(2^32) uses every bit', () => {
    const r = new Rng(7);
    for (let i = 0; i < 100; i++) expect(r.int(1)).toBe(0);
    const a = new Rng(7);
    const b = new Rng(7);
    for (let i = 0; i < 100; i++) expect(a.int(2 ** 32)).toBe(b.nextU32());
  });

  it('sample moments are close to the distributions asked for', () => {
    const r = new Rng(2024);
    const n = 50_000;
    let su = 0;
    let se = 0;
    let sn = 0;
    let sn2 = 0;
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      su += r.next();
      se += r.exponential(4);
      const z = r.normal(10, 2);
      sn += z;
      sn2 += z * z;
      counts[r.int(3)]++;
    }
    // Tolerances are several standard errors: sd/sqrt(n) is 0.0013, 0.018, 0.009 here.
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(se / n - 4)).toBeLessThan(0.1);
    const mean = sn / n;
    expect(Math.abs(mean - 10)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(sn2 / n - mean * mean) - 2)).toBeLessThan(0.05);
    for (const c of counts) expect(Math.abs(c / n - 1 / 3)).toBeLessThan(0.01);
  });
});

describe('determinism and forks', () => {
  test.prop([fc.integer()])('same seed, same sequence', (seed) => {
    expect(draw(new Rng(seed), 16)).toEqual(draw(new Rng(seed), 16));
  });

  it('fork(label) depends on the seed and label only, not on draws made before', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    draw(b, 100);
    expect(draw(a.fork('device'), 8)).toEqual(draw(b.fork('device'), 8));
    expect(draw(a.fork('device'), 8)).not.toEqual(draw(a.fork('pfq'), 8));
    expect(draw(a.fork('device'), 8)).not.toEqual(draw(new Rng(43).fork('device'), 8));
    expect(draw(a.fork('device'), 8)).not.toEqual(draw(new Rng(42), 8));
    expect(draw(a.fork('x').fork('y'), 8)).toEqual(draw(new Rng(42).fork('x').fork('y'), 8));
  });

  it('a bigint seed is the 64-bit key itself; numbers are taken modulo 2^64', () => {
    expect(draw(new Rng(5n), 8)).toEqual(draw(new Rng(5), 8));
    expect(draw(new Rng(-1), 8)).toEqual(draw(new Rng(2n ** 64n - 1n), 8));
  });

  it('rejects bad arguments', () => {
    const r = new Rng(1);
    expect(() => new Rng(1.5)).toThrow(InvariantError);
    expect(() => r.int(0)).toThrow(InvariantError);
    expect(() => r.int(2.5)).toThrow(InvariantError);
    expect(() => r.range(2, 1)).toThrow(InvariantError);
    expect(() => r.exponential(-1)).toThrow(InvariantError);
    expect(() => r.normal(0, -1)).toThrow(InvariantError);
  });
});
