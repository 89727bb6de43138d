// fio iolog v2 and v3 (trace-formats §5.1): wait semantics, timestamps, the ops, bad lines.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { newBatch, StringTable } from '../../../src/trace/event.js';
import { IologDecoder, V3_WAIT_IGNORED } from '../../../src/trace/iolog/decoder.js';
import { iologFormat } from '../../../src/trace/iolog/reader.js';
import { openTrace } from '../../../src/trace/open.js';
import { readError, readText, tempFile } from '../csv/helpers.js';

describe('fio iolog v2', () => {
  it('arrivals are spaced by waits only; waits below 100 µs are ignored', async () => {
    const log = [
      'fio version 2 iolog',
      '/dev/sdb add',
      '/dev/sdb open',
      '/dev/sdb write 0 4096',
      '/dev/sdb write 4096 4096',
      '/dev/sdb wait 500 0',
      '/dev/sdb read 8192 8192',
      '/dev/sdb wait 50 0',
      '/dev/sdb trim 1048576 65536',
      '/dev/sdb wait 1000 0',
      '/dev/sdb sync 0 0',
      '/dev/sdb datasync 0 0',
      '/dev/sdb close',
    ].join('\n');
    const { events, source } = await readText(iologFormat, log);
    // 0, 0, then +500 µs; the 50 µs wait is noise; then +1000 µs.
    expect(events.map((e) => [e.timeNs, e.op, e.sector, e.bytes])).toEqual([
      [0, 'write', 0, 4096],
      [0, 'write', 8, 4096],
      [500_000, 'read', 16, 8192],
      [500_000, 'discard', 2048, 65536],
      [1_500_000, 'flush', null, 0],
      [1_500_000, 'flush', null, 0],
    ]);
    expect(events.every((e) => e.action === 'IO' && e.volume === '/dev/sdb' && e.aux === -1)).toBe(true);
    expect(source.info).toMatchObject({ format: 'fio-iolog', records: 6, hasStages: false });
  });
});

describe('fio iolog v3', () => {
  it('µs timestamps give the arrival times, relative to the first I/O', async () => {
    const log = [
      'fio version 3 iolog',
      '0 /dev/nvme0n1 add',
      '3 /dev/nvme0n1 open',
      '120 /dev/nvme0n1 read 0 4096',
      '175 /dev/nvme0n1 write 4096 4096',
      '180 /dev/nvme0n1 wait 100 0',
      '1120 /dev/nvme0n1 read 8192 4096',
      '2000 /dev/nvme0n1 close',
    ].join('\n');
    const { events, source } = await readText(iologFormat, log);
    expect(events.map((e) => [e.timeNs, e.op, e.sector])).toEqual([
      [0, 'read', 0],
      [55_000, 'write', 8],
      [1_000_000, 'read', 16],
    ]);
    expect(source.info.warnings).toEqual({ [V3_WAIT_IGNORED]: 1 });
  });

  it('is detected by its first line', async () => {
    const source = await openTrace(tempFile('fio version 3 iolog\n5 f read 0 512\n', 'job.log'));
    expect(source.info.format).toBe('fio-iolog');
  });
});

describe('bad lines', () => {
  it('IOLOG_BAD_LINE with the line number', async () => {
    const err = await readError(iologFormat, 'fio version 2 iolog\nf write 0 4096\nf write zero 4096\n');
    expect(err).toMatchObject({ code: 'IOLOG_BAD_LINE', line: 3 });
  });

  it('an unknown action is a bad line', async () => {
    const err = await readError(iologFormat, 'fio version 3 iolog\n1 f frobnicate 0 1\n');
    expect(err).toMatchObject({ code: 'IOLOG_BAD_LINE', line: 2 });
  });

  it('a header and file actions only: INPUT_EMPTY, as a CSV without data rows fails', async () => {
    for (const log of ['fio version 2 iolog\n', 'fio version 3 iolog\n0 f add\n0 f open\n5 f close\n'])
      expect(await readError(iologFormat, log)).toMatchObject({ code: 'INPUT_EMPTY' });
  });

  it('a missing header is a bad first line', async () => {
    expect(await readError(iologFormat, 'f write 0 4096\n')).toMatchObject({
      code: 'IOLOG_BAD_LINE',
      line: 1,
    });
  });

  const word = fc.oneof(
    fc.constantFrom(
      'f',
      'read',
      'write',
      'wait',
      'trim',
      'sync',
      'add',
      'close',
      '4096',
      '-1',
      '1e3',
      '99999999999999999999',
    ),
    fc.string({ maxLength: 5 }),
  );
  const junk = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.array(word, { maxLength: 6 }).map((w) => w.join(' ')),
  );

  test.prop([fc.constantFrom(2, 3), fc.array(junk, { maxLength: 20 })])(
    'the decoder returns errors, never throws, on random lines',
    (version, lines) => {
      const dec = new IologDecoder('x', new StringTable(), { warnings: {} });
      const b = newBatch(64);
      dec.line(`fio version ${version} iolog`, 1, b, 0);
      lines.forEach((l, k) => {
        const r = dec.line(l, k + 2, b, 0);
        if (r === true) b.length++;
      });
    },
  );
});
