// The comparison report as Markdown plus its SVG charts: inputs, then per trace and device a
// comparison table (one row per policy), the charts, the per-process table, ops_stats, and
// warnings and ejections. Runs keep the order they are given in (the matrix order); nothing
// here reads a clock or a path of the machine, so the same runs give the same bytes.
import { groupCharts, type LabelledRun, processName } from './charts.js';
import { escapeCell, formatBytes, formatCount, formatDuration, formatRate, markdownTable } from './format.js';
import type { ReportRun } from './run-view.js';
import { renderVegaLite } from './svg.js';

export interface ReportOptions {
  /** Version of the tool writing the report. */
  toolVersion: string;
  /** Versions that produced the results, when known (from matrix.json), if they differ. */
  producedBy?: readonly string[];
  /** Folder of the SVG files relative to the Markdown file (default 'charts'). */
  chartDir?: string;
  /** Lines for the "Merged" note (shards, duplicates). */
  notes?: readonly string[];
}

export interface BuiltReport {
  markdown: string;
  /** SVG documents by file name (relative to chartDir). */
  charts: { file: string; svg: string }[];
}

interface Group {
  trace: string;
  device: string;
  runs: LabelledRun[];
}

/** Builds report.md and its charts from `runs`. */
export async function buildReport(runs: readonly ReportRun[], options: ReportOptions): Promise<BuiltReport> {
  const chartDir = options.chartDir ?? 'charts';
  const groups = groupRuns(runs);
  const out: string[] = ['# ufq-replay comparison', ''];
  out.push(
    `${formatCount(runs.length)} run${runs.length === 1 ? '' : 's'}: ${groups.length} trace × device combination${groups.length === 1 ? '' : 's'}. ` +
      'Latencies are nearest-rank percentiles of simulated Q2C (queue to completion) per I/O; MB/s is 10^6 bytes per second.',
    '',
  );
  for (const n of options.notes ?? []) out.push(`> ${n}`, '');
  out.push(...inputsSection(runs, groups, options));
  const charts: BuiltReport['charts'] = [];
  for (const [g, group] of groups.entries()) {
    out.push(`## ${group.trace} on ${group.device}`, '');
    out.push(comparisonTable(group), '');
    for (const chart of groupCharts(group.runs)) {
      const file = `${String(g + 1).padStart(2, '0')}-${slug(baseName(group.trace))}-${slug(group.device)}-${chart.kind}.svg`;
      charts.push({ file, svg: await renderVegaLite(chart.spec) });
      out.push(`![${chart.title}](${chartDir}/${file})`, '', `*${chart.title}*`, '');
    }
    out.push('### Per process', '', processTable(group), '');
    out.push(...opsStatsSection(group));
    out.push(...warningsSection(group));
  }
  return { markdown: `${out.join('\n').trimEnd()}\n`, charts };
}

/** Runs grouped by (trace, device) in order of first appearance, each labelled. */
export function groupRuns(runs: readonly ReportRun[]): Group[] {
  const groups: Group[] = [];
  for (const run of runs) {
    let g = groups.find((x) => x.trace === run.trace && x.device === run.device);
    if (g === undefined) {
      g = { trace: run.trace, device: run.device, runs: [] };
      groups.push(g);
    }
    g.runs.push({ label: '', run });
  }
  for (const g of groups) labelRuns(g.runs);
  return groups;
}

