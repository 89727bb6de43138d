// `run`'s exit codes for what the model reports: a lost bio is a bug (exit 70 with a stack);
// an ejected policy under --strict exits 4. The replay is replaced by one that reports these,
// since a correct model never loses a bio and the built-in policies are not ejected.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import Run from '../../src/commands/run.js';
import { printed, spyConsole } from '../helpers/console.js';
import { runCommandClass } from '../helpers/run-command.js';

const state = vi.hoisted(() => ({
  lost: 1,
  ejected: null as null | { reason: string; hook: string; atNs: number },
  /** Makes the replay throw a plain exception: a bug, not a coded user error. */
  crash: false,
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
    simulate: async () => {
      if (state.crash) throw new TypeError("Cannot read properties of undefined (reading 'p50')");
      return {
        result: {
          ...result,
          conservation: { ...result.conservation, completed: 3 - state.lost, lost: state.lost },
          ejected: state.ejected,
        },
      };
    },
  };
});

const spies = spyConsole();
const stdoutText = () => printed(spies.out);
const stderrText = () => printed(spies.err);
/** `run` on the mocked replay with a policy it reports as ejected. */
const ejectedRun = (...more: string[]) => {
  state.lost = 0;
  state.ejected = { reason: 'dispatch_req threw', hook: 'dispatch_req', atNs: 5 };
  return runCommandClass(Run, ['any-trace', '--policy', 'none', '--device', 'nvme', ...more]);
};

describe('run: exit codes from the model', () => {
  beforeEach(() => {
    state.lost = 1;
    state.ejected = null;
    state.crash = false;
  });

  it('a lost bio exits 70 and prints a stack', async () => {
    const run = await runCommandClass(Run, ['any-trace', '--policy', 'none', '--device', 'nvme']);
    expect(run.exitCode).toBe(70);
    expect(stderrText()).toContain('InvariantError');
    expect(stderrText()).toMatch(/\n\s+at /);
  });

  it('with --json too: exit 70', async () => {
    const run = await runCommandClass(Run, ['any-trace', '--policy', 'none', '--device', 'nvme', '--json']);
    expect(run.exitCode).toBe(70);
  });

  it('an ejected policy exits 4 with --strict, 0 without', async () => {
    expect((await ejectedRun('--strict')).exitCode).toBe(4);
    expect((await ejectedRun()).exitCode).toBe(0);
  });

  it('with --json, a lost bio still prints the result (then the stack) and exits 70', async () => {
    const run = await runCommandClass(Run, ['any-trace', '--policy', 'none', '--device', 'nvme', '--json']);
    expect(run.exitCode).toBe(70);
    const doc = JSON.parse(stdoutText());
    expect(doc.conservation.lost).toBe(1);
    expect(stderrText()).toMatch(/InvariantError[\s\S]*\n\s+at /);
  });

  it('with --json and --strict, an ejected policy prints the result and exits 4', async () => {
    const run = await ejectedRun('--strict', '--json');
    expect(run.exitCode).toBe(4);
    // One JSON document on stdout: the result, not an error object.
    const doc = JSON.parse(stdoutText());
    expect(doc.ejected.hook).toBe('dispatch_req');
    expect(doc.error).toBeUndefined();
    expect(stderrText()).toMatch(/^ufq-replay: policy none was ejected: dispatch_req threw/m);
  });

  it('an exception that is not a coded error is a bug: exit 70 with its stack, also under --json', async () => {
    state.crash = true;
    for (const json of [[], ['--json']]) {
      spies.err.mockClear();
      spies.out.mockClear();
      const run = await runCommandClass(Run, ['any-trace', '--policy', 'none', '--device', 'nvme', ...json]);
      expect(run.exitCode).toBe(70);
      expect(stderrText()).toMatch(/TypeError: Cannot read properties[\s\S]*\n\s+at /);
      if (json.length > 0) expect(JSON.parse(stdoutText()).error.code).toBe('INTERNAL');
    }
  });

  it('several TRACE arguments: the files of one trace are accepted, two traces are a usage error', async () => {
    state.lost = 0;
    const one = await runCommandClass(Run, [
      'traces/seqwrite-plug.none.blktrace.0.gz',
      'traces/seqwrite-plug.none.blktrace.1.gz',
      '--policy',
      'none',
      '--device',
      'nvme',
    ]);
    expect(one.exitCode).toBe(0);
    const two = await runCommandClass(Run, [
      'traces/seqwrite-plug.none',
      'traces/rw-mix.kyber',
      '--policy',
      'none',
      '--device',
      'nvme',
    ]);
    expect(two.exitCode).toBe(2);
    expect(two.error?.code).toBe('FLAG_INVALID');
  });
});
