// groupStatsMany: several groupings summarised with one sort per latency kind must give what
// each group's own samples give when sorted on their own (devices-metrics-peers §3.3:
// nearest-rank percentiles, mean rounded to the ns; btt/inlines.h: a latency is at least 1 ns).
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { groupStatsMany } from '../../src/metrics/groups.js';
import { type IoTable, IoTableBuilder, NONE } from '../../src/trace/io-table.js';

/** Percentiles in per mille, so ranks are exact integer arithmetic: ceil(pm * n / 1000). */
const PER_MILLE = { p50: 500, p90: 900, p99: 990, p999: 999 } as const;

/** Summary of one group's samples, computed the plain way: sort them, read the ranks. */
function plain(samples: number[]) {
  if (samples.length === 0) return { mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const at = (pm: number) => s[Math.max(1, Math.ceil((pm * n) / 1000)) - 1];
  let sum = 0;
  for (const v of s) sum += v;
  return {
    mean: Math.round(sum / n),
    p50: Math.round(at(PER_MILLE.p50)),
    p90: Math.round(at(PER_MILLE.p90)),
    p99: Math.round(at(PER_MILLE.p99)),
    p999: Math.round(at(PER_MILLE.p999)),
    max: Math.round(s[n - 1]),
  };
}

interface Row {
  q: number;
  d: number;
  c: number;
  a: number;
  b: number;
}

function table(rows: Row[]): IoTable {
  const t = new IoTableBuilder(rows.length);
  for (const r of rows) {
    const i = t.push();
    t.table.tQ[i] = r.q;
    t.table.tD[i] = r.d;
    t.table.tC[i] = r.c;
    t.table.bytes[i] = 4096;
  }
  return t.finish();
}

const lat = (from: number, to: number) => (from < to ? to - from : 1);

/** A row: Q, then D and C after it or absent (gaps from `gap`); two group ids (b may be -1: left out). */
const rowsWith = (gap: fc.Arbitrary<number | null>) =>
  fc
    .record({
      q: fc.integer({ min: 0, max: 1e6 }),
      dGap: gap,
      cGap: gap,
      a: fc.integer({ min: 0, max: 4 }),
      b: fc.integer({ min: -1, max: 2 }),
    })
    .map(
      (r): Row => ({
        q: r.q,
        d: r.dGap === null ? NONE : r.q + r.dGap,
        c: r.cGap === null ? NONE : r.q + (r.dGap ?? 0) + r.cGap,
        a: r.a,
        b: r.b,
      }),
    );

/** Ordinary gaps, integral or fractional ns. */
const rowArb = (integral: boolean) =>
  rowsWith(
    fc.option(integral ? fc.integer({ min: 0, max: 5e6 }) : fc.double({ min: 0, max: 5e6, noNaN: true })),
  );

/** Gaps that crowd (a few values, or a few near 2^30 ns), with or without 2^32 ns or more. */
const wideRowArb = (huge: boolean) =>
  rowsWith(
    fc.option(
      fc.oneof(
        fc.constantFrom(31_954, 48_576, 1),
        fc.integer({ min: 2 ** 30, max: 2 ** 30 + 40 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: huge ? 2 ** 32 - 5 : 0, max: huge ? 2 ** 32 + 5 : 9 }),
      ),
      { freq: 8 },
    ),
  );

function check(rows: Row[]): void {
  const ios = table(rows);
  const groupA = Int32Array.from(rows, (r) => r.a);
  const groupB = Int32Array.from(rows, (r) => r.b);
  const [whole, byA, byB] = groupStatsMany(ios, [
    { groupOf: null, nGroups: 1 },
    { groupOf: groupA, nGroups: 5 },
    { groupOf: groupB, nGroups: 3 },
  ]);
  const expectGroup = (got: (typeof whole)[number], member: (r: Row) => boolean) => {
    const m = rows.filter(member);
    const done = m.filter((r) => r.c !== NONE);
    expect(got.ios).toBe(m.length);
    expect(got.completed).toBe(done.length);
    expect(got.completedBytes).toBe(done.length * 4096);
    expect(got.firstQNs).toBe(m.length > 0 ? Math.min(...m.map((r) => r.q)) : NONE);
    expect(got.lastCNs).toBe(done.length > 0 ? Math.max(...done.map((r) => r.c)) : NONE);
    expect(got.latency.q2c_ns).toEqual(plain(done.map((r) => lat(r.q, r.c))));
    expect(got.latency.q2d_ns).toEqual(plain(m.filter((r) => r.d !== NONE).map((r) => lat(r.q, r.d))));
    expect(got.latency.d2c_ns).toEqual(
      plain(m.filter((r) => r.d !== NONE && r.c !== NONE).map((r) => lat(r.d, r.c))),
    );
  };
  expectGroup(whole[0], () => true);
  for (const [k, g] of byA.entries()) expectGroup(g, (r) => r.a === k);
  for (const [k, g] of byB.entries()) expectGroup(g, (r) => r.b === k);
}

describe('groupStatsMany', () => {
  // More than 512 samples take the radix paths: integers the 32-bit one, fractions the double one.
  test.prop([fc.array(rowArb(true), { minLength: 600, maxLength: 1500 })], { numRuns: 20 })(
    'integer latencies: every group as if summarised alone',
    check,
  );
  test.prop([fc.array(rowArb(false), { minLength: 600, maxLength: 1500 })], { numRuns: 20 })(
    'fractional latencies: every group as if summarised alone',
    check,
  );
  test.prop([fc.array(rowArb(true), { maxLength: 40 })])('small tables and empty groups', check);
  // Selection counts samples into buckets ~0.4 % wide: crowds of equal values, buckets too
  // wide to count per ns (latencies near 2^30 ns), and latencies of 2^32 ns or more (sorted).
  test.prop([fc.array(wideRowArb(false), { minLength: 1, maxLength: 1500 })], { numRuns: 30 })(
    'crowded and wide latencies: every group as if summarised alone',
    check,
  );
  test.prop([fc.array(wideRowArb(true), { minLength: 1, maxLength: 600 })], { numRuns: 20 })(
    'latencies of 2^32 ns and more: every group as if summarised alone',
    check,
  );
  test.prop(
    [
      fc.array(fc.integer({ min: 1, max: 3e6 }), { minLength: 1, maxLength: 3000 }),
      fc.constantFrom(700, 40_000),
    ],
    { numRuns: 12 },
  )('many groups (coarser buckets, or too many for selection): each as if alone', (gaps, nGroups) => {
    const rows = gaps.map((g, i): Row => ({ q: i, d: NONE, c: i + g, a: 0, b: 0 }));
    const ios = table(rows);
    const groupOf = Int32Array.from(rows, (_, i) => (i * 7) % nGroups);
    const [byRow] = groupStatsMany(ios, [{ groupOf, nGroups }]);
    for (const k of [0, 1, nGroups - 1]) {
      const mine = gaps.filter((_, i) => (i * 7) % nGroups === k);
      expect(byRow[k].latency.q2c_ns).toEqual(plain(mine));
      expect(byRow[k].ios).toBe(mine.length);
    }
  });
});
