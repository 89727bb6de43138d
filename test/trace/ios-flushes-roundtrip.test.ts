// The empty flushes of `convert --ios` (CSV and Arrow): written after the I/O rows, and read
// back into the flush table, not the I/Os. On the fsync capture the re-read flush rows are
// the original ones (count, Q and C times, owner), btt's figures (traces/*.btt.avg) still
// count the I/Os alone, and `inspect` reports the flushes' Q2C as of the capture. Already-
// paired formats whose zero-byte rows are not PREFLUSH writes (fio iolog's sync) are unchanged.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Convert, { type ConvertResult } from '../../src/commands/convert.js';
import Inspect, { type InspectResult } from '../../src/commands/inspect.js';
import Run from '../../src/commands/run.js';
import { summarizeLatency } from '../../src/metrics/latency-summary.js';
import type { RunResult } from '../../src/replay/result.js';
import { ACT, type EventBatch, FLAG, NO_SECTOR, newBatch, OP } from '../../src/trace/event.js';
import { FLUSH_WARNING } from '../../src/trace/flush-pairs.js';
import { NONE } from '../../src/trace/io-table.js';
import { openTrace } from '../../src/trace/open.js';
import { PAIR_WARNING, Pairer, type PairResult, pairEvents } from '../../src/trace/pair.js';
import { parseBttAvg } from '../helpers/btt-avg.js';
import { spyConsole } from '../helpers/console.js';
import { convertIos, ioRows, KEPT_COLUMNS } from '../helpers/ios-table.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACE = 'traces/fsync-ext4.mq-deadline';
/**
 * `Q FWS` lines in the capture's blkparse text, counted apart from this code:
 * `blkparse -i fsync-ext4.mq-deadline -q | awk '$6 == "Q" && $7 == "FWS"' | wc -l` on the two
 * unzipped binary files (traces/README.md and test/commands/inspect.test.ts name it too).
 */
const Q_FWS_LINES = 1802;
/** btt's Q2C count for the capture (traces/fsync-ext4.mq-deadline.btt.avg): the I/Os alone. */
const btt = parseBttAvg(readFileSync(`${TRACE}.btt.avg`, 'utf8')).all;

