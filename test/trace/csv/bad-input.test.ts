// Bad CSV input: a missing column is an error with its line; a bad value skips the row and
// is counted; a file with no readable row is an error; decoders never throw on junk.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DIALECTS, type IoRow } from '../../../src/trace/csv/columns.js';
import { decodeGenericRow, GENERIC_COLUMNS, genericLayout } from '../../../src/trace/csv/generic.js';
import { csvDialectFormats, genericCsvFormat } from '../../../src/trace/csv/reader.js';
import { splitText } from '../../../src/trace/csv/splitter.js';
import { newBatch, StringTable } from '../../../src/trace/event.js';
import { openTrace } from '../../../src/trace/open.js';
import { readError, readText, tempFile } from './helpers.js';

const msr = csvDialectFormats.find((f) => f.id === 'msr')!;
const tencent = csvDialectFormats.find((f) => f.id === 'tencent')!;
const spc = csvDialectFormats.find((f) => f.id === 'spc')!;

describe('missing columns', () => {
  it('a dialect file whose first row is short: CSV_MISSING_COLUMN at that line', async () => {
    const err = await readError(msr, '\n128166372003061629,hm,0,Write,3506700288\n');
    expect(err).toMatchObject({ code: 'CSV_MISSING_COLUMN', line: 2 });
  });

  it('a later short row is skipped and counted', async () => {
    const { events, source } = await readText(spc, '0,1,512,r,0.0\n0,2,512\n0,3,512,w,0.5\n');
    expect(events.map((e) => e.sector)).toEqual([1, 3]);
    expect(Object.values(source.info.warnings)).toEqual([1]);
  });

  it('a generic header without a required column: CSV_MISSING_COLUMN at line 1', async () => {
    const err = await readError(genericCsvFormat, 'time_ns,op,bytes\n0,read,4096\n');
    expect(err).toMatchObject({ code: 'CSV_MISSING_COLUMN', line: 1 });
    expect((err as Error).message).toContain('sector or offset_bytes');
  });
});

describe('bad values', () => {
  it('each bad row is skipped and counted by column', async () => {
    const { events, source } = await readText(
      msr,
      [
        '128166372003061629,hm,0,Write,4096,4096,10',
        '128166372003061630,hm,0,Erase,4096,4096,10',
        '128166372003061631,hm,0,Read,x,4096,10',
        '128166372003061632,hm,0,Read,8192,4096,10',
      ].join('\n'),
    );
    expect(events.map((e) => e.sector)).toEqual([8, 16]);
    expect(source.info.warnings).toEqual({
      'csv: bad Type value (row skipped)': 1,
      'csv: bad Offset value (row skipped)': 1,
    });
    expect(source.info.warningWhere?.['csv: bad Offset value (row skipped)']).toMatchObject({ line: 3 });
  });

  it('a file where every row is bad: CSV_BAD_VALUE naming the first bad line', async () => {
    const err = await readError(spc, '0,1,512,x,0.0\n0,1,512,r,zz\n');
    expect(err).toMatchObject({ code: 'CSV_BAD_VALUE', line: 1 });
  });

  it('generic rows with bad values are counted; the rest is read', async () => {
    const { events, source } = await readText(
      genericCsvFormat,
      'time_s,rwbs,offset_bytes,nr_sectors,comm\n0.5,WS,4096,8,fio\n0.6,??,0,8,fio\n0.7,R,,1,"a, b"\n',
    );
    expect(events.map((e) => [e.timeNs, e.op, e.flags, e.sector, e.bytes, e.comm, e.action])).toEqual([
      [500_000_000, 'write', 1, 8, 4096, 'fio', 'IO'],
      [700_000_000, 'read', 0, null, 512, 'a, b', 'IO'],
    ]);
    expect(source.info.warnings).toEqual({ 'csv: bad rwbs value (row skipped)': 1 });
  });
});

describe('generic CSV byte offsets', () => {
  it('one that is not a multiple of 512 is rounded down to its sector and counted, as the dialects do', async () => {
    const { events, source } = await readText(
      genericCsvFormat,
      'time_ns,op,offset_bytes,bytes\n0,read,4096,4096\n1,read,4100,4096\n2,read,1099511627776,4096\n',
    );
    // 1099511627776 = 2^40 bytes: sector 2^31, past 32 bits, aligned.
    expect(events.map((e) => e.sector)).toEqual([8, 8, 2 ** 31]);
    expect(source.info.warnings).toEqual({ 'offset not a multiple of 512 bytes (sector rounded down)': 1 });
  });
});