/** A run's name: its policy and parameters, plus whichever of revision, mode, seed and time scale vary. */
function labelRuns(runs: LabelledRun[]): void {
  const varies = (f: (r: ReportRun) => unknown) =>
    new Set(runs.map((x) => JSON.stringify(f(x.run)))).size > 1;
  const rev = varies((r) => r.ufqRevision);
  const mode = varies((r) => r.mode);
  const seed = varies((r) => r.seed);
  const scale = varies((r) => r.timeScale);
  const seen = new Map<string, number>();
  for (const x of runs) {
    const r = x.run;
    const extra: string[] = [];
    if (r.policyParams) extra.push(...Object.entries(r.policyParams).map(([k, v]) => `${k}=${v}`));
    if (rev) extra.push(`rev ${r.ufqRevision}`);
    if (mode) extra.push(r.mode);
    if (seed) extra.push(`seed ${r.seed}`);
    if (scale) extra.push(`×${r.timeScale}`);
    let label = extra.length > 0 ? `${r.policy} (${extra.join(', ')})` : r.policy;
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    if (n > 1) label = `${label} #${n}`;
    x.label = label;
  }
}

function inputsSection(
  runs: readonly ReportRun[],
  groups: readonly Group[],
  options: ReportOptions,
): string[] {
  const out = ['## Inputs', ''];
  const traces = unique(runs.map((r) => r.trace));
  out.push(
    markdownTable(
      ['trace', 'format', 'I/Os replayed', 'events', 'bytes read', 'duration', 'queue limits'],
      'llrrrrl',
      traces.map((t) => {
        const s = runs.find((r) => r.trace === t && r.traceStats !== undefined)?.traceStats;
        const limits = unique(runs.filter((r) => r.trace === t).map(limitsText)).join('; ') || '-';
        if (s === undefined) return [t, '-', '-', '-', '-', '-', limits];
        return [
          t,
          s.format,
          formatCount(s.ios),
          formatCount(s.records),
          formatBytes(s.bytes),
          formatDuration(s.durationNs),
          limits,
        ];
      }),
    ),
    '',
  );
  const list = (xs: readonly unknown[]) => unique(xs.map(String)).join(', ');
  const devices = unique(runs.map((r) => r.device)).map((d) => {
    const depth = unique(runs.filter((r) => r.device === d).map((r) => String(r.limits?.queue_depth ?? '?')));
    return `${d} (queue depth ${depth.join('/')})`;
  });
  const versions = options.producedBy?.length ? ` (results from ${options.producedBy.join(', ')})` : '';
  out.push(
    markdownTable(['setting', 'value'], 'll', [
      ['policies', unique(groups.flatMap((g) => g.runs.map((x) => x.label))).join(', ')],
      ['device profiles', devices.join(', ')],
      ['replay mode', list(runs.map((r) => r.mode))],
      ['UFQ revision', list(runs.map((r) => r.ufqRevision))],
      ['seed', list(runs.map((r) => r.seed))],
      ['time scale', list(runs.map((r) => r.timeScale))],
      ['tool version', `ufq-replay ${options.toolVersion}${versions}`],
    ]),
    '',
  );
  return out;
}

function comparisonTable(g: Group): string {
  const slowdown = g.runs.some((x) => x.run.fairness.slowdown !== undefined);
  const backlogged = g.runs.some((x) => x.run.fairness.backlogged !== undefined);
  const headers = ['policy', 'IOPS', 'MB/s', 'Q2C p50', 'Q2C p99', 'Q2C p99.9', 'max Q2D', 'Jain'];
  if (backlogged) headers.push('Jain, all backlogged');
  if (slowdown) headers.push('slowdown F (min/max)');
  const flushes = g.runs.some((x) => (x.run.flushes?.n ?? 0) > 0);
  if (flushes) headers.push('flushes', 'flush Q2C p50', 'flush Q2C p99');
  const rows = g.runs.map(({ label, run }) => {
    const q2c = run.latency.q2c_ns;
    const row = [
      label,
      formatRate(run.throughput.iops, 0),
      formatRate(run.throughput.mbps, 1),
      formatDuration(q2c.p50),
      formatDuration(q2c.p99),
      formatDuration(q2c.p999),
      formatDuration(run.latency.q2d_ns.max),
      run.fairness.jain.toFixed(3),
    ];
    if (backlogged) {
      const b = run.fairness.backlogged;
      row.push(b && b.ns > 0 ? b.jain.toFixed(3) : '-');
    }
    if (slowdown) {
      const s = run.fairness.slowdown;
      row.push(s ? `${s.fairness.toFixed(3)} (${s.min.toFixed(2)}/${s.max.toFixed(2)})` : '-');
    }
    if (flushes) {
      const f = run.flushes;
      const q = f?.latency.q2c_ns;
      row.push(f ? formatCount(f.n) : '-');
      row.push(
        q && f.completed > 0 ? formatDuration(q.p50) : '-',
        q && f.completed > 0 ? formatDuration(q.p99) : '-',
      );
    }
    return row;
  });
  return markdownTable(headers, `l${'r'.repeat(headers.length - 1)}`, rows);
}

