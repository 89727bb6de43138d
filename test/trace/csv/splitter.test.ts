// The CSV splitter against csv-parse (the reference) and against the records it was given:
// quoted fields with commas, quotes and CR/LF line breaks, split at any chunk boundary.
import { fc, test } from '@fast-check/vitest';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvSplitter, splitText } from '../../../src/trace/csv/splitter.js';
import { csvField } from '../../../src/trace/csv/writer.js';
import { trickyString } from '../arrow/memory-source.js';

function splitChunks(
  text: string,
  cuts: number[],
): { records: string[][]; lines: number[]; malformed: number } {
  const records: string[][] = [];
  const lines: number[] = [];
  const s = new CsvSplitter((f, line) => {
    records.push(f.slice());
    lines.push(line);
  });
  let p = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const at = Math.min(c, text.length);
    s.push(text.slice(p, at));
    p = at;
  }
  s.push(text.slice(p));
  s.end();
  return { records, lines, malformed: s.malformed };
}

// A record that is one empty field is a blank line, which CSV readers skip.
const recordArb = fc
  .array(trickyString, { minLength: 1, maxLength: 6 })
  .filter((r) => !(r.length === 1 && r[0] === ''));

describe('CsvSplitter', () => {
  test.prop([
    fc.array(recordArb, { maxLength: 12 }),
    fc.constantFrom('\n', '\r\n'),
    fc.array(fc.nat(400), { maxLength: 6 }),
  ])('splits written records back, at any chunk boundary, as csv-parse does', (records, eol, cuts) => {
    const text = records.map((r) => r.map(csvField).join(',')).join(eol) + (records.length > 0 ? eol : '');
    const got = splitChunks(text, cuts);
    expect(got.records).toEqual(records);
    expect(got.malformed).toBe(0);
    const reference = parse(text, { relax_column_count: true, trim: true, skip_empty_lines: true });
    expect(got.records).toEqual(reference);
  });

  it('reports the line each record starts on', () => {
    const got = splitChunks('a,b\n\n"x\ny",z\r\nlast', [5, 9]);
    expect(got.records).toEqual([['a', 'b'], ['x\ny', 'z'], ['last']]);
    expect(got.lines).toEqual([1, 3, 5]);
  });

  it('skips and counts a record with text after a closing quote', () => {
    const s = splitChunks('1,"a"b,2\n3,4\n', []);
    expect(s.records).toEqual([['3', '4']]);
    expect(s.malformed).toBe(1);
  });

  test.prop([
    fc.array(fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 2, maxLength: 4 }), {
      minLength: 2,
      maxLength: 30,
    }),
    fc.nat(),
    fc.array(fc.nat(600), { maxLength: 5 }),
  ])('a quote never closed costs its own line only, not the rest of the file', (rows, which, cuts) => {
    // A stray quote at the start of one row (a field like `"12`): that row is malformed and
    // skipped; every other row still comes out, whatever the chunking.
    const k = which % rows.length;
    const text = rows.map((r, i) => (i === k ? `"${r.join(',')}` : r.join(','))).join('\n');
    const got = splitChunks(text, cuts);
    expect(got.records).toEqual(rows.filter((_, i) => i !== k).map((r) => r.map(String)));
    expect(got.malformed).toBe(1);
  });

  it('keeps a quote inside an unquoted field as a character', () => {
    expect(splitText('a"b,c\n')).toEqual([['a"b', 'c']]);
  });
});
