// compare's terminal output: per trace and device, one row per policy with the headline
// figures (the same columns as the report's comparison table), in microseconds.
import { groupRuns } from './markdown.js';
import type { ReportRun } from './run-view.js';
import { type Column, formatFixed, formatUs, renderTable } from './table.js';

export function renderCompare(runs: readonly ReportRun[]): string {
  const out: string[] = [];
  for (const g of groupRuns(runs)) {
    const slowdown = g.runs.some((x) => x.run.fairness.slowdown !== undefined);
    const columns: Column[] = [
      { header: 'policy', align: 'left' },
      { header: 'IOPS' },
      { header: 'MB/s' },
      { header: 'Q2C p50' },
      { header: 'p99' },
      { header: 'p99.9' },
      { header: 'max Q2D' },
      { header: 'Jain' },
    ];
    if (slowdown) columns.push({ header: 'slowdown F' });
    const flushes = g.runs.some((x) => (x.run.flushes?.completed ?? 0) > 0);
    if (flushes) columns.push({ header: 'flush p99' });
    const rows = g.runs.map(({ label, run }) => {
      const q = run.latency.q2c_ns;
      const row = [
        label,
        formatFixed(run.throughput.iops, 0),
        formatFixed(run.throughput.mbps, 1),
        formatUs(q.p50, 1),
        formatUs(q.p99, 1),
        formatUs(q.p999, 1),
        formatUs(run.latency.q2d_ns.max, 1),
        formatFixed(run.fairness.jain, 3),
      ];
      if (slowdown) row.push(run.fairness.slowdown ? formatFixed(run.fairness.slowdown.fairness, 3) : '-');
      if (flushes) {
        const f = run.flushes;
        row.push(f && f.completed > 0 ? formatUs(f.latency.q2c_ns.p99, 1) : '-');
      }
      if (run.ejected) row[0] += ' (ejected)';
      return row;
    });
    out.push(`${g.trace} on ${g.device} (latencies in µs)`, renderTable(columns, rows), '');
  }
  return out.join('\n').trimEnd();
}
