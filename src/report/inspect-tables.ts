// The readable form of `inspect`: btt's tables (in µs rather than btt's seconds), merge
// information, latency percentiles, throughput, per-process/op/class rows, fairness and
// warnings. Text only; the figures are computed elsewhere.
import type { FlushSummary } from '../metrics/flushes.js';
import type { GroupSummary, IoSummary } from '../metrics/summary.js';
import { BTT_METRICS, type BttFigure, CONTRACT_BTT_METRICS } from '../trace/btt.js';
import { devName, type WarningCounts } from '../trace/event.js';
import type { PairResult } from '../trace/pair.js';
import { latencyTable, processTable, warningLines } from './summary-tables.js';
import { backloggedNote, type Column, formatFixed, formatUs, renderTable } from './table.js';

const NS_PER_S = 1e9;

export function renderInspect(
  label: string,
  paired: PairResult,
  s: IoSummary,
  warnings: WarningCounts,
  flushes?: FlushSummary,
): string {
  const info = paired.info;
  const out: string[] = [
    `${label}: ${info.format}, ${info.files.length} file(s), ${info.records} records, ${s.ios} I/Os (${s.completed} completed)`,
    '',
    'btt: all devices (µs)',
    bttTable(paired),
    '',
    'btt: device merge information (sizes in 512-byte sectors)',
    mergeTable(paired),
    '',
    `throughput: ${formatFixed(s.throughput.iops)} IOPS, ${formatFixed(s.throughput.mbps, 2)} MB/s over ${seconds(s.spanEndNs - s.spanStartNs)} s (first Q to last C)`,
    '',
    'latency (µs, nearest-rank percentiles)',
    latencyTable([
      ['Q2C', s.latency.q2c_ns],
      ['Q2D', s.latency.q2d_ns],
      ['D2C', s.latency.d2c_ns],
    ]),
    ...flushLines(flushes),
    '',
    'processes (Q2C in µs)',
    processTable(s.processes),
    '',
    `fairness: Jain ${formatFixed(s.fairness.jain, 3)} over ${s.fairness.flows} flow(s), window ${seconds(s.fairness.windowStartNs)}-${seconds(s.fairness.windowEndNs)} s${s.fairness.overlap ? '' : ' (flows do not overlap: whole trace)'}${backloggedNote(s.fairness.backlogged)}`,
    '',
    'per operation (Q2C in µs)',
    groupTable('op', s.byOp),
    '',
    'per I/O priority class (Q2C in µs)',
    groupTable('class', s.byClass),
  ];
  out.push('', ...warningLines(warnings));
  return out.join('\n');
}

/** The recorded empty flushes' latencies, when the trace has any (as `run` prints the replayed ones). */
function flushLines(f: FlushSummary | undefined): string[] {
  if (f === undefined || f.n === 0) return [];
  return [
    '',
    `empty flushes: ${f.n} recorded, ${f.completed} completed (µs; not among the I/Os above, as in btt)`,
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

// btt/output.c output_avgs: a row only when it has samples, but always the contract's eight.
function bttTable(paired: PairResult): string {
  const cols: Column[] = [
    { header: 'ALL', align: 'left' },
    { header: 'MIN' },
    { header: 'AVG' },
    { header: 'MAX' },
    { header: 'N' },
  ];
  const always = new Set<string>(CONTRACT_BTT_METRICS);
  const rows = BTT_METRICS.filter((m) => always.has(m) || paired.btt.all[m].n > 0).map((m) => {
    const f: BttFigure = paired.btt.all[m];
    return [m, formatUs(f.min_ns), formatUs(f.avg_ns), formatUs(f.max_ns), String(f.n)];
  });
  return renderTable(cols, rows, 2);
}

function mergeTable(paired: PairResult): string {
  const cols: Column[] = ['DEV', '#Q', '#D', 'Ratio', 'BLKmin', 'BLKavg', 'BLKmax', 'Total'].map((h, k) => ({
    header: h,
    align: k === 0 ? 'left' : 'right',
  }));
  const row = (dev: string, m: PairResult['btt']['merges']) => [
    dev,
    String(m.q),
    String(m.d),
    formatFixed(m.ratio),
    String(m.blkmin),
    String(m.blkavg),
    String(m.blkmax),
    String(m.total),
  ];
  const rows = paired.btt.devices.map((d) => row(`(${devName(d.dev)})`, d));
  if (rows.length !== 1) rows.push(row('TOTAL', paired.btt.merges));
  return renderTable(cols, rows, 2);
}

function groupTable(key: string, groups: Record<string, GroupSummary>): string {
  const cols: Column[] = [
    { header: key, align: 'left' },
    { header: 'I/Os' },
    { header: 'IOPS' },
    { header: 'MB/s' },
    { header: 'p50' },
    { header: 'p99' },
    { header: 'max' },
  ];
  const rows = Object.entries(groups).map(([name, g]) => [
    name,
    String(g.ios),
    formatFixed(g.iops),
    formatFixed(g.mbps, 2),
    formatUs(g.latency.q2c_ns.p50, 1),
    formatUs(g.latency.q2c_ns.p99, 1),
    formatUs(g.latency.q2c_ns.max, 1),
  ]);
  return renderTable(cols, rows, 2);
}
