// The CSV dialects of trace-formats §5.2-5.5, from the spec's documented units and examples.
import { describe, expect, it } from 'vitest';
import { filetimeToUnixNs } from '../../../src/trace/csv/columns.js';
import { csvDialectFormats } from '../../../src/trace/csv/reader.js';
import { LATE_ROW_WARNING } from '../../../src/trace/csv/reorder.js';
import { readText } from './helpers.js';

const fmt = (id: string) => csvDialectFormats.find((f) => f.id === id)!;

describe('MSR Cambridge (trace-formats §5.2)', () => {
  it('FILETIME -> unix ns: (ft - 116444736000000000) x 100', () => {
    expect(filetimeToUnixNs(116444736000000000n)).toBe(0n);
    expect(filetimeToUnixNs(116444736000000001n)).toBe(100n);
    // 2007-02-22: 128166372003061629 - 116444736000000000 = 11721636003061629 ticks.
    expect(filetimeToUnixNs(128166372003061629n)).toBe(1172163600306162900n);
  });

  it('rows become IO events: relative time, sectors, volume host_disk, latency x 100 ns', async () => {
    const { events, source } = await readText(
      fmt('msr'),
      '128166372003061629,hm,0,Write,3506700288,4096,1567\n128166372003071629,hm,0,Read,512,8192,20\n',
    );
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      timeNs: 0,
      action: 'IO',
      op: 'write',
      volume: 'hm_0',
      sector: 3506700288 / 512,
      bytes: 4096,
      aux: 1567 * 100,
    });
    // 10000 ticks later = 1 ms.
    expect(events[1]).toMatchObject({ timeNs: 1_000_000, op: 'read', sector: 1, bytes: 8192, aux: 2000 });
    expect(source.info.hasStages).toBe(false);
    // The origin is approximate in a double (2^60 scale): within 256 ns.
    expect(Math.abs(source.info.originWallNs! - 1172163600306162900)).toBeLessThanOrEqual(256);
  });

  it('a header row is detected and skipped', async () => {
    const { events } = await readText(
      fmt('msr'),
      'Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n128166372003061629,src1,2,Read,0,4096,10\n',
    );
    expect(events.map((e) => e.volume)).toEqual(['src1_2']);
  });

  it('a first data row with its timestamp blank is a bad row, counted, not a header skipped unseen', async () => {
    const { events, source } = await readText(
      fmt('msr'),
      ',hm,0,Read,0,4096,1\n128166372003061629,hm,0,Read,0,4096,1\n128166372003061630,hm,0,Read,4096,4096,1\n',
    );
    expect(events).toHaveLength(2);
    expect(source.info.warnings).toEqual({ 'csv: bad Timestamp value (row skipped)': 1 });
  });

  it('an offset that is not sector-aligned is rounded down and counted', async () => {
    const { events, source } = await readText(fmt('msr'), '128166372003061629,hm,0,Read,1000,512,1\n');
    expect(events[0].sector).toBe(1);
    expect(Object.values(source.info.warnings)).toEqual([1]);
  });
});

describe('Alibaba 2020 (trace-formats §5.3)', () => {
  it('µs epoch timestamps: the spec example 1577808000000626', async () => {
    const { events, source } = await readText(
      fmt('alibaba'),
      '17,W,8192,4096,1577808000000626\n17,R,0,512,1577808000000700\n',
    );
    expect(events[0]).toMatchObject({
      timeNs: 0,
      volume: 'alibaba:17',
      op: 'write',
      sector: 16,
      bytes: 4096,
      aux: -1,
    });
    expect(events[1]).toMatchObject({ timeNs: 74_000, op: 'read', sector: 0 });
    // 1577808000 s = 2019-12-31T16:00:00Z; + 626 µs.
    expect(Math.abs(source.info.originWallNs! - 1577808000000626000)).toBeLessThanOrEqual(256);
  });

  it('rows out of order within the window are sorted; the origin is the earliest row', async () => {
    const { events, source } = await readText(
      fmt('alibaba'),
      '1,R,0,512,1577808000000100\n2,R,0,512,1577808000000050\n3,R,0,512,1577808000000200\n',
    );
    expect(events.map((e) => [e.volume, e.timeNs, e.rec])).toEqual([
      ['alibaba:2', 0, 1],
      ['alibaba:1', 50_000, 0],
      ['alibaba:3', 150_000, 2],
    ]);
    expect(source.info.warnings).toEqual({});
  });

  it('a row later than the window allows keeps order and is counted', async () => {
    // Window of 2 rows: the 5th row (earliest) arrives after two windows were emitted.
    const rows = [100, 200, 300, 400, 10].map((t, i) => `${i},R,0,512,${1577808000000000 + t}`).join('\n');
    const { events, source } = await readText(fmt('alibaba'), `${rows}\n`, 2);
    const times = events.map((e) => e.timeNs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(source.info.warnings[LATE_ROW_WARNING]).toBe(1);
  });
});

describe('SPC / UMass (trace-formats §5.5)', () => {
  it('the spec example 0,303567,3584,w,0.000000', async () => {
    const { events } = await readText(fmt('spc'), '0,303567,3584,w,0.000000\n');
    expect(events).toEqual([
      expect.objectContaining({
        timeNs: 0,
        volume: 'asu:0',
        sector: 303567,
        bytes: 3584,
        op: 'write',
        aux: -1,
      }),
    ]);
  });

  it('seconds with 6 decimals, blanks around fields, extra trailing fields ignored', async () => {
    const { events } = await readText(fmt('spc'), '1, 10, 512, R, 0.000001, 7\n1,11,512,r,1.500000\n');
    expect(events.map((e) => [e.timeNs, e.op, e.volume])).toEqual([
      [0, 'read', 'asu:1'],
      [1_499_999_000, 'read', 'asu:1'],
    ]);
  });
});

describe('Tencent CBS (trace-formats §5.4)', () => {
  it('seconds, sector offsets and sizes, 0 = read', async () => {
    const { events } = await readText(fmt('tencent'), '1538323200,100,8,0,1234\n1538323201,0,16,1,1234\n');
    expect(events.map((e) => [e.timeNs, e.op, e.sector, e.bytes, e.volume])).toEqual([
      [0, 'read', 100, 4096, 'tencent:1234'],
      [1e9, 'write', 0, 8192, 'tencent:1234'],
    ]);
  });
});