function processTable(g: Group): string {
  const slowdown = g.runs.some((x) => x.run.fairness.slowdown !== undefined);
  const headers = [
    'policy',
    'process',
    'class',
    'I/Os',
    'IOPS',
    'MB/s',
    'share',
    'Q2C p50',
    'Q2C p99',
    'max Q2D',
  ];
  if (slowdown) headers.push('slowdown');
  const rows: string[][] = [];
  for (const { label, run } of g.runs) {
    const bytes = run.series?.processBytes;
    const total = bytes?.reduce((a, p) => a + p.bytes, 0) ?? 0;
    for (const p of run.processes) {
      const b = bytes?.find((x) => x.pid === p.pid)?.bytes;
      const row = [
        label,
        processName(p.comm, p.pid),
        p.ioprioClass,
        formatCount(p.ios),
        formatRate(p.iops, 0),
        formatRate(p.mbps, 1),
        b === undefined || total === 0 ? '-' : `${((100 * b) / total).toFixed(1)} %`,
        formatDuration(p.latency.q2c_ns.p50),
        formatDuration(p.latency.q2c_ns.p99),
        formatDuration(p.latency.q2d_ns.max),
      ];
      if (slowdown) {
        const s = run.fairness.slowdown?.processes.find((x) => x.pid === p.pid);
        row.push(s ? s.slowdown.toFixed(2) : '-');
      }
      rows.push(row);
    }
  }
  return markdownTable(headers, `lll${'r'.repeat(headers.length - 3)}`, rows);
}

function opsStatsSection(g: Group): string[] {
  const counters = unique(g.runs.flatMap((x) => Object.keys(x.run.opsStats)));
  if (counters.length === 0) return ['### ops_stats', '', 'No elevator counters were recorded.', ''];
  const rows = counters.map((c) => [
    c,
    ...g.runs.map((x) => (c in x.run.opsStats ? formatCount(x.run.opsStats[c]) : '-')),
  ]);
  return [
    '### ops_stats',
    '',
    markdownTable(['counter', ...g.runs.map((x) => x.label)], `l${'r'.repeat(g.runs.length)}`, rows),
    '',
  ];
}

function warningsSection(g: Group): string[] {
  const out = ['### Warnings and ejections', ''];
  let any = false;
  for (const { label, run } of g.runs) {
    const lines: string[] = [];
    if (run.ejected)
      lines.push(
        `  - **ejected** at ${formatDuration(run.ejected.atNs)} by hook \`${run.ejected.hook}\`: ${escapeCell(run.ejected.reason)}`,
      );
    if (run.conservation.lost > 0)
      lines.push(`  - **${formatCount(run.conservation.lost)} bios lost** (conservation broke)`);
    for (const [why, n] of Object.entries(run.warnings))
      lines.push(`  - ${formatCount(n)} × ${escapeCell(why)}`);
    if (lines.length === 0) continue;
    any = true;
    out.push(`- ${label}`, ...lines);
  }
  if (!any) out.push('None.');
  out.push('');
  return out;
}

/** A run's queue limits but the device's queue depth (shown with the device). */
function limitsText(r: ReportRun): string {
  return Object.entries(r.limits ?? {})
    .filter(([k]) => k !== 'queue_depth')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function baseName(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() ?? path;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}
