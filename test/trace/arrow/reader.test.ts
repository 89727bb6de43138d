// Reading Arrow: detection by magic, gzip, schema checks with coded errors, values past
// 2^53 rejected, files from other Arrow writers (plain utf8, other integer widths) accepted,
// and the footer metadata reflecting the final reader info.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  Int32,
  Int64,
  Table,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
  Uint64,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isArrowFile, isArrowStream } from '../../../src/trace/arrow/magic.js';
import { arrowFormat } from '../../../src/trace/arrow/reader.js';
import { encodeEventsArrow } from '../../../src/trace/arrow/writer.js';
import type { TraceEvent } from '../../../src/trace/event.js';
import { openInput } from '../../../src/trace/input.js';
import { openTrace } from '../../../src/trace/open.js';
import { collect, memorySource } from './memory-source.js';

const dir = mkdtempSync(join(tmpdir(), 'ufq-arrow-'));
let n = 0;
const file = (bytes: Uint8Array, ext = 'arrow') => {
  const p = join(dir, `f${n++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
};

const ev = (over: Partial<TraceEvent>): TraceEvent => ({
  timeNs: 0,
  src: 0,
  rec: 0,
  dev: (8 << 20) | 16,
  volume: '',
  cpu: 1,
  seq: 1,
  pid: 1234,
  comm: 'fio',
  action: 'Q',
  op: 'write',
  flags: 1,
  sector: 2048,
  bytes: 4096,
  error: 0,
  ioprio: 0,
  aux: 0,
  auxDev: 0,
  ...over,
});

const EVENTS = [
  ev({}),
  ev({ timeNs: 1812, rec: 1, seq: 2, action: 'G' }),
  ev({ timeNs: 5000, rec: 2, seq: 3, action: 'C', comm: '', pid: 0, error: -5, ioprio: (2 << 13) | 4 }),
  ev({
    timeNs: 6000,
    rec: 3,
    seq: 0,
    action: 'm',
    op: 'none',
    sector: null,
    bytes: 0,
    msg: 'bfq1234S dispatched',
  }),
];

describe('detection', () => {
  it('file form by ARROW1, stream form by the continuation marker', async () => {
    const f = await encodeEventsArrow(memorySource(EVENTS), { form: 'file' });
    const s = await encodeEventsArrow(memorySource(EVENTS), { form: 'stream' });
    expect(isArrowFile(f.bytes)).toBe(true);
    expect(isArrowStream(s.bytes)).toBe(true);
    expect(isArrowFile(s.bytes)).toBe(false);
    for (const bytes of [f.bytes, s.bytes]) {
      const source = await openTrace(file(bytes));
      expect(source.info.format).toBe('arrow');
      expect(await collect(source)).toEqual(EVENTS);
    }
  });

  it('reads a gzip-compressed file', async () => {
    const { bytes } = await encodeEventsArrow(memorySource(EVENTS));
    expect(await collect(await openTrace(file(gzipSync(bytes), 'arrow.gz')))).toEqual(EVENTS);
  });
});

describe('metadata', () => {
  it('bt.* keys are written; the file footer carries the final info', async () => {
    const source = memorySource(EVENTS, { format: 'blktrace', originMonoNs: 123456789, byteOrder: 'le' });
    const batches = source.batches.bind(source);
    // Warnings and lost events become known only while reading.
    source.batches = async function* () {
      yield* batches();
      source.info.warnings['bad record'] = 2;
      source.info.lostEvents = { '8,16:1': 3 };
    };
    const { bytes } = await encodeEventsArrow(source, { toolVersion: '9.9.9' });
    const m = tableFromIPC(bytes).schema.metadata;
    expect(Object.fromEntries(m)).toMatchObject({
      'bt.format': 'blktrace',
      'bt.sources': '["memory"]',
      'bt.origin_mono_ns': '123456789',
      'bt.byte_order': 'le',
      'bt.sector_size': '512',
      'bt.lost_events': '{"8,16:1":3}',
      'bt.tool_version': '9.9.9',
      'bt.warnings': '{"bad record":2}',
    });
    const back = await openTrace(file(bytes));
    await collect(back);
    expect(back.info).toMatchObject({
      originMonoNs: 123456789,
      byteOrder: 'le',
      lostEvents: { '8,16:1': 3 },
    });
  });

  it('NO_SECTOR, unknown dev and comm, and ioprio 0 are nulls', async () => {
    const { bytes } = await encodeEventsArrow(memorySource(EVENTS));
    const t = tableFromIPC(bytes);
    expect(t.getChild('sector')!.get(3)).toBeNull();
    expect(t.getChild('comm')!.get(2)).toBeNull();
    expect(t.getChild('ioprio')!.get(0)).toBeNull();
    expect(t.getChild('ioprio')!.get(2)!.toJSON()).toEqual({ class: 'be', hint: 0, level: 4 });
    expect(t.getChild('rwbs')!.get(0)).toBe('WS');
    expect(t.getChild('action')!.toArray()).toEqual(['Q', 'G', 'C', 'm']);
  });
});

describe('schema errors', () => {
  it('a missing required column is ARROW_BAD_SCHEMA naming it', async () => {
    const t = tableFromArrays({ t_ns: new BigInt64Array([0n]), op: ['read'], sector: [0], bytes: [512] });
    const err = await collect(await openTrace(file(tableToIPC(t, 'file')))).catch((e) => e);
    expect(err).toMatchObject({ code: 'ARROW_BAD_SCHEMA' });
    expect(err.message).toContain("'action'");
    expect(err.hint).toContain('docs/formats.md');
  });

  it('a mistyped column is ARROW_BAD_SCHEMA', async () => {
    const t = tableFromArrays({ t_ns: ['zero'], action: ['Q'], op: ['read'], sector: [0], bytes: [512] });
    await expect(collect(await openTrace(file(tableToIPC(t, 'file'))))).rejects.toMatchObject({
      code: 'ARROW_BAD_SCHEMA',
    });
  });

  it('an ios table without its required columns is ARROW_BAD_SCHEMA (ios-read.test.ts reads full ones)', async () => {
    const t = tableFromArrays({ req: [0] });
    t.schema.metadata.set('bt.table', 'ios');
    await expect(collect(await openTrace(file(tableToIPC(t, 'file'))))).rejects.toMatchObject({
      code: 'ARROW_BAD_SCHEMA',
    });
  });

  it('a time past 2^53 ns is ARROW_BAD_VALUE with its row', async () => {
    const t = new Table({
      t_ns: vectorFromArray([0n, 2n ** 53n + 1n], new Int64()),
      action: vectorFromArray(['Q', 'Q'], new Utf8()),
      op: vectorFromArray(['read', 'read'], new Utf8()),
      sector: vectorFromArray([0n, 8n], new Uint64()),
      bytes: vectorFromArray([512, 512], new Int32()),
    });
    await expect(collect(await openTrace(file(tableToIPC(t, 'stream'))))).rejects.toMatchObject({
      code: 'ARROW_BAD_VALUE',
      record: 1,
    });
  });
});

describe('files from other writers', () => {
  it('plain utf8 strings, int32 and float columns, no metadata', async () => {
    const t = tableFromArrays({
      t_ns: new Float64Array([0, 1500]),
      action: ['Q', 'C'],
      op: ['write', 'write'],
      sector: new Int32Array([8, 8]),
      bytes: new Int32Array([4096, 4096]),
      comm: ['dd', 'dd'],
      rwbs: ['WS', 'WS'],
    });
    const source = await openTrace(file(tableToIPC(t, 'file')));
    const events = await collect(source);
    expect(events.map((e) => [e.timeNs, e.action, e.op, e.flags, e.sector, e.rec, e.comm, e.dev])).toEqual([
      [0, 'Q', 'write', 1, 8, 0, 'dd', 0],
      [1500, 'C', 'write', 1, 8, 1, 'dd', 0],
    ]);
    expect(source.info.hasStages).toBe(true);
  });

  it('rows with an unknown action are skipped and counted', async () => {
    const t = tableFromArrays({
      t_ns: new Float64Array([0, 1]),
      action: ['Q', 'Zz'],
      op: ['read', 'read'],
      sector: new Int32Array([0, 0]),
      bytes: new Int32Array([512, 512]),
    });
    const source = arrowFormat.open([await openInput(file(tableToIPC(t)))], { batchRows: 65536 });
    expect(await collect(source)).toHaveLength(1);
    expect(source.info.warnings).toEqual({ 'arrow: unknown action (row skipped)': 1 });
  });
});
