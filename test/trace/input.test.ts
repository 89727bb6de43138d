// ByteLines, the byte-range line splitter of the text readers: whatever the chunking, it gives
// the lines String.prototype.split('\n') gives on the decoded text (the independent oracle),
// without the trailing CR and without a leading byte-order mark, and reports a final line
// without newline separately.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ByteLines } from '../../src/trace/input.js';

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Splits `bytes` delivered at the given cut points; the lines as strings, and the final flag. */
function split(bytes: Uint8Array, cuts: number[]): { lines: string[]; finalUnterminated: boolean } {
  const lines = new ByteLines();
  const out: string[] = [];
  const bounds = [...new Set([0, ...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort(
    (a, b) => a - b,
  );
  for (let i = 0; i + 1 < bounds.length; i++) {
    lines.push(bytes.slice(bounds[i], bounds[i + 1]));
    while (lines.next()) out.push(utf8.decode(lines.buf.subarray(lines.start, lines.end)));
  }
  const finalUnterminated = lines.finish();
  if (finalUnterminated) out.push(utf8.decode(lines.buf.subarray(lines.start, lines.end)));
  expect(lines.lineNo).toBe(out.length);
  return { lines: out, finalUnterminated };
}

/** The oracle: the text split on newlines, CRs before them dropped, no empty tail. */
function expected(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const parts = body.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const textArb = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '\r', 'é', '€', '\uFEFF'), maxLength: 120 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
);
const cutsArb = fc.array(fc.nat(200), { maxLength: 12 });

describe('ByteLines', () => {
  test.prop([textArb, cutsArb])('gives the lines of split("\\n") for any chunking', (text, cuts) => {
    const bytes = new TextEncoder().encode(text);
    const { lines, finalUnterminated } = split(bytes, cuts);
    expect(lines).toEqual(expected(text));
    const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
    expect(finalUnterminated).toBe(body.length > 0 && !body.endsWith('\n'));
  });

  test.prop([textArb, cutsArb])('drops a leading byte-order mark even when chunks cut it', (text, cuts) => {
    const body = text.startsWith('\uFEFF') ? `x${text}` : text;
    const bytes = new TextEncoder().encode(`\uFEFF${body}`);
    expect(split(bytes, [1, 2, ...cuts]).lines).toEqual(expected(body));
  });

  test.prop([fc.constantFrom('', '\r', 'ab'), cutsArb])(
    'a lone CR or text after the last newline is a final line',
    (tail, cuts) => {
      const bytes = new TextEncoder().encode(`one\ntwo\n${tail}`);
      const { lines, finalUnterminated } = split(bytes, cuts);
      expect(lines).toEqual(tail === '' ? ['one', 'two'] : ['one', 'two', tail === '\r' ? '' : tail]);
      expect(finalUnterminated).toBe(tail !== '');
    },
  );

  test('a line longer than the chunks is joined whole', () => {
    const long = 'x'.repeat(5000);
    const bytes = new TextEncoder().encode(`a\n${long}\nb`);
    const cuts = Array.from({ length: 60 }, (_, i) => 3 + i * 97);
    expect(split(bytes, cuts).lines).toEqual(['a', long, 'b']);
  });
});
