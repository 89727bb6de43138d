// The writer on a real capture: the events of traces/ext4-copy-read.mq-deadline (checked
// against blkparse in golden.test.ts) survive a -d-style dump in big-endian and per-CPU files
// in little-endian, with no spurious lost events where the kernel numbered its notes.
import { describe, expect, it } from 'vitest';
import { BlktraceSource } from '../../../src/trace/blktrace/reader.js';
import { encodeDump, encodePerCpu } from '../../../src/trace/blktrace/writer.js';
import { BATCH_ROWS, type TraceEvent } from '../../../src/trace/event.js';
import { openTrace } from '../../../src/trace/open.js';
import { drain, memoryInput } from './helpers.js';

const content = ({ src: _s, rec: _r, ...rest }: TraceEvent) => rest;

describe('blktrace writer on a real capture (trace-formats §1.3, §2.6)', () => {
  it('dump (BE) and per-CPU files (LE) read back to the same events', async () => {
    const src = await openTrace('traces/ext4-copy-read.mq-deadline');
    const { batches, events } = await drain(src);

    const dump = encodeDump(batches, src.strings, { littleEndian: false, info: src.info });
    const fromDump = new BlktraceSource([memoryInput('ext4.dump', dump)], { batchRows: BATCH_ROWS });
    expect(fromDump.layout).toBe('dump');
    expect(fromDump.info.byteOrder).toBe('be');
    expect((await drain(fromDump)).events.map(content)).toEqual(events.map(content));
    expect(fromDump.info.warnings).toEqual({});

    const files = encodePerCpu(batches, src.strings, {
      littleEndian: true,
      timeBaseNs: src.info.originMonoNs,
    });
    const inputs = [...files.entries()].map(([cpu, bytes]) => memoryInput(`ext4.blktrace.${cpu}`, bytes));
    const fromFiles = new BlktraceSource(inputs, { batchRows: BATCH_ROWS });
    expect((await drain(fromFiles)).events.map(content)).toEqual(events.map(content));
    expect(fromFiles.info.warnings).toEqual({});
    expect(fromFiles.info.originMonoNs).toBe(src.info.originMonoNs);
  });
});
