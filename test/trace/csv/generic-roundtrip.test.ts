// Generic CSV write -> read is the identity on every field the schema carries (all of an
// EventBatch row), including Q/G/I/D/C actions, messages, ioprio and odd process names.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { genericCsvFormat } from '../../../src/trace/csv/reader.js';
import { writeEventsCsv } from '../../../src/trace/csv/writer.js';
import { openInput } from '../../../src/trace/input.js';
import { collect, eventsArb, memorySource } from '../arrow/memory-source.js';

const dir = mkdtempSync(join(tmpdir(), 'ufq-csv-rt-'));
let n = 0;

describe('generic CSV round trip', () => {
  test.prop([eventsArb], { numRuns: 80 })('write -> read is the identity', async (events) => {
    const path = join(dir, `rt-${n++}.csv`);
    const summary = await writeEventsCsv(memorySource(events), path);
    expect(summary.rows).toBe(events.length);
    if (events.length === 0) return; // a header-only file is CSV_NO_ROWS (bad-input tests)
    const back = await collect(genericCsvFormat.open([await openInput(path)], { batchRows: 5 }));
    expect(back).toEqual(events);
  });
});
