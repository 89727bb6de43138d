// What a comparison report reads from a run result: the fields of the `run --json` contract
// (CONTRACTS.md) it uses, plus the optional series. Declared here, by shape, because report/
// does not import replay/ (docs/architecture.md); a RunResult is one of these.
import type { FlushSummary } from '../metrics/flushes.js';
import type { ProcessSummary, StageLatency } from '../metrics/index.js';
import type { RunSeries } from '../metrics/series.js';
import type { SlowdownFairness } from '../metrics/slowdown.js';
import type { TraceStats } from '../metrics/trace-stats.js';

export interface ReportRun {
  policy: string;
  ufqRevision: number;
  device: string;
  mode: string;
  seed: number;
  trace: string;
  ios: number;
  throughput: { iops: number; mbps: number };
  latency: StageLatency;
  processes: ProcessSummary[];
  fairness: { jain: number; backlogged?: { jain: number; ns: number }; slowdown?: SlowdownFairness };
  opsStats: Record<string, number>;
  /** Replayed empty flushes; absent in results written before they were replayed. */
  flushes?: FlushSummary;
  conservation: { queued: number; completed: number; merged: number; lost: number };
  ejected: { reason: string; hook: string; atNs: number } | null;
  warnings: Record<string, number>;
  timeScale: number;
  limits?: Record<string, number>;
  spanNs?: number;
  policyParams?: Readonly<Record<string, number | readonly string[]>>;
  traceStats?: TraceStats;
  series?: RunSeries;
}

/**
 * What makes two runs the same run: trace, policy and its parameters, UFQ revision, device,
 * mode, seed, time scale and queue limits. Shards merged by `report` are deduplicated by it.
 */
export function mergeKey(r: ReportRun): string {
  return JSON.stringify([
    r.trace,
    r.policy,
    r.policyParams ?? null,
    r.ufqRevision,
    r.device,
    r.mode,
    r.seed,
    r.timeScale,
    r.limits ?? null,
  ]);
}
