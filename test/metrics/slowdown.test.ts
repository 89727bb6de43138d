// Slowdown fairness arithmetic (devices-metrics-peers §3.4): S_i = shared / alone mean Q2C,
// F = min S / max S; worked by hand.
import { describe, expect, it } from 'vitest';
import { slowdownFairness } from '../../src/metrics/slowdown.js';

describe('slowdownFairness', () => {
  it('S = shared / alone per process, F = min / max', () => {
    const f = slowdownFairness(
      [
        { pid: 1, comm: 'a', meanQ2cNs: 300 },
        { pid: 2, comm: 'b', meanQ2cNs: 200 },
        { pid: 3, comm: 'c', meanQ2cNs: 150 },
      ],
      new Map([
        [1, 100],
        [2, 200],
        [3, 100],
      ]),
    );
    expect(f.processes.map((p) => p.slowdown)).toEqual([3, 1, 1.5]);
    expect(f.min).toBe(1);
    expect(f.max).toBe(3);
    expect(f.fairness).toBeCloseTo(1 / 3, 15);
    expect(f.baseline).toBe('alone');
  });

  it('leaves out processes without completions in either run', () => {
    const f = slowdownFairness(
      [
        { pid: 1, comm: 'a', meanQ2cNs: 200 },
        { pid: 2, comm: 'b', meanQ2cNs: 0 },
        { pid: 3, comm: 'c', meanQ2cNs: 100 },
      ],
      new Map([
        [1, 100],
        [2, 100],
      ]),
    );
    expect(f.processes.map((p) => p.pid)).toEqual([1]);
    expect(f.fairness).toBe(1);
  });

  it('nothing comparable: fairness 1, min and max 0', () => {
    expect(slowdownFairness([], new Map())).toEqual({
      baseline: 'alone',
      processes: [],
      min: 0,
      max: 0,
      fairness: 1,
    });
  });
});
