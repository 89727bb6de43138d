// Arrow write -> read is the identity on events, in both IPC forms (trace-formats §6.1).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { arrowFormat } from '../../../src/trace/arrow/reader.js';
import { encodeEventsArrow } from '../../../src/trace/arrow/writer.js';
import { openInput } from '../../../src/trace/input.js';
import { collect, eventsArb, memorySource } from './memory-source.js';

const dir = mkdtempSync(join(tmpdir(), 'ufq-arrow-rt-'));
let n = 0;

async function roundTrip(
  events: Parameters<typeof memorySource>[0],
  form: 'file' | 'stream',
  batchRows: number,
) {
  const { bytes } = await encodeEventsArrow(memorySource(events), { form, batchRows });
  const path = join(dir, `rt-${n++}.arrow`);
  writeFileSync(path, bytes);
  return collect(arrowFormat.open([await openInput(path)], { batchRows: 65536 }));
}

describe('arrow round trip', () => {
  for (const form of ['file', 'stream'] as const) {
    test.prop([eventsArb, fc.integer({ min: 1, max: 9 })], { numRuns: 60 })(
      `write -> read is the identity (${form} form)`,
      async (events, batchRows) => {
        expect(await roundTrip(events, form, batchRows)).toEqual(events);
      },
    );
  }
});
