// A trace whose bios the kernel split (traces/bigio-split.mq-deadline: 4 MiB, 3 MiB and
// 1300 KiB direct I/O on a queue with max_sectors_kb 1280; 283 X events). btt pairs none of
// the split bios (btt-golden.test.ts checks its figures); the I/O table must still complete
// every bio, so that throughput per process is what fio measured during the capture.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import Inspect, { type InspectResult } from '../../src/commands/inspect.js';
import { NONE } from '../../src/trace/io-table.js';
import { openTrace } from '../../src/trace/open.js';
import { pairEvents } from '../../src/trace/pair.js';
import { spyConsole } from '../helpers/console.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACE = new URL('../../traces/bigio-split.mq-deadline', import.meta.url).pathname;
const fio = JSON.parse(readFileSync(`${TRACE}.fio.json`, 'utf8')) as {
  jobs: { jobname: string; read: { bw_bytes: number }; write: { bw_bytes: number } }[];
};
/** fio's measured MB/s (10^6 B/s) per job, read plus write. */
const fioMbps = fio.jobs.map((j) => (j.read.bw_bytes + j.write.bw_bytes) / 1e6);

spyConsole();

describe('split bios (bigio-split.mq-deadline)', () => {
  it('every bio completes: D of its first piece, C of its last', async () => {
    const r = await pairEvents(await openTrace(TRACE));
    expect(r.ios.length).toBe(300); // the Q events of the trace
    for (let i = 0; i < r.ios.length; i++) {
      expect(r.ios.tC[i]).not.toBe(NONE);
      expect(r.ios.tD[i]).toBeGreaterThan(r.ios.tQ[i]);
      expect(r.ios.tC[i]).toBeGreaterThan(r.ios.tD[i]);
    }
    expect(r.warnings).toEqual({});
  });

  it('inspect: per-process and total MB/s within 3% of what fio measured', async () => {
    const run = await runCommandClass<InspectResult>(Inspect, [TRACE, '--json']);
    const got = run.result!;
    const mine = got.processes.map((p) => p.mbps).sort((a, b) => a - b);
    const want = [...fioMbps].sort((a, b) => a - b);
    expect(mine).toHaveLength(want.length);
    for (let k = 0; k < want.length; k++) expect(Math.abs(mine[k] / want[k] - 1)).toBeLessThan(0.03);
    const total = want.reduce((a, b) => a + b, 0);
    expect(Math.abs(got.throughput.mbps / total - 1)).toBeLessThan(0.03);
  });

  it('the blkparse text of the same capture gives the same rows', async () => {
    const bin = await pairEvents(await openTrace(TRACE));
    const text = await pairEvents(await openTrace(`${TRACE}.blkparse.txt.gz`));
    expect(Array.from(text.ios.tC)).toEqual(Array.from(bin.ios.tC));
    expect(Array.from(text.ios.tD)).toEqual(Array.from(bin.ios.tD));
  });
});
