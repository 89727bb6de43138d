// I/O-table CSV rows (`convert --ios --to csv` columns, any order) -> already-paired IO
// events: a property over generated tables, expected values built by hand from the row
// (dev_t = major << 20 | minor, ioprio = class << 13 | hint << 3 | level, as
// include/uapi/linux/ioprio.h encodes them); and bad input with its coded error and line.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import Run from '../../../src/commands/run.js';
import { csvIosFormat } from '../../../src/trace/csv/reader.js';
import { OP_NAME, type TraceEvent } from '../../../src/trace/event.js';
import { openTrace } from '../../../src/trace/open.js';
import { printed, spyConsole } from '../../helpers/console.js';
import { runCommandClass } from '../../helpers/run-command.js';
import { collect, trickyString } from '../arrow/memory-source.js';
import { readError, readText, tempFile } from './helpers.js';

const spies = spyConsole();

/** The header `convert --ios --to csv` writes (docs/formats.md). */
const COLUMNS = [
  'req',
  't_q',
  't_g',
  't_i',
  't_m',
  't_d',
  't_c',
  'dev',
  'volume',
  'op',
  'flags',
  'sector',
  'bytes',
  'pid',
  'comm',
  'cpu',
  'ioprio_class',
  'ioprio_level',
  'ioprio_hint',
  'merged_into',
  'requeues',
  'error',
] as const;
type Column = (typeof COLUMNS)[number];

/** include/uapi/linux/ioprio.h IOPRIO_CLASS_RT/BE/IDLE. */
const CLASS_CODE = { rt: 1, be: 2, idle: 3 } as const;

const nat = (max: number) => fc.integer({ min: 0, max });
const stage = fc.option(nat(2 ** 45), { nil: undefined });

const rowArb = fc.record({
  req: fc.maxSafeNat(),
  tQ: nat(2 ** 45),
  latency: fc.option(nat(2 ** 32), { nil: undefined }),
  tG: stage,
  tI: stage,
  tM: stage,
  tD: stage,
  dev: fc.option(fc.tuple(nat(4095), nat(0xfffff)), { nil: undefined }),
  volume: trickyString,
  op: fc.constantFrom(...Object.values(OP_NAME)),
  flags: nat(0xffff),
  sector: fc.option(fc.maxSafeNat(), { nil: null }),
  bytes: nat(0xffffffff),
  pid: nat(0xffffffff),
  comm: trickyString,
  cpu: nat(0xffff),
  prio: fc.option(
    fc.record({ cls: fc.constantFrom(...(['rt', 'be', 'idle'] as const)), level: nat(7), hint: nat(1023) }),
    { nil: undefined },
  ),
  mergedInto: fc.option(fc.maxSafeNat(), { nil: undefined }),
  requeues: nat(0xffff),
  error: fc.integer({ min: -0x80000000, max: 0 }),
});
type Row = typeof rowArb extends fc.Arbitrary<infer R> ? R : never;

/** RFC 4180: every string quoted, quotes doubled. */
const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;
const opt = (x: number | undefined | null) => (x === undefined || x === null ? '' : String(x));

function field(r: Row, c: Column): string {
  switch (c) {
    case 'req':
      return String(r.req);
    case 't_q':
      return String(r.tQ);
    case 't_g':
      return opt(r.tG);
    case 't_i':
      return opt(r.tI);
    case 't_m':
      return opt(r.tM);
    case 't_d':
      return opt(r.tD);
    case 't_c':
      return r.latency === undefined ? '' : String(r.tQ + r.latency);
    case 'dev':
      return r.dev ? `${r.dev[0]}:${r.dev[1]}` : '';
    case 'volume':
      return quoted(r.volume);
    case 'op':
      return r.op;
    case 'flags':
      return String(r.flags);
    case 'sector':
      return opt(r.sector);
    case 'bytes':
      return String(r.bytes);
    case 'pid':
      return String(r.pid);
    case 'comm':
      return quoted(r.comm);
    case 'cpu':
      return String(r.cpu);
    case 'ioprio_class':
      return r.prio?.cls ?? '';
    case 'ioprio_level':
      return opt(r.prio?.level);
    case 'ioprio_hint':
      return opt(r.prio?.hint);
    case 'merged_into':
      return opt(r.mergedInto);
    case 'requeues':
      return String(r.requeues);
    case 'error':
      return String(r.error);
  }
}

function expected(r: Row): TraceEvent {
  return {
    timeNs: r.tQ,
    src: 0,
    rec: r.req,
    dev: r.dev ? r.dev[0] * 2 ** 20 + r.dev[1] : 0,
    volume: r.volume,
    cpu: r.cpu,
    seq: 0,
    pid: r.pid,
    comm: r.comm,
    action: 'IO',
    op: r.op,
    flags: r.flags,
    sector: r.sector,
    bytes: r.bytes,
    error: r.error,
    ioprio: r.prio ? CLASS_CODE[r.prio.cls] * 8192 + r.prio.hint * 8 + r.prio.level : 0,
    aux: r.latency ?? -1,
    auxDev: 0,
  };
}