const dir = mkdtempSync(join(tmpdir(), 'ufq-ios-flushes-'));
const OUT = { csv: join(dir, 'fsync.ios.csv'), arrow: join(dir, 'fsync.ios.arrow') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

spyConsole();

let original: PairResult;
beforeAll(async () => {
  original = await pairEvents(await openTrace(TRACE));
  await convertIos(TRACE, 'csv', OUT.csv);
  await convertIos(TRACE, 'arrow', OUT.arrow);
});

/** The flush-table columns a re-read table keeps, row by row. */
function flushRows(p: PairResult) {
  const t = p.flushes;
  return Array.from({ length: t.length }, (_, i) => ({
    tQ: t.tQ[i],
    tC: t.tC[i],
    dev: t.dev[i],
    op: t.op[i],
    flags: t.flags[i],
    pid: t.pid[i],
    comm: p.strings.get(t.comm[i]),
    cpu: t.cpu[i],
    ioprio: t.ioprio[i],
    error: t.error[i],
  }));
}

describe.each(['csv', 'arrow'] as const)('fsync capture through convert --ios --to %s', (to) => {
  it('writes the I/O rows, then one row per empty flush', async () => {
    const back = await pairEvents(await openTrace(OUT[to]));
    expect(back.ios.length).toBe(btt.Q2C.n);
    expect(back.flushes.length).toBe(Q_FWS_LINES);
  });

  it('reads the flush rows back into the flush table, Q and C times as paired', async () => {
    const source = await openTrace(OUT[to]);
    const back = await pairEvents(source);
    // No flush row is taken for a late I/O row: nothing is reordered or raised.
    expect(source.info.warnings).toEqual({});
    expect(back.warnings).toEqual({});
    expect(flushRows(back)).toEqual(flushRows(original));
    expect(flushRows(back).every((r) => r.flags & FLAG.PREFLUSH && r.op === OP.WRITE)).toBe(true);
    // The table keeps Q and C only: no G, I, M or D time comes back, no sector, no data.
    for (const col of ['tG', 'tI', 'tM', 'tD', 'sector'] as const)
      expect(
        back.flushes[col].every((v) => v === NONE),
        col,
      ).toBe(true);
    expect(back.flushes.bytes.every((v) => v === 0)).toBe(true);
  });

  it('leaves the I/O rows and btt figures as they were (flush rows count in none)', async () => {
    const back = await pairEvents(await openTrace(OUT[to]));
    expect(ioRows(back)).toEqual(ioRows(original));
    for (const col of KEPT_COLUMNS)
      expect(Array.from(back.ios[col]), col).toEqual(Array.from(original.ios[col]));
    for (const m of ['Q2Q', 'Q2C'] as const) {
      expect(back.btt.all[m].n, m).toBe(btt[m].n);
      expect(back.btt.all[m].min_ns, m).toBe(btt[m].min_ns);
      expect(back.btt.all[m].max_ns, m).toBe(btt[m].max_ns);
      expect(Math.abs(back.btt.all[m].avg_ns - btt[m].avg_ns), m).toBeLessThanOrEqual(1);
    }
  });

  it('inspect reports the same flushes and Q2C as for the capture; Q2D and D2C are lost', async () => {
    const a = await runCommandClass<InspectResult>(Inspect, [TRACE, '--json']);
    const b = await runCommandClass<InspectResult>(Inspect, [OUT[to], '--json']);
    expect(b.exitCode).toBe(0);
    const f = b.result!.flushes;
    expect(f.n).toBe(a.result!.flushes.n);
    expect(f.completed).toBe(a.result!.flushes.completed);
    expect(f.n).toBe(Q_FWS_LINES);
    // From a separate pairing of the capture's blkparse text (test/metrics/flushes.test.ts).
    expect(f.latency.q2c_ns).toEqual({
      mean: 208150,
      p50: 177759,
      p90: 348017,
      p99: 597292,
      p999: 2347525,
      max: 2467704,
    });
    expect(f.latency.q2c_ns).toEqual(a.result!.flushes.latency.q2c_ns);
    const none = summarizeLatency(new Float64Array(0));
    expect(f.latency.q2d_ns).toEqual(none);
    expect(f.latency.d2c_ns).toEqual(none);
  });
});

it('convert --json counts the flush rows among the rows written', async () => {
  const out = join(dir, 'again.ios.csv');
  const r = await runCommandClass<ConvertResult>(Convert, [
    TRACE,
    '--ios',
    '--to',
    'csv',
    '--out',
    out,
    '--json',
  ]);
  expect(r.exitCode).toBe(0);
  expect(r.result!.rows).toBe(btt.Q2C.n + Q_FWS_LINES);
  // One header line, then a line per row.
  expect(
    readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0).length,
  ).toBe(1 + r.result!.rows);
});

