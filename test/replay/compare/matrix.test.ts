// The comparison matrix and its shards: fixed order, and shards that partition it.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { buildMatrix, parseShard, shardCells } from '../../../src/replay/compare/matrix.js';

describe('matrix', () => {
  it('nests trace, then policy, then device', () => {
    const m = buildMatrix(['t1', 't2'], ['a', 'b'], ['x', undefined]);
    expect(m.map((c) => `${c.index}:${c.trace}/${c.policy}/${c.device ?? '-'}`)).toEqual([
      '0:t1/a/x',
      '1:t1/a/-',
      '2:t1/b/x',
      '3:t1/b/-',
      '4:t2/a/x',
      '5:t2/a/-',
      '6:t2/b/x',
      '7:t2/b/-',
    ]);
  });

  it('parses i/n and refuses anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1', 'a/b', '1/0', '-1/2'])
      expect(() => parseShard(bad), bad).toThrow(expect.objectContaining({ code: 'FLAG_INVALID' }));
  });

  test.prop([fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 })])(
    'the n shards partition the matrix: every cell in exactly one',
    (cells, n) => {
      const m = buildMatrix(
        Array.from({ length: cells }, (_, i) => `t${i}`),
        ['p'],
        ['d'],
      );
      const seen = new Array<number>(cells).fill(0);
      for (let i = 1; i <= n; i++) for (const c of shardCells(m, { index: i, count: n })) seen[c.index]++;
      expect(seen.every((s) => s === 1)).toBe(true);
    },
  );
});
