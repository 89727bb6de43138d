// The I/O-table CSV (`convert --ios --to csv`) reads back as a trace: on a shipped capture,
// every row's Q and C times, op, sector, bytes, pid and comm equal the original paired
// table's; btt's own Q2Q and Q2C figures (traces/seq-vs-rand.none.btt.avg) come out of the
// re-read file; and `run` replays as many I/Os from it as from the original.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Run from '../../../src/commands/run.js';
import type { RunResult } from '../../../src/replay/result.js';
import { openTrace } from '../../../src/trace/open.js';
import { type PairResult, pairEvents } from '../../../src/trace/pair.js';
import { parseBttAvg } from '../../helpers/btt-avg.js';
import { spyConsole } from '../../helpers/console.js';
import { convertIos, ioRows, KEPT_COLUMNS } from '../../helpers/ios-table.js';
import { runCommandClass } from '../../helpers/run-command.js';

const TRACE = 'traces/seq-vs-rand.none';
const dir = mkdtempSync(join(tmpdir(), 'ufq-ios-csv-'));
const OUT = join(dir, 'seq-vs-rand.ios.csv');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let original: PairResult;

spyConsole();

beforeAll(async () => {
  original = await pairEvents(await openTrace(TRACE));
  await convertIos(TRACE, 'csv', OUT);
});

describe('reading the I/O-table CSV back', () => {
  it('is detected by its header, and pairs back to the original rows', async () => {
    const source = await openTrace(OUT);
    const back = await pairEvents(source);
    expect(source.info.format).toBe('csv-ios');
    expect(source.info.hasStages).toBe(false);
    expect(source.info.warnings).toEqual({});
    expect(back.ios.length).toBe(original.ios.length);
    expect(ioRows(back)).toEqual(ioRows(original));
    // The rest of what the event model carries survives too.
    for (const col of KEPT_COLUMNS)
      expect(Array.from(back.ios[col]), col).toEqual(Array.from(original.ios[col]));
  });

  it("reproduces btt's Q2Q and Q2C for the capture", async () => {
    const btt = parseBttAvg(readFileSync(`${TRACE}.btt.avg`, 'utf8')).all;
    const back = (await pairEvents(await openTrace(OUT))).btt.all;
    for (const m of ['Q2Q', 'Q2C'] as const) {
      expect(back[m].n, m).toBe(btt[m].n);
      // btt prints seconds with 9 decimals: ns exact for min and max, the mean to 1 ns.
      expect(back[m].min_ns, m).toBe(btt[m].min_ns);
      expect(back[m].max_ns, m).toBe(btt[m].max_ns);
      expect(Math.abs(back[m].avg_ns - btt[m].avg_ns), m).toBeLessThanOrEqual(1);
    }
  });

  it('reads under --format csv too', async () => {
    const source = await openTrace(OUT, { format: 'csv' });
    const back = await pairEvents(source);
    expect(source.info.format).toBe('csv-ios');
    expect(ioRows(back)).toEqual(ioRows(original));
  });

  it('run replays as many I/Os from it as from the original trace', async () => {
    const args = ['--policy', 'none', '--device', 'nvme', '--json'];
    const a = await runCommandClass<RunResult>(Run, [TRACE, ...args]);
    const b = await runCommandClass<RunResult>(Run, [OUT, ...args]);
    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
    expect(b.result!.ios).toBe(a.result!.ios);
    expect(b.result!.ios).toBe(original.ios.length);
    expect(b.result!.conservation.lost).toBe(0);
  });
});