describe('a header, then rows with too few columns', () => {
  it('is CSV_MISSING_COLUMN for the first data row, as without the header, not CSV_NO_ROWS', async () => {
    expect(
      await readError(tencent, 'Timestamp,Offset,Size\n1538323200,100,8\n1538323201,200,8\n'),
    ).toMatchObject({
      code: 'CSV_MISSING_COLUMN',
      line: 2,
    });
  });
});

describe('empty input', () => {
  it('an empty file is INPUT_EMPTY when detecting the format', async () => {
    await expect(openTrace(tempFile('', 'empty.csv'))).rejects.toMatchObject({ code: 'INPUT_EMPTY' });
  });

  it('an empty file read as a forced format is CSV_NO_ROWS', async () => {
    expect(await readError(msr, '')).toMatchObject({ code: 'CSV_NO_ROWS' });
  });

  it('a header with no rows is CSV_NO_ROWS', async () => {
    expect(await readError(genericCsvFormat, 'time_ns,op,sector,bytes\n')).toMatchObject({
      code: 'CSV_NO_ROWS',
    });
  });
});

describe('detection (trace-formats §7 item 7)', () => {
  const cases: [string, string][] = [
    ['msr', '128166372003061629,hm,0,Write,3506700288,4096,1567\n'],
    ['alibaba', '17,W,8192,4096,1577808000000626\n'],
    ['spc', '0,303567,3584,w,0.000000\n'],
    ['tencent', '1538323200,100,8,0,1234\n'],
    ['csv', 'time_ns,action,op,sector,bytes\n0,Q,write,0,4096\n'],
  ];
  for (const [id, text] of cases) {
    it(`${id} is detected`, async () => {
      const source = await openTrace(tempFile(text));
      expect(source.info.format).toBe(id);
    });
  }

  it('a short file with a bad row or two is still its dialect, and the bad rows are counted', async () => {
    const text = [
      '128166372003061629,hm,0,Write,3506700288,4096,1567',
      '128166372003061630,hm,0,Frobnicate,0,4096,1',
      '128166372003061631,hm,0,Read,4096,4096,1',
      '128166372003061632,hm',
      '128166372003061633,hm,0,Read,8192,4096,1',
      '128166372003061634,hm,0,Write,12288,4096,1',
    ].join('\n');
    const source = await openTrace(tempFile(text));
    expect(source.info.format).toBe('msr');
    let n = 0;
    for await (const b of source.batches()) n += b.length;
    expect(n).toBe(4);
    expect(Object.values(source.info.warnings).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('lowercase Alibaba opcodes are detected as they are decoded', async () => {
    const source = await openTrace(
      tempFile('17,w,8192,4096,1577808000000626\n17,r,0,4096,1577808000000700\n'),
    );
    expect(source.info.format).toBe('alibaba');
  });

  it('a generic header naming a time column but lacking a required one: CSV_MISSING_COLUMN, not FORMAT_UNKNOWN', async () => {
    await expect(
      (async () => {
        const source = await openTrace(tempFile('time_s,op\n0.5,read\n'));
        for await (const _ of source.batches());
      })(),
    ).rejects.toMatchObject({ code: 'CSV_MISSING_COLUMN' });
  });
});

describe('decoders never throw', () => {
  const line = fc.string({
    unit: fc.constantFrom(...'0123456789,.-:"RWrw \tabcQIDCmx'.split('')),
    maxLength: 60,
  });
  const row: IoRow = { tHi: 0, tLo: 0, op: 0, sector: 0, bytes: 0, volA: '', volB: '', latencyNs: 0 };

  test.prop([line])('dialect decoders on random lines', (l) => {
    const f = splitText(l)[0] ?? [];
    for (const d of DIALECTS) {
      d.looksLike(f);
      if (f.length >= d.columns.length) d.decode(f, row);
    }
  });

  test.prop([
    fc.array(line, { maxLength: 30 }),
    fc.shuffledSubarray([...GENERIC_COLUMNS, 'time_s', 'nr_sectors']),
  ])('the generic decoder on random rows under a random header', (fields, header) => {
    const layout = genericLayout(header);
    const b = newBatch(1);
    expect(() => decodeGenericRow(fields, layout, b, 0, new StringTable(), 0)).not.toThrow();
  });
});
