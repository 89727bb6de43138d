// The scripting-API entry of a replay: trace + policy + device + mode + seed + limits → result.
// It reads and pairs the trace (scanning plug windows on the way), settles the options, runs
// the simulated machine (machine.ts: arrival plan, engine, device model, request queue and
// driver, to quiescence), and summarises the simulated IoTable with the same functions
// `inspect` uses. A pure function
// of its inputs: the same inputs give byte-identical JSON. The model itself lives in
// block/, ufq/, device/ and policies/; this module only connects them.

import { hintsFromMeta, readMetaDoc } from '../device/calibrate/meta-hints.js';
import { selfCalibrate, selfCalibrationNote } from '../device/calibrate/self.js';
import type { DeviceProfile } from '../device/profile.js';
import { loadProfile } from '../device/registry.js';
import { UfqReplayError } from '../errors.js';
import { summarizeFlushes } from '../metrics/flushes.js';
import { runSeries } from '../metrics/series.js';
import { summarizeIos } from '../metrics/summary.js';
import { traceStats } from '../metrics/trace-stats.js';
import { getPolicy, getPolicyInfo, policyNames } from '../policies/registry.js';
import { countWarning, type StringTable, type TraceInfo, type WarningCounts } from '../trace/event.js';
import { type IoTable, NONE } from '../trace/io-table.js';
import { parseIoprioRules } from '../trace/ioprio-rules.js';
import { observeBatches } from '../trace/observe.js';
import { openTrace } from '../trace/open.js';
import { pairEvents } from '../trace/pair.js';
import type { UfqOps } from '../ufq/ops.js';
import type { UfqRevision } from '../ufq/revisions.js';
import { runMachine } from './machine.js';
import { hasCompletions, type ReplayMode } from './plan.js';
import { PlugWindowScanner, type PlugWindows } from './plug-windows.js';
import { DEFAULT_WATCHDOG_MS } from './policy-limits.js';
import { type PolicyParams, policyWithParams } from './policy-params.js';
import type { RunResult } from './result.js';
import { selectPids } from './select-pids.js';
import {
  appendRows,
  replayedDevice,
  replayedFlushes,
  replayedRows,
  rowsView,
  simulatedTable,
} from './tables.js';
import { type QueueLimitValues, type ResolvedLimits, traceLimits } from './trace-meta.js';
import { isPolicyFile, loadPolicyFile } from './user-policy.js';

/** The device used when none is named (CONTRACTS.md: the run says so). */
export const DEFAULT_DEVICE = 'nvme';
/** The UFQ revision used when neither the user nor the policy names one: rev-1, the RFC. */
export const DEFAULT_UFQ_REVISION: UfqRevision = 1;
export const DEFAULT_SEED = 1;

export interface ReplayOptions {
  /** Trace name: blktrace base name, file, or a directory holding one trace. */
  trace: string;
  /** Built-in policy name (`policies`). */
  policy: string;
  /** Built-in profile name or a JSON file; default DEFAULT_DEVICE (with a warning). */
  device?: string;
  /** A profile object (a calibrated one); wins over `device`. Neither given: self-calibration. */
  profile?: DeviceProfile;
  /** Default: closed when the trace has completions, else open. */
  mode?: ReplayMode;
  /** Multiplier of recorded gaps in open and closed modes; default 1. */
  timeScale?: number;
  seed?: number;
  ufqRevision?: UfqRevision;
  /** Overrides of the queue limits (flags); the rest comes from NAME.meta.json or defaults. */
  limits?: QueueLimitValues;
  /** `--ioprio` specs for I/Os whose trace recorded no priority. */
  ioprio?: readonly string[];
  /** Trace format id, instead of detection. */
  format?: string;
  /**
   * 'trace' (default): the trace's unplugs bound plug windows when it has any; 'model':
   * ignore them and batch only bios due at the same instant (to measure what windows add).
   */
  plugWindows?: 'trace' | 'model';
  /** Receives one-line notes meant for stderr (defaults, fallbacks). */
  onNote?: (line: string) => void;
  /** Load the built-in policy with these parameters (sysfs names and units, e.g. { fifo_batch: 8 }). */
  policyParams?: PolicyParams;
  /** Replay only these processes' I/Os (a process "alone" for slowdown fairness). */
  pids?: readonly number[];
  /** A loaded hook table (a policy file's, replay/user-policy.ts); `policy` then only labels the result. */
  ops?: UfqOps;
  /**
   * Eject a policy after this many simulated ms without a dispatch or completion while
   * requests wait (block/queue.ts watchdog); 0 turns it off. Default DEFAULT_WATCHDOG_MS.
   */
  watchdogMs?: number;
}