describe('reading an ios CSV back', () => {
  it('sorts the flush rows apart, however far behind the last I/O they are written', async () => {
    // A 512-row window: the first flush row is 7194 rows after I/Os of a later time.
    const source = await openTrace(OUT.csv, { batchRows: 512 });
    const back = await pairEvents(source);
    expect(source.info.warnings).toEqual({});
    expect(flushRows(back)).toEqual(flushRows(original));
    expect(ioRows(back)).toEqual(ioRows(original));
  });

  it('keeps a flush row that comes in time order among the I/Os in place', async () => {
    // The reader's event stream stays in time order: only rows later than the window allows
    // are sorted apart. Here the flush (PREFLUSH|SYNC = 0x1010, 0 bytes) sits between two reads.
    const header = 'req,t_q,t_c,op,flags,sector,bytes,pid,comm';
    const text = [
      header,
      '0,100,200,read,0,8,4096,1,a',
      '2,150,300,write,4112,,0,1,a',
      '1,160,260,read,0,16,4096,1,a',
    ];
    const dir = mkdtempSync(join(tmpdir(), 'ios-inplace-'));
    try {
      const path = join(dir, 'x.ios.csv');
      writeFileSync(path, `${text.join('\n')}\n`);
      const source = await openTrace(path, { batchRows: 2 });
      const times: number[] = [];
      for await (const b of source.batches()) for (let i = 0; i < b.length; i++) times.push(b.timeNs[i]);
      expect(times).toEqual([100, 150, 160]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('run replays the flushes of the re-read table', async () => {
    const args = ['--policy', 'none', '--device', 'nvme', '--json'];
    const r = await runCommandClass<RunResult>(Run, [OUT.csv, ...args]);
    expect(r.exitCode).toBe(0);
    expect(r.result!.ios).toBe(btt.Q2C.n);
    expect(r.result!.flushes?.n).toBe(Q_FWS_LINES);
  });
});

/** Already-paired events (ACT.IO) built here: [time, op, flags, sector, bytes, latency or -1]. */
function ioBatch(rows: [number, number, number, number, number, number][]): EventBatch {
  const b = newBatch(rows.length);
  rows.forEach(([t, op, flags, sector, bytes, latency], i) => {
    b.timeNs[i] = t;
    b.action[i] = ACT.IO;
    b.op[i] = op;
    b.flags[i] = flags;
    b.sector[i] = sector;
    b.bytes[i] = bytes;
    b.aux[i] = latency;
    b.pid[i] = 7;
  });
  b.length = rows.length;
  return b;
}

describe('pairing already-paired empty flushes', () => {
  it('a zero-byte PREFLUSH write is a flush row; a zero-byte FLUSH op stays an I/O', () => {
    const pairer = new Pairer();
    pairer.push(
      ioBatch([
        [100, OP.WRITE, 0, 8, 4096, 50],
        [120, OP.WRITE, FLAG.PREFLUSH | FLAG.SYNC, NO_SECTOR, 0, 30],
        [130, OP.FLUSH, 0, NO_SECTOR, 0, -1],
        [140, OP.WRITE, FLAG.PREFLUSH | FLAG.SYNC, NO_SECTOR, 0, -1],
      ]),
    );
    const r = pairer.finish();
    // The data write and the FLUSH-op row (as fio iolog's sync reads) are I/Os.
    expect(Array.from(r.ios.tQ)).toEqual([100, 130]);
    expect(Array.from(r.ios.tC)).toEqual([150, NONE]);
    // Q2Q: 130 - 100 between the two I/Os only; Q2C: the data write's 50 only.
    expect(r.btt.all.Q2Q).toMatchObject({ n: 1, min_ns: 30, max_ns: 30 });
    expect(r.btt.all.Q2C).toMatchObject({ n: 1, min_ns: 50, max_ns: 50 });
    expect(Array.from(r.flushes.tQ)).toEqual([120, 140]);
    // tC = tQ + latency; a flush without a latency is one never completed.
    expect(Array.from(r.flushes.tC)).toEqual([150, NONE]);
    expect(Array.from(r.flushes.pid)).toEqual([7, 7]);
    expect(r.warnings).toEqual({
      [PAIR_WARNING.IO_WITHOUT_LATENCY]: 1,
      [FLUSH_WARNING.NEVER_COMPLETED]: 1,
    });
  });

  it('fio iolog sync lines stay I/Os, as before', async () => {
    const log = join(dir, 'sync.iolog');
    writeFileSync(
      log,
      'fio version 2 iolog\n/dev/vdb add\n/dev/vdb open\n/dev/vdb write 0 4096\n/dev/vdb sync 0 0\n/dev/vdb close\n',
    );
    const r = await pairEvents(await openTrace(log));
    expect(Array.from(r.ios.op)).toEqual([OP.WRITE, OP.FLUSH]);
    expect(r.flushes.length).toBe(0);
  });
});
