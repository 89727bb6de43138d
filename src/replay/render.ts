// The readable form of a replay result for the terminal: the run key line, a summary table,
// the per-process table, ops_stats lines under the kernel's debugfs labels, the conservation
// line and the warnings. Text only; every figure comes from the RunResult.
import { latencyTable, processTable, warningLines } from '../report/summary-tables.js';
import { backloggedNote, formatFixed } from '../report/table.js';
import type { RunResult } from './result.js';

const NS_PER_S = 1e9;

/** The run key every result prints (STYLE.md §2.7): what was replayed, how. */
export function runKey(r: RunResult): string {
  const scale = r.mode !== 'afap' && r.timeScale !== 1 ? ` time-scale=${r.timeScale}` : '';
  return `trace=${r.trace} policy=${r.policy} rev=${r.ufqRevision} device=${r.device} mode=${r.mode} seed=${r.seed}${scale}`;
}

export function renderRun(r: RunResult): string {
  const limits = Object.entries(r.limits)
    .map(
      ([k, v]) =>
        `${k}=${v}${r.limitsFrom[k as keyof typeof r.limitsFrom] === undefined ? '' : ` (${r.limitsFrom[k as keyof typeof r.limitsFrom]})`}`,
    )
    .join(' ');
  const out: string[] = [
    runKey(r),
    `queue: ${limits}`,
    `plugging: ${r.plugging.windows === 'trace' ? `${r.plugging.recorded} windows from the trace's unplugs` : 'same-instant batches (the trace records no unplugs)'}; simulated U ${r.plugging.unplugs.explicit}, limit ${r.plugging.unplugs.limit}, UT ${r.plugging.unplugs.fromSchedule}`,
    '',
    `${r.ios} I/Os in ${(r.spanNs / NS_PER_S).toFixed(3)} s simulated: ${formatFixed(r.throughput.iops)} IOPS, ${formatFixed(r.throughput.mbps, 2)} MB/s; merges Q ${r.merges.q} / D ${r.merges.d} = ${formatFixed(r.merges.ratio, 3)}`,
    '',
    'latency (µs, nearest-rank percentiles)',
    latencyTable([
      ['Q2C', r.latency.q2c_ns],
      ['Q2D', r.latency.q2d_ns],
      ['D2C', r.latency.d2c_ns],
    ]),
    ...flushLines(r),
    '',
    'processes (Q2C in µs)',
    processTable(r.processes),
    '',
    `fairness: Jain ${formatFixed(r.fairness.jain, 3)} over ${r.fairness.flows} flow(s), window ${seconds(r.fairness.windowStartNs)}-${seconds(r.fairness.windowEndNs)} s${r.fairness.overlap ? '' : ' (flows do not overlap: whole run)'}${backloggedNote(r.fairness.backlogged)}`,
  ];
  const stats = Object.entries(r.opsStats);
  if (stats.length > 0) {
    out.push('', 'ops_stats');
    for (const [k, v] of stats) out.push(`  ${k} ${v}`);
  }
  const c = r.conservation;
  out.push(
    '',
    `conservation: queued ${c.queued}, completed ${c.completed}, merged ${c.merged}, lost ${c.lost}`,
  );
  if (r.ejected)
    out.push(`ejected: ${r.ejected.reason} (hook ${r.ejected.hook}, at ${seconds(r.ejected.atNs)} s)`);
  out.push('', ...warningLines(r.warnings));
  return out.join('\n');
}

/** The replayed empty flushes' latencies, when the trace had any. */
function flushLines(r: RunResult): string[] {
  const f = r.flushes;
  if (f === undefined || f.n === 0) return [];
  return [
    '',
    `empty flushes: ${f.n} replayed, ${f.completed} completed (µs)`,
    latencyTable([
      ['Q2C', f.latency.q2c_ns],
      ['Q2D', f.latency.q2d_ns],
      ['D2C', f.latency.d2c_ns],
    ]),
  ];
}

function seconds(ns: number): string {
  return (ns / NS_PER_S).toFixed(3);
}
