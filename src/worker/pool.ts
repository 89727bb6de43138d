// Where compare's replays run: a tinypool of child processes, or the calling thread when one
// job is asked for. Processes rather than worker threads: V8's flags are per process, so only
// a process can run with its own (workerFlags), and the replays' large typed arrays stay in
// separate address spaces (docs/compare.md has the figures). The worker module is
// dist/replay-worker.js in the built package, src/worker/replay-worker.ts (through tsx) from
// the sources (worker-url.ts).
import { availableParallelism } from 'node:os';
import type Tinypool from 'tinypool';
import { type ErrorCode, InvariantError, UfqReplayError } from '../errors.js';
import { workerModuleUrl } from '../worker-url.js';
import { type ReplayTask, type ReplayTaskResult, runReplayTask } from './replay-task.js';
import type { WorkerFailure } from './replay-worker.js';

export interface ReplayRunner {
  /** Worker processes in use (0: the calling thread). */
  readonly threads: number;
  run(task: ReplayTask): Promise<ReplayTaskResult>;
  close(): Promise<void>;
}

/** The module a worker imports: replay-worker beside this file (worker-url.ts). */
export function workerEntry(moduleUrl: string = import.meta.url): string {
  return workerModuleUrl('replay-worker', moduleUrl);
}

/** A runner for `jobs` parallel replays (at most `tasks` processes are started). */
export function createReplayRunner(jobs: number, tasks = Number.POSITIVE_INFINITY): ReplayRunner {
  const threads = Math.max(1, Math.min(Math.floor(jobs), tasks));
  if (threads <= 1) return { threads: 0, run: oneAtATime(runReplayTask), close: async () => {} };
  // tinypool is loaded on the first task, so commands that never start a pool do not pay for it.
  let pool: Promise<Tinypool> | undefined;
  const start = async () => {
    const { default: Pool } = await import('tinypool');
    return new Pool({
      filename: workerEntry(),
      runtime: 'child_process',
      // Structured clone, as between threads: results keep NaN, Infinity and undefined.
      serialization: 'advanced',
      // The parent's flags (a test runner's, a debugger's) are not the replay's; its
      // environment is (tinypool would otherwise start the process with an empty one).
      execArgv: workerFlags(threads, availableParallelism()),
      env: environment(),
      minThreads: threads,
      maxThreads: threads,
    });
  };
  return {
    threads,
    run: async (task) => {
      pool ??= start();
      const out = (await (await pool).run(task)) as ReplayTaskResult | WorkerFailure;
      if ('failure' in out) throw revive(out.failure);
      return out;
    },
    close: async () => {
      if (pool) await (await pool).destroy();
    },
  };
}

/**
 * V8 flags of the worker processes. When there are as many workers as cores, each keeps a
 * core busy, and V8's helper threads (concurrent marking and sweeping, background compiling)
 * can only take time from another worker: a replay in the calling thread spends ~20-30% more
 * CPU than wall time on them. With `--single-threaded` that work runs in the worker's own
 * thread, where it costs little more (docs/compare.md has the figures); with spare cores
 * the helpers are left on.
 */
export function workerFlags(workers: number, cores: number): string[] {
  return workers >= cores ? ['--single-threaded'] : [];
}

/**
 * `run`, with calls queued so that one runs at a time. A replay awaits while it reads its
 * trace; without the queue, every cell of a matrix given at once would read and hold its
 * trace together with all the others, interleaved, in one thread.
 */
export function oneAtATime<A, R>(run: (a: A) => Promise<R>): (a: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (a: A) => {
    const next = last.then(
      () => run(a),
      () => run(a),
    );
    last = next.catch(() => {});
    return next;
  };
}

/** This process's environment with the unset names left out (tinypool's `env` type). */
function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

/** The error a worker reported, as the class the calling thread would have caught. */
function revive(f: WorkerFailure['failure']): Error {
  if (f.kind === 'invariant') {
    const e = new InvariantError(f.message);
    if (f.stack) e.stack = f.stack;
    return e;
  }
  const { code, message, file, line, offset, record, hint } = f.error as {
    code: ErrorCode;
    message: string;
    file?: string;
    line?: number;
    offset?: number;
    record?: number;
    hint?: string;
  };
  return new UfqReplayError(code, message, { file, line, offset, record, hint });
}
