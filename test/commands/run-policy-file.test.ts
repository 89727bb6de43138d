// `run --policy FILE` with broken policies: the run completes and prints its result with the
// ejection, a warning line goes to stderr, conservation holds, and the exit status is 0, or
// 4 with --strict (CONTRACTS.md). Most runs use --hook-timeout-ms 0 (in this thread); the
// hanging policy needs the worker thread and a short limit.
import { beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import Run from '../../src/commands/run.js';
import type { RunResult } from '../../src/replay/result.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACE = new URL('../../traces/seq-vs-rand.none', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/policies/', import.meta.url).pathname;

let printed: MockInstance<(...args: unknown[]) => void>;
let printedErr: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  printedErr = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => {
    printed.mockRestore();
    printedErr.mockRestore();
  };
});
const stdout = () => printed.mock.calls.map((c) => c.join(' ')).join('\n');
const stderr = () => printedErr.mock.calls.map((c) => c.join(' ')).join('\n');

const argv = (fixture: string, ...more: string[]) => [
  TRACE,
  '--policy',
  `${FIXTURES}${fixture}`,
  '--device',
  'nvme',
  ...more,
];

const CASES: [string, string, string[]][] = [
  ['throw-insert.mjs', 'insert_req', []],
  ['throw-dispatch.mjs', 'dispatch_req', []],
  ['throw-merge.mjs', 'merge_req', []],
  ['throw-finish.ts', 'finish_req', []],
  ['foreign-request.mjs', 'dispatch_req', []],
  ['dispatch-twice.mjs', 'dispatch_req', []],
  ['bad-merge-type.mjs', 'merge_req', ['--queue-depth', '1']],
  ['bad-merge-self.mjs', 'merge_req', []],
  ['bad-merge-target.mjs', 'merge_req', []],
  ['has-req-false.mjs', 'has_req', ['--watchdog-ms', '100']],
  ['loses-request.mjs', 'has_req', ['--watchdog-ms', '100']],
];

describe('run --policy FILE: ejection', () => {
  it.each(CASES)('%s: ejected from %s; exit 0, or 4 with --strict', async (fixture, hook, more) => {
    const lax = await runCommandClass<RunResult>(
      Run,
      argv(fixture, '--hook-timeout-ms', '0', '--json', ...more),
    );
    expect(lax.exitCode).toBe(0);
    expect(lax.result?.ejected?.hook).toBe(hook);
    expect(lax.result?.conservation.lost).toBe(0);
    expect(lax.result?.conservation.completed).toBe(lax.result?.conservation.queued);
    const strict = await runCommandClass<RunResult>(
      Run,
      argv(fixture, '--hook-timeout-ms', '0', '--strict', ...more),
    );
    expect(strict.exitCode).toBe(4);
    // The result is printed before the exit.
    expect(stdout()).toMatch(/conservation: queued \d+, completed \d+, merged \d+, lost 0/);
  });

  it('prints the ejection in the result and a warning line on stderr', async () => {
    const run = await runCommandClass<RunResult>(Run, argv('throw-dispatch.mjs', '--hook-timeout-ms', '0'));
    expect(run.exitCode).toBe(0);
    expect(stdout()).toMatch(/^ejected: .*\(hook dispatch_req, at /m);
    expect(stderr()).toMatch(/warning: policy .*throw-dispatch\.mjs was ejected \(hook dispatch_req/);
  });

  it('a hook that never returns: the worker is stopped and the run completes; exit 0, or 4 with --strict', async () => {
    const lax = await runCommandClass<RunResult>(
      Run,
      argv('loop-dispatch.mjs', '--hook-timeout-ms', '200', '--json'),
    );
    expect(lax.exitCode).toBe(0);
    expect(lax.result?.ejected?.hook).toBe('dispatch_req');
    expect(lax.result?.conservation.lost).toBe(0);
    const strict = await runCommandClass<RunResult>(
      Run,
      argv('loop-dispatch.mjs', '--hook-timeout-ms', '200', '--strict'),
    );
    expect(strict.exitCode).toBe(4);
  });

  it('a missing policy file exits 2 (POLICY_NOT_FOUND); an invalid one 3 (POLICY_INVALID)', async () => {
    const missing = await runCommandClass(Run, argv('no-such.mjs', '--hook-timeout-ms', '0'));
    expect(missing.exitCode).toBe(2);
    expect(missing.error?.code).toBe('POLICY_NOT_FOUND');
    const invalid = await runCommandClass(Run, argv('shared/fifo.mjs', '--hook-timeout-ms', '0'));
    expect(invalid.exitCode).toBe(3);
    expect(invalid.error?.code).toBe('POLICY_INVALID');
  });
});
