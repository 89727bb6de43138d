// Real captures survive Arrow and generic CSV unchanged: binary blktrace (two CPUs; splits,
// timer unplugs, merges) and block tracepoint text (with I/O priorities).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEventsArrow } from '../../../src/trace/arrow/writer.js';
import { writeEventsCsv } from '../../../src/trace/csv/writer.js';
import { openTrace } from '../../../src/trace/open.js';
import { collect } from './memory-source.js';

const dir = mkdtempSync(join(tmpdir(), 'ufq-real-'));

describe('real traces through Arrow and CSV', () => {
  for (const trace of ['traces/ext4-copy-read.mq-deadline', 'traces/rw-mix.kyber.tp.txt.gz']) {
    it(trace, async () => {
      const original = await collect(await openTrace(trace));
      const arrow = join(dir, `${original.length}.arrow`);
      const csv = join(dir, `${original.length}.csv`);
      await writeEventsArrow(await openTrace(trace), arrow, { batchRows: 10_000 });
      await writeEventsCsv(await openTrace(trace), csv);
      expect(await collect(await openTrace(arrow))).toEqual(original);
      expect(await collect(await openTrace(csv))).toEqual(original);
    });
  }
});
