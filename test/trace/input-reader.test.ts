// InputFile.openReader: an uncompressed file read into the caller's buffers gives exactly the
// file's bytes (compared with readFileSync), whatever the buffer size, also across the
// read-ahead of files several chunks long; a gzip file has none.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { openInput, READ_BYTES } from '../../src/trace/input.js';

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

  const dir = mkdtempSync(join(tmpdir(), 'ufq-reader-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A file of `size` bytes that differ from chunk to chunk (a xorshift sequence). */
  const made = new Map<number, { path: string; bytes: Uint8Array }>();
  function bigFile(size: number): { path: string; bytes: Uint8Array } {
    const known = made.get(size);
    if (known) return known;
    const bytes = new Uint8Array(size);
    let x = 2463534242;
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    const path = join(dir, `big-${size}.bin`);
    writeFileSync(path, bytes);
    made.set(size, { path, bytes });
    return { path, bytes };
  }

  async function readAll(path: string, bufferSizes: number[]): Promise<Uint8Array> {
    const f = await openInput(path);
    const reader = await (f.openReader as NonNullable<typeof f.openReader>)();
    const out = new Uint8Array(f.size + 1);
    let at = 0;
    for (let k = 0; ; k++) {
      const buf = new Uint8Array(bufferSizes[k % bufferSizes.length]);
      const n = await reader.read(buf);
      if (n === 0) break;
      out.set(buf.subarray(0, n), at);
      at += n;
    }
    await reader.close();
    return out.subarray(0, at);
  }

  test.prop(
    [
      fc.constantFrom(2 * READ_BYTES, 2 * READ_BYTES + 12_345, 3 * READ_BYTES - 1),
      fc.array(fc.constantFrom(READ_BYTES, READ_BYTES - 1, 300_000, 3 * READ_BYTES, 4096), {
        minLength: 1,
        maxLength: 4,
      }),
    ],
    { numRuns: 10 },
  )('files of several chunks: every byte once, in order, whatever the buffer sizes', async (size, sizes) => {
    const { path, bytes } = bigFile(size);
    const got = await readAll(path, sizes);
    expect(got.length).toBe(bytes.length);
    // Buffer.equals: a per-element deep equality of megabytes would take minutes.
    expect(Buffer.from(got.buffer, got.byteOffset, got.length).equals(bytes)).toBe(true);
  });

  test('a compressed file offers no reader (its bytes come through chunks())', async () => {
    const f = await openInput('traces/rw-mix.kyber.blktrace.0.gz');
    expect(f.gzip).toBe(true);
    expect(f.openReader).toBeUndefined();
  });
});