/** A replay's result plus its simulated I/Os (for requests.arrow). */
export interface ReplayOutput {
  result: RunResult;
  /** One row per replayed bio with data, with simulated stage times. */
  ios: IoTable;
  /** One row per replayed empty flush, with simulated stage times. */
  flushes: IoTable;
  strings: StringTable;
  info: TraceInfo;
}

/** Replays one trace and returns the `run --json` result. */
export async function replay(options: ReplayOptions): Promise<RunResult> {
  return (await simulate(options)).result;
}

/** A recorded merge ratio from which a trace without unplug events gets a note (merges may be lost). */
const UNPLUGGED_MERGE_RATIO = 1.05;

/** Replays one trace; returns the result and the simulated IoTable. */
export async function simulate(options: ReplayOptions): Promise<ReplayOutput> {
  // Policy and device errors before reading what may be a large trace.
  if (options.ops === undefined && isPolicyFile(options.policy))
    options = { ...options, ops: await loadPolicyFile(options.policy) };
  if (options.ops === undefined) resolvePolicy(options.policy);
  if (options.profile === undefined) loadProfile(options.device ?? DEFAULT_DEVICE);
  const warnings: WarningCounts = {};
  // Read and pair the trace, collecting unplugs in the same pass.
  const scanner = new PlugWindowScanner();
  const source = await openTrace(options.trace, { format: options.format });
  const paired = await pairEvents(
    observeBatches(source, (b) => scanner.observe(b)),
    { ioprioRules: parseIoprioRules(options.ioprio ?? []) },
  );
  for (const [k, v] of Object.entries(paired.info.warnings)) countWarning(warnings, k, v);
  for (const [k, v] of Object.entries(paired.warnings)) countWarning(warnings, k, v);
  const dev = replayedDevice(paired.ios);
  const replayed = replayedRows(paired.ios, warnings, dev);
  const ios = options.pids === undefined ? replayed : selectPids(replayed, options.pids);
  // Recorded empty flushes (fsync) are replayed beside the data bios of the same device.
  const flushesOnDev = replayedFlushes(paired.flushes, dev, warnings);
  const flushes = options.pids === undefined ? flushesOnDev : selectPids(flushesOnDev, options.pids);
  const windows =
    scanner.found && options.plugWindows !== 'model'
      ? joinWindows(scanner.assign(ios), scanner.assign(flushes))
      : null;
  if (!scanner.found && paired.btt.merges.ratio >= UNPLUGGED_MERGE_RATIO) {
    // Block tracepoint captures often leave out block_plug/block_unplug (docs/replay.md).
    const line = `note: the trace merged bios (btt ratio ${paired.btt.merges.ratio.toFixed(2)}) but recorded no plugs or unplugs: plug windows are modelled, and merges the kernel made in a plug may not happen in the replay`;
    countWarning(warnings, line);
    options.onNote?.(line);
  }
  // Queue limits: flags, then NAME.meta.json, then the model's defaults.
  const limits = await traceLimits(options.trace, options.limits ?? {}, warnings);
  // No device named: calibrate one from the trace's own D and C events (devices-metrics §2.5).
  let chosen = options;
  if (options.device === undefined && options.profile === undefined) {
    const cal = selfCalibrate(
      paired.ios,
      paired.info,
      hintsFromMeta(await readMetaDoc(limits.metaFile)),
      paired.pieces,
    );
    if (cal) {
      countWarning(warnings, selfCalibrationNote(cal));
      options.onNote?.(selfCalibrationNote(cal));
      chosen = { ...options, profile: cal.profile };
    }
  }
  const splits = splitsOfRows(paired.splits, paired.ios, ios);
  return simulateTable(
    { ios, flushes, strings: paired.strings, info: paired.info, windows, limits, warnings, splits },
    chosen,
  );
}

/** Windows of the data rows followed by the flush rows' (the replay's table order). */
function joinWindows(data: PlugWindows, flushes: PlugWindows): PlugWindows {
  if (flushes.window.length === 0) return data;
  const window = new Int32Array(data.window.length + flushes.window.length);
  window.set(data.window);
  window.set(flushes.window, data.window.length);
  // Both come from one scanner, so a window id means the same task and window in both.
  return { window, count: data.count, unplugs: data.unplugs };
}

/**
 * The recorded cuts (`splits`, by row of `from`) keyed by row of `to`, a table of some of
 * `from`'s rows (one device, some processes): a row is found by its Q time, sector and pid.
 */
