// The Arrow ios table (`convert --ios --to arrow`) reads back as already-paired I/Os: on a
// shipped capture every row's Q and C times, op, sector, bytes, pid and comm equal the
// original paired table's and `run` replays as many I/Os; a table made by another tool is
// recognised by its columns; nulls and impossible rows follow the events reader's rules.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int64, Table, tableFromArrays, tableToIPC, Uint32, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Run from '../../../src/commands/run.js';
import type { RunResult } from '../../../src/replay/result.js';
import { openTrace } from '../../../src/trace/open.js';
import { type PairResult, pairEvents } from '../../../src/trace/pair.js';
import { spyConsole } from '../../helpers/console.js';
import { convertIos, ioRows, KEPT_COLUMNS } from '../../helpers/ios-table.js';
import { runCommandClass } from '../../helpers/run-command.js';
import { collect } from './memory-source.js';

const TRACE = 'traces/seq-vs-rand.none';
const dir = mkdtempSync(join(tmpdir(), 'ufq-ios-arrow-'));
const OUT = join(dir, 'seq-vs-rand.ios.arrow');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (bytes: Uint8Array) => {
  const p = join(dir, `t${n++}.arrow`);
  writeFileSync(p, bytes);
  return p;
};

spyConsole();

let original: PairResult;
beforeAll(async () => {
  original = await pairEvents(await openTrace(TRACE));
  await convertIos(TRACE, 'arrow', OUT);
});

describe('reading an Arrow ios table', () => {
  it('pairs back to the original rows', async () => {
    const source = await openTrace(OUT);
    const back = await pairEvents(source);
    expect(source.info.format).toBe('arrow');
    // The capture had Q..C stages; the table holds paired I/Os only.
    expect(source.info.hasStages).toBe(false);
    expect(ioRows(back)).toEqual(ioRows(original));
    for (const col of KEPT_COLUMNS)
      expect(Array.from(back.ios[col]), col).toEqual(Array.from(original.ios[col]));
  });

  it('run replays as many I/Os from it as from the original trace', async () => {
    const args = ['--policy', 'none', '--device', 'nvme', '--json'];
    const a = await runCommandClass<RunResult>(Run, [TRACE, ...args]);
    const b = await runCommandClass<RunResult>(Run, [OUT, ...args]);
    expect(b.exitCode).toBe(0);
    expect(b.result!.ios).toBe(a.result!.ios);
  });

  it("another tool's table is recognised by t_q; a null t_c is an unknown latency", async () => {
    const t = new Table({
      t_q: vectorFromArray([0n, 10n, 20n, 30n], new Int64()),
      t_c: vectorFromArray([5n, null, 15n, 31n], new Int64()),
      op: vectorFromArray(['read', 'write', 'read', 'trim'], new Utf8()),
      sector: vectorFromArray([8n, null, 16n, 24n], new Int64()),
      bytes: vectorFromArray([4096, 0, 512, 512], new Uint32()),
    });
    const source = await openTrace(file(tableToIPC(t, 'stream')));
    const events = await collect(source);
    expect(events.map((e) => [e.action, e.timeNs, e.op, e.sector, e.bytes, e.aux, e.rec])).toEqual([
      ['IO', 0, 'read', 8, 4096, 5, 0],
      ['IO', 10, 'write', null, 0, -1, 1],
    ]);
    // Row 2 completes before it was queued, row 3's op is not a kernel REQ_OP name.
    expect(source.info.warnings).toEqual({
      'arrow: t_c before t_q (row skipped)': 1,
      'arrow: unknown op (row skipped)': 1,
    });
  });

  it('an ios table without t_q is ARROW_BAD_SCHEMA naming it', async () => {
    const t = tableFromArrays({ req: [0], op: ['read'], sector: [0], bytes: [512] });
    t.schema.metadata.set('bt.table', 'ios');
    const err = await collect(await openTrace(file(tableToIPC(t, 'file')))).catch((e) => e);
    expect(err).toMatchObject({ code: 'ARROW_BAD_SCHEMA' });
    expect(err.message).toContain("'t_q'");
  });

  it('a t_q past 2^53 ns is ARROW_BAD_VALUE with its row', async () => {
    const t = new Table({
      t_q: vectorFromArray([0n, 2n ** 53n + 1n], new Int64()),
      op: vectorFromArray(['read', 'read'], new Utf8()),
      sector: vectorFromArray([0n, 8n], new Int64()),
      bytes: vectorFromArray([512, 512], new Uint32()),
    });
    await expect(collect(await openTrace(file(tableToIPC(t, 'file'))))).rejects.toMatchObject({
      code: 'ARROW_BAD_VALUE',
      record: 1,
    });
  });
});
