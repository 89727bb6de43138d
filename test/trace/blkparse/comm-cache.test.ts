// CommCache: process names cut from line bytes are interned once and found again by pid,
// also when one pid alternates between two names (ftrace's running task and the name in the
// event body) and when pids share a cache slot. Expected names are the literals written.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { CommCache } from '../../../src/trace/blkparse/comm-cache.js';
import { StringTable } from '../../../src/trace/event.js';

const enc = new TextEncoder();

/** Interns `name` as it would appear inside a line: with bytes before and after it. */
function intern(cache: CommCache, name: string, pid: number): number {
  const line = enc.encode(`  [${name}] 12`);
  const start = 3;
  return cache.intern(line, start, start + enc.encode(name).length, pid);
}

describe('CommCache', () => {
  test.prop([
    fc.array(
      fc.record({
        pid: fc.constantFrom(1, 2, 4097, 8193, 65536),
        name: fc.constantFrom('fio', 'rm', 'kworker/0:1H', 'jbd2/sda1-8', 'prozeß', '(null)', ''),
      }),
      { maxLength: 60 },
    ),
  ])('gives every line the index of its own name', (lines) => {
    const strings = new StringTable();
    const cache = new CommCache(strings);
    for (const { pid, name } of lines) {
      const id = intern(cache, name, pid);
      // blkparse prints (null) for a pid no PROCESS note named: unknown, index 0.
      expect(strings.get(id)).toBe(name === '(null)' ? '' : name);
    }
  });

  test('one pid named two ways in turn keeps both names', () => {
    const strings = new StringTable();
    const cache = new CommCache(strings);
    const ids = ['fio', 'rm', 'fio', 'rm'].map((n) => intern(cache, n, 4242));
    expect(ids.map((i) => strings.get(i))).toEqual(['fio', 'rm', 'fio', 'rm']);
    expect(strings.values).toEqual(['', 'fio', 'rm']);
  });
});
