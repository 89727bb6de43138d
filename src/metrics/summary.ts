// summarizeIos: every figure a result reports about a table of I/Os (throughput, latency,
// per process, per op, per class, fairness), the same for a recorded trace (`inspect`) and
// a replay (`run`), which fills an IoTable of the same shape with simulated times.
import type { IoprioClassName, StringTable } from '../trace/event.js';
import type { IoTable } from '../trace/io-table.js';
import {
  backloggedFairness,
  backlogNs,
  contentionWindow,
  type Fairness,
  flowMask,
  type Intervals,
  jainIndex,
} from './fairness.js';
import { completionsBetween, type GroupStats, groupStatsMany } from './groups.js';
import type { StageLatency } from './latency-summary.js';
import { className, summaryKeys } from './processes.js';
import { type Throughput, throughputOver } from './throughput.js';

/** A group of I/Os: count, rates over its own active span, latencies. */
export interface GroupSummary {
  ios: number;
  iops: number;
  mbps: number;
  latency: StageLatency;
}

/** A process (CONTRACTS.md "P"). */
export interface ProcessSummary {
  pid: number;
  comm: string;
  ioprioClass: IoprioClassName;
  ios: number;
  iops: number;
  mbps: number;
  /** Completions inside the contention window per second of it. */
  windowIops: number;
  latency: StageLatency;
}

export interface IoSummary {
  /** I/Os (Q rows) and how many completed. */
  ios: number;
  completed: number;
  /** First Q and last C of the whole table (ns); -1 (io-table NONE) when absent. */
  spanStartNs: number;
  spanEndNs: number;
  throughput: Throughput;
  latency: StageLatency;
  /** Most I/Os first, then by pid. */
  processes: ProcessSummary[];
  byOp: Record<string, GroupSummary>;
  byClass: Record<string, GroupSummary>;
  fairness: Fairness;
}

/** Nanoseconds per second. */
const NS_PER_S = 1e9;

/**
 * Summarises `ios` (comm names resolved through `strings`). Rates of any group are over
 * that group's own span, from its first Q to its last C (docs/metrics.md).
 */
export function summarizeIos(ios: IoTable, strings: StringTable, flushes?: IoTable): IoSummary {
  // Every grouping at once, in one pass over the rows. Every row has a group in each, so a
  // grouping of one group is the whole table (null: nothing to look up per row).
  const { proc, ops, classes } = summaryKeys(ios);
  const grouping = (groupOf: Int32Array, nGroups: number) => ({
    groupOf: nGroups === 1 ? null : groupOf,
    nGroups,
  });
  const [[whole], procStats, opStats, classStats] = groupStatsMany(ios, [
    { groupOf: null, nGroups: 1 },
    grouping(proc.groupOf, proc.pids.length),
    grouping(ops.groupOf, ops.names.length),
    grouping(classes.groupOf, classes.names.length),
  ]);

  // Busy time: the I/Os' [Q, C] and, where given, the processes' empty flushes'.
  const busy = busyRows(ios, proc.groupOf, proc.pids, flushes);
  const backlog = backlogNs(busy.rows, busy.groupOf, proc.pids.length, whole.lastCNs);
  const spans = procStats.map((st, g) => ({
    firstQNs: st.firstQNs,
    lastCNs: st.lastCNs,
    backlogNs: backlog[g],
  }));
  const isFlow = flowMask(spans, whole.firstQNs, whole.lastCNs);
  const window = contentionWindow(spans, isFlow, whole.firstQNs, whole.lastCNs);
  const inWindow = completionsBetween(ios, proc.groupOf, proc.pids.length, window.startNs, window.endNs);
  const windowSeconds = (window.endNs - window.startNs) / NS_PER_S;
  const windowIops = Array.from(inWindow, (c) => (windowSeconds > 0 ? c / windowSeconds : 0));

  const processes: ProcessSummary[] = procStats.map((st, g) => ({
    pid: proc.pids[g],
    comm: strings.get(proc.comms[g]),
    ioprioClass: className(proc.classes[g]),
    ...rates(st),
    windowIops: windowIops[g],
    latency: st.latency,
  }));
  processes.sort((a, b) => b.ios - a.ios || a.pid - b.pid);

  const flowIops = windowIops.filter((_, g) => isFlow[g]);
  return {
    ios: whole.ios,
    completed: whole.completed,
    spanStartNs: whole.firstQNs,
    spanEndNs: whole.lastCNs,
    throughput: throughputOver(whole.completed, whole.completedBytes, whole.firstQNs, whole.lastCNs),
    latency: whole.latency,
    processes,
    byOp: named(ops.names, opStats),
    byClass: named(classes.names, classStats),
    fairness: {
      jain: jainIndex(flowIops),
      windowStartNs: window.startNs,
      windowEndNs: window.endNs,
      flows: flowIops.length,
      overlap: window.overlap,
      backlogged: backloggedFairness(busy.rows, busy.groupOf, isFlow, whole.lastCNs, ios.length),
    },
  };
}

/**
 * The rows whose [Q, C] make a process busy: the I/Os, then the empty flushes of the same
 * processes (flushes of a process without I/Os have no group, -1).
 */
function busyRows(
  ios: IoTable,
  groupOf: Int32Array,
  pids: readonly number[],
  flushes: IoTable | undefined,
): { rows: Intervals; groupOf: ArrayLike<number> } {
  if (flushes === undefined || flushes.length === 0) return { rows: ios, groupOf };
  const n = ios.length;
  const m = flushes.length;
  const tQ = new Float64Array(n + m);
  const tC = new Float64Array(n + m);
  tQ.set(ios.tQ.subarray(0, n));
  tQ.set(flushes.tQ.subarray(0, m), n);
  tC.set(ios.tC.subarray(0, n));
  tC.set(flushes.tC.subarray(0, m), n);
  const all = new Int32Array(n + m);
  all.set(groupOf.subarray(0, n));
  const groupOfPid = new Map(pids.map((pid, g) => [pid, g]));
  for (let i = 0; i < m; i++) all[n + i] = groupOfPid.get(flushes.pid[i]) ?? -1;
  return { rows: { length: n + m, tQ, tC }, groupOf: all };
}

function rates(st: GroupStats): { ios: number; iops: number; mbps: number } {
  const t =
    st.completed > 0 ? throughputOver(st.completed, st.completedBytes, st.firstQNs, st.lastCNs) : ZERO_RATE;
  return { ios: st.ios, iops: t.iops, mbps: t.mbps };
}

const ZERO_RATE: Throughput = { iops: 0, mbps: 0 };

function named(names: string[], stats: GroupStats[]): Record<string, GroupSummary> {
  const order = names.map((name, g) => ({ name, g })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: Record<string, GroupSummary> = {};
  for (const { name, g } of order) out[name] = { ...rates(stats[g]), latency: stats[g].latency };
  return out;
}
