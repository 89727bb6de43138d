// The radix sort behind exact percentiles: same order as a comparison sort, rows carried along.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { sortWithRows } from '../../src/metrics/sort.js';

const samples = fc.array(
  fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 1e12, noNaN: true })),
  { maxLength: 3000 },
);

describe('sortWithRows', () => {
  test.prop([samples])('sorts ascending and keeps each value with its row', (list) => {
    const values = Float64Array.from(list);
    const rows = Int32Array.from(list, (_, i) => i);
    sortWithRows(values, rows);
    expect(Array.from(values)).toEqual([...list].sort((a, b) => a - b).map((v) => (v === 0 ? 0 : v)));
    for (let j = 0; j < rows.length; j++) expect(values[j]).toBe(list[rows[j]] === 0 ? 0 : list[rows[j]]);
  });

  test.prop([fc.array(fc.double({ noNaN: true }), { minLength: 600, maxLength: 800 })])(
    'falls back to a comparison sort for negative or infinite values',
    (raw) => {
      const list = raw.map((v) => (v === 0 ? 0 : v)); // -0 and 0 are the same latency
      const values = Float64Array.from(list);
      sortWithRows(values, new Int32Array(list.length));
      expect(Array.from(values)).toEqual(Array.from(Float64Array.from(list).sort()));
    },
  );
});
