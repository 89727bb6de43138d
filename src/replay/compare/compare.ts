// `compare`, the batch behind the command and the scripting API: every trace × policy ×
// device replayed on worker processes (or in the calling thread for one job), results put back
// in matrix order whatever order they finish in, so the bytes never depend on --jobs. With
// --fairness slowdown each process of each run is also replayed alone (the trace filtered to
// its pid, same policy and device) and the run's fairness gains per-process slowdowns.
// With `out`, writes results.json, matrix.json, runs.arrow, requests/ and report.md + charts/.

import { mkdir, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { loadProfile } from '../../device/registry.js';
import { UfqReplayError } from '../../errors.js';
import { slowdownFairness } from '../../metrics/slowdown.js';
import { getPolicyInfo, policyNames } from '../../policies/registry.js';
import type { MatrixDoc } from '../../report/matrix-doc.js';
import { mergeKey } from '../../report/run-view.js';
import type { RunsRow } from '../../report/runs-arrow.js';
import { writeReport } from '../../report/write.js';
import { resolveTrace } from '../../trace/open.js';
import { createReplayRunner, type ReplayRunner } from '../../worker/pool.js';
import type { ReplayTask } from '../../worker/replay-task.js';
import { type PolicyParams, policyWithParams } from '../policy-params.js';
import type { ReplayOptions } from '../replay.js';
import type { RunResult } from '../result.js';
import { isPolicyFile } from '../user-policy.js';
import { buildMatrix, type MatrixCell, parseShard, type Shard, shardCells } from './matrix.js';
import { runLongestFirst } from './schedule.js';
import { toolVersion as packageVersion } from './tool-version.js';

/** A policy of the matrix: a built-in name or a policy file, or a built-in with parameters (a sweep of one tunable). */
export type ComparePolicy = string | { name: string; params?: PolicyParams };

/** Replay settings shared by every cell (the `run` command's flags). */
export type CompareReplayOptions = Pick<
  ReplayOptions,
  'mode' | 'timeScale' | 'seed' | 'ufqRevision' | 'limits' | 'ioprio' | 'format' | 'plugWindows'
>;

export interface CompareOptions extends CompareReplayOptions {
  traces: readonly string[];
  policies: readonly ComparePolicy[];
  /** Built-in profile names or profile files; none: the run command's default. */
  devices?: readonly string[];
  /** Parallel replays (default: the number of cores). */
  jobs?: number;
  /** Run only this shard of the matrix (`{ index: 1, count: 4 }` or '1/4'). */
  shard?: Shard | string;
  /** 'slowdown': also replay each process alone and report slowdown fairness. */
  fairness?: 'slowdown';
  /** Folder for results.json, matrix.json, runs.arrow, requests/ and report.md. */
  out?: string;
  /** Write requests/ (one Arrow file per run) when `out` is given; default true. */
  requests?: boolean;
  /** Write report.md and charts/ when `out` is given; default true. */
  report?: boolean;
  /** Recorded in matrix.json, the report and Arrow metadata; default: this package's version. */
  toolVersion?: string;
  /** Called after every replay finishes (alone runs included). */
  onProgress?: (p: CompareProgress) => void;
  /** Receives each distinct note of the replays once, in matrix order, when all are done. */
  onNote?: (line: string) => void;
}

export interface CompareProgress {
  runsDone: number;
  /** Grows while alone runs are discovered (--fairness slowdown). */
  runsTotal: number;
  /** Bios replayed by the finished runs. */
  iosDone: number;
}

/** Replays the matrix (or this shard of it) and returns its runs in matrix order. */
export async function compare(options: CompareOptions): Promise<RunResult[]> {
  const policies = options.policies.map(normalisePolicy);
  if (options.traces.length === 0 || policies.length === 0)
    throw new UfqReplayError('FLAG_INVALID', 'compare needs at least one trace and one policy', {
      hint: 'for example: compare traces/seq-vs-rand.none --policy none,mq-deadline',
    });
  const devices: (string | undefined)[] = options.devices?.length ? [...options.devices] : [undefined];
  // Every name is checked before any replay starts, so a typo fails in a second, not an hour in.
  for (const d of devices) if (d !== undefined) loadProfile(d);
  const traceBytes = new Map<string, number>();
  for (const t of options.traces) traceBytes.set(t, await sizeOf(await resolveTrace(t)));
  const policyLabels = policies.map((p) => (p.params ? `${p.name} ${JSON.stringify(p.params)}` : p.name));
  const cells = buildMatrix(options.traces, policyLabels, devices);
  const shard = typeof options.shard === 'string' ? parseShard(options.shard) : options.shard;
  const mine = shardCells(cells, shard);
  const version = options.toolVersion ?? packageVersion();
  const requestsDir =
    options.out !== undefined && options.requests !== false ? join(options.out, 'requests') : undefined;
  if (options.out !== undefined) await makeDir(requestsDir ?? options.out);

  const shared: Omit<ReplayOptions, 'trace' | 'policy' | 'onNote'> = {
    mode: options.mode,
    timeScale: options.timeScale,
    seed: options.seed,
    ufqRevision: options.ufqRevision,
    limits: options.limits,
    ioprio: options.ioprio,
    format: options.format,
    plugWindows: options.plugWindows,
  };
  const taskOptions = (cell: MatrixCell): ReplayTask['options'] => {
    const p = policies[policyLabels.indexOf(cell.policy)];
    return dropUndefined({
      ...shared,
      trace: cell.trace,
      policy: p.name,
      device: cell.device,
      policyParams: p.params,
    });
  };
  const width = String(Math.max(cells.length - 1, 0)).length;
  const requestsFile = (cell: MatrixCell) =>
    `${String(cell.index).padStart(width, '0')}-${fileSafe(basename(cell.trace))}.${fileSafe(policies[policyLabels.indexOf(cell.policy)].name)}.${fileSafe(cell.device ?? 'default')}.arrow`;

  const progress: CompareProgress = { runsDone: 0, runsTotal: mine.length, iosDone: 0 };
  const runner = createReplayRunner(options.jobs ?? availableParallelism(), mine.length);
  const notes: string[][] = mine.map(() => []);
  const done = (r: RunResult) => {
    progress.runsDone++;
    progress.iosDone += r.ios;
    options.onProgress?.({ ...progress });
  };
  const results = new Array<RunResult>(mine.length);
  try {
    options.onProgress?.({ ...progress });
    // Longest first (schedule.ts), so that a long run does not start last while the other
    // workers idle; results still go by matrix index.
    const scheduled = mine.map((c) => ({ bytes: traceBytes.get(c.trace) ?? 0, kind: c.policy }));
    await runLongestFirst(scheduled, Math.max(1, runner.threads), async (k) => {
      const cell = mine[k];
      const task: ReplayTask = { options: taskOptions(cell), toolVersion: version };
      if (requestsDir !== undefined) task.requestsPath = join(requestsDir, requestsFile(cell));
      const t0 = performance.now();
      const out = await runner.run(task);
      const ms = performance.now() - t0;
      notes[k].push(...out.notes);
      done(out.result);
      if (options.fairness === 'slowdown')
        await addSlowdown(out.result, task.options, runner, progress, done);
      results[k] = out.result;
      return ms;
    });
  } finally {
    await runner.close();
  }
  for (const line of new Set(notes.flat())) options.onNote?.(line);

  const out = options.out;
  if (out !== undefined) {
    const keyOf = new Map(mine.map((c, k) => [c.index, mergeKey(results[k])]));
    const matrix: MatrixDoc = {
      toolVersion: version,
      traces: [...options.traces],
      policies: policyLabels,
      devices: devices.map((d) => d ?? null),
      shard: shard ? `${shard.index}/${shard.count}` : null,
      cells: cells.map((c) => ({ ...c, device: c.device ?? null, run: keyOf.get(c.index) ?? null })),
    };
    await writeFile(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(out, 'matrix.json'), `${JSON.stringify(matrix, null, 2)}\n`);
    const rows: RunsRow[] = mine.map((c, k) => ({
      index: c.index,
      run: results[k],
      requestsFile: requestsDir !== undefined ? requestsFile(c) : null,
    }));
    // apache-arrow is loaded only when Arrow is written.
    const { writeRunsArrow } = await import('../../report/runs-arrow.js');
    await writeRunsArrow(rows, join(out, 'runs.arrow'));
    if (options.report !== false)
      await writeReport(results, join(out, 'report.md'), { toolVersion: version });
  }
  return results;
}

/** Replays each process of `result` alone and attaches the slowdowns to its fairness. */
async function addSlowdown(
  result: RunResult,
  options: ReplayTask['options'],
  runner: ReplayRunner,
  progress: CompareProgress,
  done: (r: RunResult) => void,
): Promise<void> {
  const pids = result.processes.map((p) => p.pid);
  progress.runsTotal += pids.length;
  const alone = await Promise.all(
    pids.map(async (pid) => {
      const r = (await runner.run({ options: { ...options, pids: [pid] } })).result;
      done(r);
      return [pid, r.latency.q2c_ns.mean] as const;
    }),
  );
  result.fairness.slowdown = slowdownFairness(
    result.processes.map((p) => ({ pid: p.pid, comm: p.comm, meanQ2cNs: p.latency.q2c_ns.mean })),
    new Map(alone),
  );
}

function normalisePolicy(p: ComparePolicy): { name: string; params?: PolicyParams } {
  const spec = typeof p === 'string' ? { name: p } : p;
  // A policy file is loaded by each replay (in its worker); a built-in name is checked here.
  if (getPolicyInfo(spec.name) === undefined && !isPolicyFile(spec.name))
    throw new UfqReplayError('POLICY_NOT_FOUND', `no built-in policy named '${spec.name}'`, {
      hint: `built-in policies: ${policyNames().join(', ')}`,
    });
  // Parameters are checked now (names, kinds) rather than inside a worker.
  if (spec.params !== undefined) policyWithParams(spec.name, spec.params);
  return spec;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** Bytes of a trace's files (the first set of a name that resolves to several). */
async function sizeOf(sets: string[][]): Promise<number> {
  let total = 0;
  for (const f of sets[0] ?? []) total += (await stat(f)).size;
  return total;
}

async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new UfqReplayError('OUTPUT_UNWRITABLE', 'cannot create the output directory', {
      file: dir,
      cause: e,
    });
  }
}
