// `convert`: blkparse text -> Arrow and CSV read back as the same events; --ios writes one
// row per I/O (15359 on seqwrite-plug.none, btt's Q2C count); usage and input errors exit
// with the contract's codes.
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import Convert, { type ConvertResult } from '../../src/commands/convert.js';
import type { TraceEvent } from '../../src/trace/event.js';
import { openTrace } from '../../src/trace/open.js';
import { runCommandClass } from '../helpers/run-command.js';
import { collect } from '../trace/arrow/memory-source.js';

const TRACE = 'traces/seqwrite-plug.none.blkparse.txt.gz';
/** btt's Q2C N for this capture (traces/seqwrite-plug.none.btt.avg): I/Os that completed. */
const BTT_Q2C_N = 15359;

const dir = mkdtempSync(join(tmpdir(), 'ufq-convert-'));
let original: TraceEvent[];

beforeAll(async () => {
  original = await collect(await openTrace(TRACE));
});

describe('convert', () => {
  it('--to arrow writes events that read back equal', async () => {
    const out = join(dir, 'seqwrite.arrow');
    const run = await runCommandClass<ConvertResult>(Convert, [
      TRACE,
      '--to',
      'arrow',
      '--out',
      out,
      '--json',
    ]);
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({
      format: 'blkparse',
      to: 'arrow',
      table: 'events',
      rows: original.length,
    });
    expect(run.result!.events).toBe(original.length);
    const back = await openTrace(out);
    const events = await collect(back);
    expect(back.info.format).toBe('arrow');
    // src indexes the original sources, which the Arrow metadata carries.
    expect(back.info.files).toEqual([TRACE]);
    expect(events).toEqual(original);
  });

  it('--to csv writes events that read back equal', async () => {
    const out = join(dir, 'seqwrite.csv');
    const run = await runCommandClass<ConvertResult>(Convert, [TRACE, '--to', 'csv', '--out', out]);
    expect(run.error).toBeUndefined();
    expect(run.stdout).toBe('');
    expect(await collect(await openTrace(out))).toEqual(original);
  });

  it('--ios writes one row per I/O', async () => {
    const out = join(dir, 'seqwrite.ios.arrow');
    const run = await runCommandClass<ConvertResult>(Convert, [
      TRACE,
      '--to',
      'arrow',
      '--ios',
      '--out',
      out,
      '--json',
    ]);
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ table: 'ios', rows: BTT_Q2C_N });
    const table = tableFromIPC(await readFile(out));
    expect(table.numRows).toBe(BTT_Q2C_N);
    expect(table.schema.metadata.get('bt.table')).toBe('ios');
    // Every I/O of this capture completed: t_c is never null and never before t_q.
    const tq = table.getChild('t_q')!;
    const tc = table.getChild('t_c')!;
    expect(tc.nullCount).toBe(0);
    for (let i = 0; i < table.numRows; i += 997) expect(tc.get(i)! >= tq.get(i)!).toBe(true);
  });

  it('--ios --to csv writes a header and one line per I/O', async () => {
    const out = join(dir, 'seqwrite.ios.csv');
    const run = await runCommandClass<ConvertResult>(Convert, [TRACE, '--to', 'csv', '--ios', '--out', out]);
    expect(run.error).toBeUndefined();
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(lines[0].startsWith('req,t_q,')).toBe(true);
    expect(lines.length - 1).toBe(BTT_Q2C_N);
  });

  it('a missing trace exits 3 (INPUT_NOT_FOUND)', async () => {
    const run = await runCommandClass(Convert, [
      join(dir, 'nope.txt'),
      '--to',
      'arrow',
      '--out',
      join(dir, 'x.arrow'),
    ]);
    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('INPUT_NOT_FOUND');
  });

  it('an unknown --to exits 2', async () => {
    const run = await runCommandClass(Convert, [TRACE, '--to', 'parquet', '--out', join(dir, 'x.parquet')]);
    expect(run.exitCode).toBe(2);
  });

  it('--stream with --to csv is a usage error', async () => {
    const run = await runCommandClass(Convert, [
      TRACE,
      '--to',
      'csv',
      '--stream',
      '--out',
      join(dir, 'x.csv'),
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.error?.code).toBe('FLAG_INVALID');
  });

  it('an unwritable --out exits 3 (OUTPUT_UNWRITABLE)', async () => {
    const run = await runCommandClass(Convert, [
      TRACE,
      '--to',
      'csv',
      '--out',
      join(dir, 'no-such-dir', 'x.csv'),
    ]);
    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('OUTPUT_UNWRITABLE');
  });
});
