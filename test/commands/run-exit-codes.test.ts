// `run`'s exit codes for what the model reports: a lost bio is a bug (exit 70 with a stack);
// an ejected policy under --strict exits 4. The replay is replaced by one that reports these,
// since a correct model never loses a bio and the built-in policies are not ejected.
import { beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import Run from '../../src/commands/run.js';
import { runCommandClass } from '../helpers/run-command.js';

const state = vi.hoisted(() => ({
  lost: 1,
  ejected: null as null | { reason: string; hook: string; atNs: number },
}));

vi.mock('../../src/replay/replay.js', () => {
  const L = { mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const result = {
    policy: 'none',
    ufqRevision: 3,
    device: 'nvme',
    mode: 'open',
    seed: 1,
    trace: 'any-trace',
    ios: 3,
    throughput: { iops: 0, mbps: 0 },
    latency: { q2c_ns: L, q2d_ns: L, d2c_ns: L },
    processes: [],
    fairness: { jain: 1, windowStartNs: 0, windowEndNs: 0, flows: 0, overlap: false },
    merges: { q: 3, d: 3, ratio: 1 },
    opsStats: {},
    conservation: { queued: 3, completed: 2, merged: 0, lost: 1 },
    ejected: null as unknown,
    warnings: {},
    timeScale: 1,
    limits: {},
    limitsFrom: {},
    plugging: { windows: 'model', recorded: 0, unplugs: { explicit: 0, limit: 0, fromSchedule: 0 } },
    byOp: {},
    byClass: {},
    spanNs: 0,
  };
  return {
    DEFAULT_DEVICE: 'nvme',
    simulate: async () => ({
      result: {
        ...result,
        conservation: { ...result.conservation, completed: 3 - state.lost, lost: state.lost },
        ejected: state.ejected,
      },
    }),
  };
});

let printedErr: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  const printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  printedErr = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => {
    printed.mockRestore();
    printedErr.mockRestore();
  };
});

describe('run: exit codes from the model', () => {
  beforeEach(() => {
    state.lost = 1;
    state.ejected = null;
  });

  it('a lost bio exits 70 and prints a stack', async () => {
    const run = await runCommandClass(Run, ['any-trace', '--policy', 'none', '--device', 'nvme']);
    expect(run.exitCode).toBe(70);
    const stderr = printedErr.mock.calls.map((c) => c.join(' ')).join('\n');
    expect(stderr).toContain('InvariantError');
    expect(stderr).toMatch(/\n\s+at /);
  });

  it('with --json too: exit 70', async () => {
    const run = await runCommandClass(Run, ['any-trace', '--policy', 'none', '--device', 'nvme', '--json']);
    expect(run.exitCode).toBe(70);
  });

  it('an ejected policy exits 4 with --strict, 0 without', async () => {
    state.lost = 0;
    state.ejected = { reason: 'dispatch_req threw', hook: 'dispatch_req', atNs: 5 };
    const strict = await runCommandClass(Run, [
      'any-trace',
      '--policy',
      'none',
      '--device',
      'nvme',
      '--strict',
    ]);
    expect(strict.exitCode).toBe(4);
    const lax = await runCommandClass(Run, ['any-trace', '--policy', 'none', '--device', 'nvme']);
    expect(lax.exitCode).toBe(0);
  });
});
