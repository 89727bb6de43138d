// inspect --json on the bfq dump fixture (blkparse 1.2.0: messages with absolute times among
// relative events, and no event in the first 64 KB) equals btt's .avg for that file, Q2Q
// included, with no sequence or time warnings.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import Inspect, { type InspectResult } from '../../../src/commands/inspect.js';
import { CONTRACT_BTT_METRICS } from '../../../src/trace/btt.js';
import { parseBttAvg } from '../../helpers/btt-avg.js';
import { runCommandClass } from '../../helpers/run-command.js';

const DIR = new URL('../../fixtures/blktrace/', import.meta.url).pathname;

describe('inspect on a blkparse 1.2.0 dump with bfq messages (test/fixtures/blktrace/README.md)', () => {
  it('All Devices rows and the merge row equal btt’s; no lost, restart or backwards warnings', async () => {
    const btt = parseBttAvg(readFileSync(`${DIR}bfq-messages.btt.avg`, 'utf8'));
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    const run = await runCommandClass<InspectResult>(Inspect, [`${DIR}bfq-messages.dump.gz`, '--json']);
    quiet.mockRestore();
    expect(run.error).toBeUndefined();
    const got = run.result!;
    for (const m of CONTRACT_BTT_METRICS) {
      const want = btt.all[m];
      if (!want) {
        expect(got.btt[m].n, `${m}: btt printed no row`).toBe(0);
        continue;
      }
      expect(got.btt[m].n, `${m} N`).toBe(want.n);
      for (const k of ['min_ns', 'avg_ns', 'max_ns'] as const)
        expect(Math.abs(got.btt[m][k] - want[k]), `${m} ${k}`).toBeLessThanOrEqual(1);
    }
    const { ratio: _, ...counts } = got.merges;
    const w = btt.merges[0];
    expect(counts).toEqual({
      q: w.q,
      d: w.d,
      blkmin: w.blkmin,
      blkavg: w.blkavg,
      blkmax: w.blkmax,
      total: w.total,
    });
    for (const k of ['BLKTRACE_LOST_EVENTS', 'BLKTRACE_SEQUENCE_RESTART', 'BLKTRACE_TIME_BACKWARDS'])
      expect(got.warnings[k], k).toBeUndefined();
  });
});