function splitsOfRows(
  splits: ReadonlyMap<number, number[]>,
  from: IoTable,
  to: IoTable,
): ReadonlyMap<number, readonly number[]> {
  if (from === to || splits.size === 0) return splits;
  const key = (t: IoTable, i: number) => `${t.tQ[i]}:${t.sector[i]}:${t.pid[i]}`;
  const byKey = new Map<string, number[]>();
  for (const [row, cuts] of splits) byKey.set(key(from, row), cuts);
  const out = new Map<number, readonly number[]>();
  for (let i = 0; i < to.length; i++) {
    const cuts = byKey.get(key(to, i));
    if (cuts !== undefined) out.set(i, cuts);
  }
  return out;
}

/** A paired trace ready to replay (what simulate() reads from a file). */
export interface ReplayInput {
  /** One row per bio, one device, every row with a Q time (tables.ts replayedRows). */
  ios: IoTable;
  /**
   * Empty flushes of the same device with a Q time (PairResult.flushes, tables.ts
   * replayedFlushes), replayed beside `ios`; absent or empty: none.
   */
  flushes?: IoTable;
  strings: StringTable;
  info: TraceInfo;
  /**
   * Recorded plug windows per row (of `ios`, then of `flushes`), or null when the trace has no
   * unplugs. Flush rows without a window entry replay unwindowed.
   */
  windows: PlugWindows | null;
  limits: ResolvedLimits;
  /** Warnings so far (reading, pairing); the replay adds its own. */
  warnings: WarningCounts;
  /**
   * Where the kernel split rows in the recording (row -> cut sectors; PairResult.splits).
   * Replayed unless --max-sectors-kb changes the limit the kernel split by.
   */
  splits?: ReadonlyMap<number, readonly number[]>;
}

/** Replays an already paired table; `options.trace` only labels the result. */
export function simulateTable(input: ReplayInput, options: ReplayOptions): ReplayOutput {
  const { ios, limits } = input;
  // The replayed table: the data rows, then the empty flushes (tables.ts appendRows).
  const flushRows = input.flushes ?? rowsView(ios, 0, 0);
  const all = flushRows.length > 0 ? appendRows(ios, flushRows) : ios;
  const windows = windowsFor(input.windows, all.length);
  const warnings: WarningCounts = { ...input.warnings };
  const note = (line: string) => {
    countWarning(warnings, line);
    options.onNote?.(line);
  };
  const ops =
    options.ops ??
    (options.policyParams === undefined
      ? resolvePolicy(options.policy)
      : policyWithParams(options.policy, options.policyParams));
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    throw new UfqReplayError('FLAG_INVALID', `time scale ${timeScale} is not a positive number`, {
      hint: 'give a multiplier such as 0.5 (twice as fast) or 2 (half as fast)',
    });
  const seed = options.seed ?? DEFAULT_SEED;
  // A policy that needs a later revision (pfq: rev-3) implies it unless the user gave one.
  const ufqRevision =
    options.ufqRevision ?? getPolicyInfo(options.policy)?.requiresRevision ?? DEFAULT_UFQ_REVISION;
  const deviceName = options.device ?? DEFAULT_DEVICE;
  if (options.device === undefined && options.profile === undefined) {
    countWarning(warnings, `no device given: replayed on the ${DEFAULT_DEVICE} profile`);
    options.onNote?.(
      `note: no --device given and no D and C events to calibrate from, using ${DEFAULT_DEVICE}`,
    );
  }
  let profile = options.profile ?? loadProfile(deviceName);
  if (limits.values.queue_depth !== undefined)
    profile = { ...profile, queueDepth: limits.values.queue_depth };

  // The replay mode (the arrival plan itself is built by the machine).
  let mode: ReplayMode = options.mode ?? (hasCompletions(ios) ? 'closed' : 'open');
  if (mode === 'closed' && !hasCompletions(ios)) {
    note('closed-loop replay needs completions and the trace has none: replayed open-loop');
    mode = 'open';
  }
  if (mode === 'afap') {
    if (timeScale !== 1) note('afap replay has no recorded gaps to scale: --time-scale ignored');
    if (!hasCompletions(ios))
      note('afap replay: the trace has no completions, every process runs at depth 1');
  }

  // The simulated machine (machine.ts), gone once it has reported.
  const simAll = simulatedTable(all);
  const run = runMachine({
    ios: all,
    sim: simAll,
    strings: input.strings,
    windows,
    mode,
    timeScale,
    seed,
    ops,
    ufqRevision,
    profile,
    limits,
    watchdogNs: watchdogNs(options.watchdogMs),
    recordedSplits: limits.from.max_sectors_kb === 'flag' ? null : (input.splits ?? null),
  });
  const cons = run.conservation;
  const opsStats = run.opsStats;
  const ejected = run.ejected;
  for (const [k, v] of Object.entries(run.warnings)) countWarning(warnings, k, v);
  if (run.unfinishedProcesses > 0)
    countWarning(
      warnings,
      'processes left waiting for a completion that never came',
      run.unfinishedProcesses,
    );

  const sim = all === ios ? simAll : rowsView(simAll, 0, ios.length);
  const simFlushes = rowsView(simAll, ios.length, all.length);
  const summary = summarizeIos(sim, input.strings, simFlushes);
  // Empty flushes are bios and (with a write cache) requests too, but neither btt's #Q/#D nor `ios`.
  const flushQueued = countStamped(simFlushes.tQ);
  const flushRequests = countStamped(simFlushes.tG);
  const d = cons.requests.allocated - cons.requests.absorbed - flushRequests;
  const dataQueued = cons.queued - flushQueued;
  const limitValues: Record<string, number> = { ...run.limits };
  if (limits.values.rotational !== undefined) limitValues.rotational = limits.values.rotational;
  if (limits.values.logical_block_size !== undefined)
    limitValues.logical_block_size = limits.values.logical_block_size;
  const result: RunResult = {
    policy: options.policy,
    ufqRevision,
    device: profile.name,
    mode,
    seed,
    trace: options.trace,
    ios: dataQueued,
    throughput: summary.throughput,
    latency: summary.latency,
    processes: summary.processes,
    fairness: summary.fairness,
    // btt/output.c __output_dip_merge_ratio: #Q is raised to #D (split bios make more requests than bios).
    merges: { q: Math.max(dataQueued, d), d, ratio: d > 0 ? Math.max(dataQueued, d) / d : 0 },
    flushes: summarizeFlushes(simFlushes),
    opsStats,
    // Every bio, empty flushes included. A bio never submitted (its process waited on a
    // completion that never came) is lost too.
    conservation: {
      queued: cons.queued,
      completed: cons.completed,
      merged: cons.merged,
      lost: cons.lost + (all.length - cons.queued),
    },
    ejected: ejected === null ? null : { reason: ejected.reason, hook: ejected.hook, atNs: ejected.atNs },
    warnings,
    timeScale,
    limits: limitValues,
    limitsFrom: {
      nr_requests: limits.from.nr_requests ?? 'default',
      max_sectors_kb: limits.from.max_sectors_kb ?? 'default',
      queue_depth: limits.from.queue_depth ?? 'device',
      nomerges: limits.from.nomerges ?? 'default',
      ...limits.from,
    },
    plugging: {
      windows: windows === null ? 'model' : 'trace',
      recorded: windows?.unplugs ?? 0,
      unplugs: run.unplugs,
    },
    byOp: summary.byOp,
    byClass: summary.byClass,
    spanNs: summary.spanEndNs >= 0 && summary.spanStartNs >= 0 ? summary.spanEndNs - summary.spanStartNs : 0,
    ...(options.policyParams === undefined ? {} : { policyParams: options.policyParams }),
    traceStats: traceStats(ios, input.info),
    series: runSeries(sim),
  };
  return { result, ios: sim, flushes: simFlushes, strings: input.strings, info: input.info };
}

