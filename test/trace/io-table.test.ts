// IoTableBuilder: rows start as the contract says (stage times, sector and mergedInto NONE, the
// rest 0), columns are independent of one another although they share one allocation, and
// growing past the first capacity keeps every row.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { IO_COLUMN_NAMES, IoTableBuilder, ioAt, NONE } from '../../src/trace/io-table.js';

const NONE_COLUMNS = new Set(['tQ', 'tG', 'tI', 'tM', 'tD', 'tC', 'sector', 'mergedInto']);

describe('IoTableBuilder', () => {
  test.prop([fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 100 })])(
    'new rows hold NONE or 0, whatever the capacity',
    (rows, capacity) => {
      const b = new IoTableBuilder(capacity);
      for (let i = 0; i < rows; i++) expect(b.push()).toBe(i);
      const t = b.finish();
      expect(t.length).toBe(rows);
      for (let i = 0; i < rows; i++)
        for (const [name, v] of Object.entries(ioAt(t, i))) expect(v).toBe(NONE_COLUMNS.has(name) ? NONE : 0);
    },
  );

  test.prop([fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 64 })])(
    'every column keeps its own values through growth',
    (rows, capacity) => {
      const b = new IoTableBuilder(capacity);
      for (let i = 0; i < rows; i++) {
        const r = b.push();
        // A distinct small value per (column, row), within every column type's range.
        IO_COLUMN_NAMES.forEach((name, k) => {
          b.table[name][r] = (k * 7 + r) % 200;
        });
      }
      const t = b.finish();
      for (let i = 0; i < rows; i++)
        IO_COLUMN_NAMES.forEach((name, k) => {
          expect(t[name][i]).toBe((k * 7 + i) % 200);
        });
      for (const name of IO_COLUMN_NAMES) expect(t[name].length).toBe(rows);
    },
  );
});
