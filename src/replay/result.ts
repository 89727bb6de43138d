// The result of one replay: the `run --json` contract (CONTRACTS.md), also each element of
// compare's results.json. Shapes shared with `inspect` (latency summaries, process rows) come
// from metrics/, so a recorded trace and its replay compare field by field. All times are
// integer ns and key names carry the unit. Nothing here depends on the machine or the clock:
// the same inputs give the same bytes.

import type { FlushSummary } from '../metrics/flushes.js';
import type { LatencySummary, ProcessSummary, StageLatency } from '../metrics/index.js';
import type { RunSeries } from '../metrics/series.js';
import type { SlowdownFairness } from '../metrics/slowdown.js';
import type { TraceStats } from '../metrics/trace-stats.js';
import type { WarningCounts } from '../trace/event.js';
import type { ReplayMode } from './plan.js';
import type { LimitOrigin, QueueLimitName } from './trace-meta.js';

export type { LatencySummary, ProcessSummary, StageLatency };

/**
 * btt's merge figures for the simulated queue: q = bios queued (Q), raised to d as btt raises
 * it when split bios make more requests than bios; d = requests dispatched (D).
 */
export interface RunMerges {
  q: number;
  d: number;
  /** q / d (0 when nothing was dispatched). */
  ratio: number;
}

/** Every bio queued (empty flushes included) ends completed (with its own request or one it merged into) or lost. */
export interface Conservation {
  /** Bios submitted to the simulated queue, empty flushes included. */
  queued: number;
  /** Bios whose request completed (merged bios included). */
  completed: number;
  /** Bios that joined another request instead of starting one (bio merges plus request merges). */
  merged: number;
  /** queued - completed: a bug when not 0. */
  lost: number;
}

export interface Ejection {
  reason: string;
  hook: string;
  atNs: number;
}

export interface RunFairness {
  /** Jain's index over the processes' completions per second inside the contention window. */
  jain: number;
  windowStartNs: number;
  windowEndNs: number;
  /** Processes counted as flows, and whether they overlapped at all (metrics/fairness.ts). */
  flows: number;
  overlap: boolean;
  /**
   * Jain's index over the time every flow had I/O outstanding, and that time (metrics/fairness.ts
   * backloggedFairness; devices-metrics-peers §3.4). Absent in results written before it existed.
   */
  backlogged?: { jain: number; ns: number };
  /** Per-process slowdown against each process replayed alone (`compare --fairness slowdown`). */
  slowdown?: SlowdownFairness;
}

/** Where the replay's plug windows came from. */
export interface RunPlugging {
  /** 'trace': the trace's own unplugs bound each window; 'model': same-instant batches only. */
  windows: 'trace' | 'model';
  /** Windows recorded in the trace (0 for 'model'). */
  recorded: number;
  /** Simulated flushes: explicit (U), at the count or size limit, from schedule (UT). */
  unplugs: { explicit: number; limit: number; fromSchedule: number };
}

export interface RunResult {
  policy: string;
  ufqRevision: number;
  device: string;
  mode: ReplayMode;
  seed: number;
  /** The trace as named on the command line (or to the API). */
  trace: string;
  /** Bios with data replayed (empty flushes are counted in `flushes`). */
  ios: number;
  throughput: { iops: number; mbps: number };
  latency: StageLatency;
  processes: ProcessSummary[];
  fairness: RunFairness;
  merges: RunMerges;
  /**
   * The replayed empty flushes (fsync's cache flushes recorded in the trace), as `inspect`
   * reports the recorded ones. Absent in results written before flushes were replayed.
   */
  flushes?: FlushSummary;
  /** The elevator's ops_stats under its debugfs labels for this revision; {} without UFQ. */
  opsStats: Record<string, number>;
  conservation: Conservation;
  ejected: Ejection | null;
  /** Everything worth a second look, by reason: count. */
  warnings: WarningCounts;
  /** Multiplier of recorded gaps (open and closed modes). */
  timeScale: number;
  /** Queue limits in force, and where each came from ('default' = the model's own). */
  limits: Record<string, number>;
  limitsFrom: Partial<Record<QueueLimitName, LimitOrigin>>;
  plugging: RunPlugging;
  /** Per operation and per I/O priority class, as inspect reports them. */
  byOp: Record<string, { ios: number; iops: number; mbps: number; latency: StageLatency }>;
  byClass: Record<string, { ios: number; iops: number; mbps: number; latency: StageLatency }>;
  /** Simulated span: first arrival to last completion. */
  spanNs: number;
  /** Policy parameters the run was loaded with (`policyParams`); absent for the defaults. */
  policyParams?: Readonly<Record<string, number | readonly string[]>>;
  /** The recorded trace: format, size, I/Os replayed, duration (for reports). */
  traceStats?: TraceStats;
  /** Q2C CDF at fixed percentiles, throughput per time bin, bytes per process (for report charts). */
  series?: RunSeries;
}
