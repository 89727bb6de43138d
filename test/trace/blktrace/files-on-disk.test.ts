// Uncompressed files are read straight into the decoder's own buffer (InputFile.openReader,
// BlktraceDecoder.space/commit); compressed ones arrive as decompressor chunks. The two must
// give the same events and the same pairing: the gzip traces, unpacked to a temporary folder,
// against themselves.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../../src/trace/open.js';
import { pairEvents } from '../../../src/trace/pair.js';
import { drain } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'blktrace-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function unpack(gz: string, name: string): string {
  const out = join(dir, name);
  writeFileSync(out, gunzipSync(readFileSync(gz)));
  return out;
}

describe('blktrace files on disk: read into the decoder buffer = read through chunks', () => {
  it('per-CPU files (seqwrite-plug.none), in batches of any size', async () => {
    for (const cpu of [0, 1]) unpack(`traces/seqwrite-plug.none.blktrace.${cpu}.gz`, `sw.blktrace.${cpu}`);
    const want = await drain(await openTrace('traces/seqwrite-plug.none'));
    for (const batchRows of [65536, 97, 1]) {
      const src = await openTrace(join(dir, 'sw'), { batchRows });
      const got = await drain(src);
      expect(got.events).toEqual(want.events);
      expect(src.info.records).toBeGreaterThan(0);
    }
  });

  it('a blkparse -d dump (seq-vs-rand.none): same events and the same btt figures', async () => {
    const path = unpack('traces/seq-vs-rand.none.dump.gz', 'svr.dump');
    const a = await openTrace('traces/seq-vs-rand.none.dump.gz');
    const b = await openTrace(path);
    expect((await drain(b)).events).toEqual((await drain(a)).events);
    expect(b.info.records).toBe(a.info.records);
    expect(b.info.bytes).toBe(a.info.bytes);
    expect(b.info.warnings).toEqual(a.info.warnings);
    const pa = await pairEvents(await openTrace('traces/seq-vs-rand.none.dump.gz'));
    const pb = await pairEvents(await openTrace(path));
    expect(pb.btt).toEqual(pa.btt);
    expect(pb.ios.length).toBe(pa.ios.length);
    expect(Array.from(pb.ios.tC)).toEqual(Array.from(pa.ios.tC));
  });
});
