// compare's progress line: drawn on a TTY only, never with --quiet; runs, I/Os, elapsed, ETA.
import { describe, expect, it } from 'vitest';
import { ProgressBar, progressLine } from '../../src/report/progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 120, chunks, write: (c: string) => chunks.push(c) > 0 };
}

describe('progress', () => {
  it('shows runs done, I/Os simulated, elapsed time and the time left', () => {
    // 3 of 12 runs in 30 s: 10 s a run, 9 runs left = 1:30.
    expect(progressLine({ runsDone: 3, runsTotal: 12, iosDone: 45_000 }, 30_000, 200)).toBe(
      '[####------------] 3/12 runs, 45.0k I/Os simulated, 0:30 elapsed, ETA 1:30',
    );
    expect(progressLine({ runsDone: 12, runsTotal: 12, iosDone: 2_500_000 }, 3_723_000, 200)).toBe(
      '[################] 12/12 runs, 2.50M I/Os simulated, 1:02:03 elapsed',
    );
  });

  it('is cut to the terminal width', () => {
    expect(progressLine({ runsDone: 1, runsTotal: 2, iosDone: 1 }, 1000, 20)).toHaveLength(19);
  });

  it('draws on a TTY, and nothing when not a TTY or quiet', () => {
    let t = 0;
    const now = () => t;
    const tty = sink(true);
    const bar = new ProgressBar(tty, { now });
    bar.update({ runsDone: 0, runsTotal: 2, iosDone: 0 });
    t = 1000;
    bar.update({ runsDone: 2, runsTotal: 2, iosDone: 10 });
    bar.finish();
    expect(tty.chunks).toHaveLength(3);
    expect(tty.chunks[0].startsWith('\r[')).toBe(true);
    expect(tty.chunks[2]).toBe('\n');
    for (const [s, quiet] of [
      [sink(false), false],
      [sink(true), true],
    ] as const) {
      const b = new ProgressBar(s, { quiet, now });
      b.update({ runsDone: 1, runsTotal: 1, iosDone: 1 });
      b.finish();
      expect(s.chunks).toEqual([]);
    }
  });
});
