// InputFile.openReader: an uncompressed file read into the caller's buffers gives exactly the
// file's bytes (compared with readFileSync), whatever the buffer size; a gzip file has none.
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { openInput } from '../../src/trace/input.js';

describe('InputFile.openReader', () => {
  test.prop([fc.integer({ min: 1, max: 5000 })], { numRuns: 8 })(
    'reads the whole file, in order, into reused buffers',
    async (size) => {
      const path = 'traces/seqwrite-plug.none.btt.avg';
      const want = new Uint8Array(readFileSync(path));
      const f = await openInput(path);
      expect(f.gzip).toBe(false);
      const reader = await (f.openReader as NonNullable<typeof f.openReader>)();
      const buf = new Uint8Array(size);
      const got: number[] = [];
      for (;;) {
        const n = await reader.read(buf);
        if (n === 0) break;
        got.push(...buf.subarray(0, n));
      }
      await reader.close();
      await reader.close();
      expect(new Uint8Array(got)).toEqual(want);
    },
  );

  test('a compressed file offers no reader (its bytes come through chunks())', async () => {
    const f = await openInput('traces/rw-mix.kyber.blktrace.0.gz');
    expect(f.gzip).toBe(true);
    expect(f.openReader).toBeUndefined();
  });
});
