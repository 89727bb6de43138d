// The latency and per-process tables that `inspect` (a recorded trace) and `run` (its replay)
// both print, so the two read the same way, column for column.
import type { IoSummary } from '../metrics/summary.js';
import { type Column, formatFixed, formatUs, renderTable } from './table.js';

/** Latency rows (name, summary) as mean and percentiles in µs. */
export function latencyTable(rows: [string, IoSummary['latency']['q2c_ns']][]): string {
  const cols: Column[] = ['', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'].map((h, k) => ({
    header: h,
    align: k === 0 ? 'left' : 'right',
  }));
  return renderTable(
    cols,
    rows.map(([name, l]) => [
      name,
      ...[l.mean, l.p50, l.p90, l.p99, l.p999, l.max].map((v) => formatUs(v, 1)),
    ]),
    2,
  );
}

/** One row per process: I/Os, rates, window IOPS and Q2C p50/p99/max in µs. */
export function processTable(processes: IoSummary['processes']): string {
  const cols: Column[] = [
    { header: 'pid' },
    { header: 'comm', align: 'left' },
    { header: 'class', align: 'left' },
    { header: 'I/Os' },
    { header: 'IOPS' },
    { header: 'MB/s' },
    { header: 'window IOPS' },
    { header: 'p50' },
    { header: 'p99' },
    { header: 'max' },
  ];
  const rows = processes.map((p) => [
    String(p.pid),
    p.comm,
    p.ioprioClass,
    String(p.ios),
    formatFixed(p.iops),
    formatFixed(p.mbps, 2),
    formatFixed(p.windowIops),
    formatUs(p.latency.q2c_ns.p50, 1),
    formatUs(p.latency.q2c_ns.p99, 1),
    formatUs(p.latency.q2c_ns.max, 1),
  ]);
  return renderTable(cols, rows, 2);
}

/** The counted warnings as lines: a heading, then one row per reason with its count. */
export function warningLines(warnings: Readonly<Record<string, number>>): string[] {
  const reasons = Object.entries(warnings);
  if (reasons.length === 0) return ['warnings: none'];
  return [
    'warnings',
    renderTable(
      [{ header: 'count' }, { header: 'reason', align: 'left' }],
      reasons.map(([why, n]) => [String(n), why]),
      2,
    ),
  ];
}
