// inspect --json against btt itself: every sample trace with binary files has the .btt.avg
// btt wrote from the same records (traces/README.md). N must be equal; min/avg/max may
// differ only by btt's printing (9 decimals of a second) or within max(1 µs, 0.1%).
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import Inspect, { type InspectResult } from '../../src/commands/inspect.js';
import { CONTRACT_BTT_METRICS } from '../../src/trace/btt.js';
import { parseBttAvg } from '../helpers/btt-avg.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
const GOLDEN = [
  'seqwrite-plug.none',
  'seq-vs-rand.none',
  'seq-vs-rand.mq-deadline',
  'rw-mix.kyber',
  'ext4-copy-read.mq-deadline',
  'bigio-split.mq-deadline',
  'fsync-ext4.mq-deadline',
  'trim-mix.none',
];
/** Tolerance for min/avg/max: 1 µs, or 0.1% of the value when that is larger. */
const ABS_NS = 1000;
const REL = 0.001;

describe.each(GOLDEN)('inspect vs btt: %s (trace-formats §4.4)', (name) => {
  const expected = parseBttAvg(readFileSync(`${TRACES}${name}.btt.avg`, 'utf8'));

  it('All Devices rows and Device Merge Information equal btt', async () => {
    // oclif prints --json through console.log, which vitest would echo
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    const run = await runCommandClass<InspectResult>(Inspect, [`${TRACES}${name}`, '--json']);
    quiet.mockRestore();
    expect(run.error).toBeUndefined();
    const got = run.result!;
    for (const m of CONTRACT_BTT_METRICS) {
      const want = expected.all[m];
      const fig = got.btt[m];
      if (!want) {
        expect(fig.n, `${m}: btt printed no row`).toBe(0);
        continue;
      }
      expect(fig.n, `${m} N`).toBe(want.n);
      for (const k of ['min_ns', 'avg_ns', 'max_ns'] as const)
        expect(Math.abs(fig[k] - want[k]), `${m} ${k}: got ${fig[k]}, btt ${want[k]}`).toBeLessThanOrEqual(
          Math.max(ABS_NS, REL * want[k]),
        );
    }
    const want = expected.mergeTotal ?? expected.merges[0];
    const { ratio, ...counts } = got.merges;
    expect(counts).toEqual({
      q: want.q,
      d: want.d,
      blkmin: want.blkmin,
      blkavg: want.blkavg,
      blkmax: want.blkmax,
      total: want.total,
    });
    // btt prints the ratio with one decimal
    expect(Math.abs(ratio - want.ratio)).toBeLessThanOrEqual(0.05);
  });
});