describe('I/O-table CSV rows', () => {
  test.prop(
    [
      fc.array(rowArb, { minLength: 1, maxLength: 30 }),
      fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length }),
    ],
    {
      numRuns: 60,
    },
  )('each row is one IO event at t_q with latency t_c - t_q, in time order', async (rows, order) => {
    const text = [order.join(','), ...rows.map((r) => order.map((c) => field(r, c)).join(','))].join('\n');
    const { events, source } = await readText(csvIosFormat, text);
    // Rows are put in time order; ties keep file order.
    const want = rows
      .map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.tQ - b.r.tQ || a.i - b.i)
      .map(({ r }) => expected(r));
    expect(events).toEqual(want);
    expect(source.info.warnings).toEqual({});
    expect(source.info.hasStages).toBe(false);
  });

  it('only t_q, op, sector and bytes are needed; no t_c column means unknown latency', async () => {
    const { events } = await readText(
      csvIosFormat,
      'bytes,sector,op,t_q\n4096,8,write,100\n512,,flush,250\n',
    );
    expect(events.map((e) => [e.timeNs, e.op, e.sector, e.bytes, e.aux, e.rec])).toEqual([
      [100, 'write', 8, 4096, -1, 0],
      [250, 'flush', null, 512, -1, 1],
    ]);
  });

  it('is detected by its header, not by --format', async () => {
    const path = tempFile('req,t_q,t_c,op,sector,bytes\n0,10,30,read,0,4096\n');
    const source = await openTrace(path);
    expect(source.info.format).toBe('csv-ios');
    expect((await collect(source)).map((e) => e.aux)).toEqual([20]);
  });
});

describe('bad I/O-table input', () => {
  it('a header without a required column: CSV_MISSING_COLUMN at line 1, naming it', async () => {
    const err = await openTrace(tempFile('req,t_q,t_c,op,sector\n0,0,10,read,8\n'))
      .then(collect)
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'CSV_MISSING_COLUMN', line: 1 });
    expect(err.message).toContain("'bytes or nr_sectors'");
  });

  it('forced as csv-ios, an events header is CSV_MISSING_COLUMN (no t_q)', async () => {
    const err = await readError(csvIosFormat, 'time_ns,op,sector,bytes\n0,read,0,512\n');
    expect(err).toMatchObject({ code: 'CSV_MISSING_COLUMN', line: 1 });
    expect((err as Error).message).toContain("'t_q'");
  });

  it('a row with a bad number is skipped and counted with its line; the rest is read', async () => {
    const { events, source } = await readText(
      csvIosFormat,
      't_q,t_c,op,sector,bytes\n0,5,read,0,512\n1x,9,read,8,512\n20,25,read,16,512\n',
    );
    expect(events.map((e) => e.sector)).toEqual([0, 16]);
    expect(source.info.warnings).toEqual({ 'csv: bad t_q value (row skipped)': 1 });
    expect(source.info.warningWhere?.['csv: bad t_q value (row skipped)']).toMatchObject({ line: 3 });
  });

  it('a file with no readable row: CSV_BAD_VALUE with the first bad line and column', async () => {
    const err = await readError(csvIosFormat, 't_q,t_c,op,sector,bytes\n10,1.5,read,0,512\n');
    expect(err).toMatchObject({ code: 'CSV_BAD_VALUE', line: 2 });
    expect((err as Error).message).toContain('t_c');
  });

  it('t_c before t_q is a bad t_c, not a negative latency', async () => {
    const err = await readError(csvIosFormat, 't_q,t_c,op,sector,bytes\n100,99,read,0,512\n');
    expect(err).toMatchObject({ code: 'CSV_BAD_VALUE', line: 2 });
    expect((err as Error).message).toContain('t_c');
  });

  it('a row missing a required field is a bad value of that column', async () => {
    const err = await readError(csvIosFormat, 't_q,t_c,op,sector,bytes\n5,9,read,8\n');
    expect(err).toMatchObject({ code: 'CSV_BAD_VALUE', line: 2 });
    expect((err as Error).message).toContain('bytes');
  });

  it('run on such a file: exit 3 and one line naming the file and line', async () => {
    const path = tempFile('t_q,t_c,op,sector,bytes\n5,x,read,8,512\n');
    const run = await runCommandClass(Run, [path, '--policy', 'none', '--device', 'nvme']);
    expect(run.exitCode).toBe(3);
    const said = printed(spies.err)
      .split('\n')
      .filter((l) => l !== '');
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`${path}: line 2: `);
  });
});