/** Rows with a stage time. */
function countStamped(t: Float64Array): number {
  let n = 0;
  for (let i = 0; i < t.length; i++) if (t[i] !== NONE) n++;
  return n;
}

/** The plug windows of `n` replayed rows: rows past the given windows (flushes) replay unwindowed. */
function windowsFor(windows: PlugWindows | null, n: number): PlugWindows | null {
  if (windows === null || windows.window.length >= n) return windows;
  const window = new Int32Array(n).fill(-1);
  window.set(windows.window);
  return { ...windows, window };
}

function watchdogNs(ms: number | undefined): number {
  const v = ms ?? DEFAULT_WATCHDOG_MS;
  if (!Number.isInteger(v) || v < 0)
    throw new UfqReplayError('FLAG_INVALID', `watchdog ${v} ms is not an integer >= 0`, {
      hint: 'give simulated milliseconds, or 0 to turn the watchdog off',
    });
  return v * 1_000_000;
}

/** A built-in policy's hook table; POLICY_NOT_FOUND (exit 2) for an unknown name. */
function resolvePolicy(name: string): UfqOps {
  const ops = getPolicy(name);
  if (ops === undefined && isPolicyFile(name))
    throw new UfqReplayError('POLICY_NOT_FOUND', `policy file ${name} was not loaded`, {
      hint: 'simulate() loads policy files; simulateTable() needs the loaded table in `ops`',
    });
  if (ops === undefined)
    throw new UfqReplayError('POLICY_NOT_FOUND', `no built-in policy named '${name}'`, {
      hint: `built-in policies: ${policyNames().join(', ')}; or a policy file (.js, .mjs, .ts)`,
    });
  return ops;
}
