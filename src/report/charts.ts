// The four charts of a comparison report, per trace and device (devices-metrics-peers §4.3),
// as Vega-Lite specs built from the runs' results: Q2C latency CDF per policy (log time axis,
// p99 and p99.9 marked), p99 Q2C per process and policy, throughput over time per policy, and
// each process's share of the bytes completed. Data comes from the runs' `series` and
// `processes`; a run without `series` (an older result) is left out of the charts that need it.
import type { TopLevelSpec } from 'vega-lite';
import type { ReportRun } from './run-view.js';

/** A run and the name its series carry in legends (policy, plus what tells it apart). */
export interface LabelledRun {
  label: string;
  run: ReportRun;
}

export type ChartKind = 'q2c-cdf' | 'p99-by-process' | 'throughput' | 'process-share';

export interface ChartSpec {
  kind: ChartKind;
  title: string;
  spec: TopLevelSpec;
}

/** Chart size, px: wide enough for a legend beside the plot in a GitHub column (~880 px). */
const WIDTH = 560;
const HEIGHT = 280;
/** Processes drawn one by one; the rest are summed as "other" (legends stay readable). */
export const MAX_PROCESSES = 8;
/** CDF points marked with a dot: p99 and p99.9 (the tail the comparison is judged on). */
const MARKED_PERCENTILES = [99, 99.9];

const CONFIG = {
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
} as const;

/** The processes of a group worth drawing: most I/Os over all runs first, then by pid. */
export function topProcesses(runs: readonly LabelledRun[]): { pid: number; name: string }[] {
  const ios = new Map<number, { n: number; comm: string }>();
  for (const { run } of runs)
    for (const p of run.processes) {
      const e = ios.get(p.pid) ?? { n: 0, comm: p.comm };
      e.n += p.ios;
      ios.set(p.pid, e);
    }
  return [...ios]
    .sort((a, b) => b[1].n - a[1].n || a[0] - b[0])
    .slice(0, MAX_PROCESSES)
    .map(([pid, e]) => ({ pid, name: processName(e.comm, pid) }));
}

export function processName(comm: string, pid: number): string {
  return `${comm || '?'} (${pid})`;
}

/** Every chart that has data for this group, in report order. */
export function groupCharts(runs: readonly LabelledRun[]): ChartSpec[] {
  const out: ChartSpec[] = [];
  const withSeries = runs.filter((r) => r.run.series !== undefined);
  const labels = runs.map((r) => r.label);
  if (withSeries.length > 0) out.push(cdfChart(withSeries, labels));
  if (runs.some((r) => r.run.processes.length > 0)) out.push(p99Chart(runs, labels));
  if (withSeries.length > 0) out.push(throughputChart(withSeries, labels), shareChart(withSeries, labels));
  return out;
}

/** µs for latencies whose median is under a millisecond, ms above (axis labels stay short). */
function timeUnit(latenciesNs: readonly number[]): { name: string; ns: number } {
  const sorted = [...latenciesNs].sort((a, b) => a - b);
  const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)] : 0;
  return median >= 1e6 ? { name: 'ms', ns: 1e6 } : { name: 'µs', ns: 1e3 };
}

function colour(labels: readonly string[], title: string) {
  return {
    field: 'series',
    type: 'nominal' as const,
    title,
    sort: [...labels],
    scale: { domain: [...labels] },
  };
}

function cdfChart(runs: readonly LabelledRun[], labels: readonly string[]): ChartSpec {
  const unit = timeUnit(runs.map((r) => r.run.latency.q2c_ns.p50));
  const values: { series: string; latency: number; fraction: number; marked: boolean }[] = [];
  for (const { label, run } of runs) {
    const s = run.series!;
    if (s.q2cNs.every((v) => v === 0)) continue;
    s.percentiles.forEach((p, i) => {
      values.push({
        series: label,
        latency: Math.max(s.q2cNs[i], 1) / unit.ns,
        fraction: p / 100,
        marked: MARKED_PERCENTILES.includes(p),
      });
    });
  }
  const x = {
    field: 'latency',
    type: 'quantitative' as const,
    title: `Q2C latency (${unit.name}, log scale)`,
    scale: { type: 'log' as const },
    // Labels at powers of ten only; a label at every 2..9 crowds the axis.
    axis: {
      grid: true,
      labelExpr: "abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? datum.label : ''",
      gridOpacity: 0.5,
    },
  };
  const y = {
    field: 'fraction',
    type: 'quantitative' as const,
    title: 'fraction of I/Os',
    scale: { domain: [0, 1] },
  };
  return {
    kind: 'q2c-cdf',
    title: 'Q2C latency CDF per policy (dots: p99 and p99.9)',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      encoding: { x, y, color: colour(labels, 'policy') },
      layer: [
        { mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 } },
        { transform: [{ filter: 'datum.marked' }], mark: { type: 'point', filled: true, size: 40 } },
      ],
    },
  };
}

function p99Chart(runs: readonly LabelledRun[], labels: readonly string[]): ChartSpec {
  const top = topProcesses(runs);
  const unit = timeUnit(runs.flatMap((r) => r.run.processes.map((p) => p.latency.q2c_ns.p99)));
  const values: { series: string; process: string; p99: number }[] = [];
  for (const { label, run } of runs)
    for (const t of top) {
      const p = run.processes.find((q) => q.pid === t.pid);
      if (p !== undefined)
        values.push({ series: label, process: t.name, p99: p.latency.q2c_ns.p99 / unit.ns });
    }
  return {
    kind: 'p99-by-process',
    title: 'Q2C p99 per process and policy',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        x: {
          field: 'process',
          type: 'nominal',
          title: 'process',
          sort: top.map((t) => t.name),
          axis: { labelAngle: 0 },
        },
        xOffset: { field: 'series', type: 'nominal', sort: [...labels] },
        y: { field: 'p99', type: 'quantitative', title: `Q2C p99 (${unit.name})` },
        color: colour(labels, 'policy'),
      },
    },
  };
}

function throughputChart(runs: readonly LabelledRun[], labels: readonly string[]): ChartSpec {
  const values: { series: string; time_s: number; mbps: number }[] = [];
  for (const { label, run } of runs) {
    const t = run.series!.timeline;
    // MB/s of a bin: bytes / (binNs / 1e9 s) / 1e6 B per MB. Each bin is drawn from its start
    // to the next one's (step-after); the last one is closed by a point at its end.
    const mbps = t.bytes.map((b) => (b * 1e3) / t.binNs);
    mbps.forEach((y, i) => {
      values.push({ series: label, time_s: (i * t.binNs) / 1e9, mbps: y });
    });
    if (mbps.length > 0)
      values.push({ series: label, time_s: (mbps.length * t.binNs) / 1e9, mbps: mbps[mbps.length - 1] });
  }
  const binNs = Math.max(...runs.map((r) => r.run.series!.timeline.binNs));
  return {
    kind: 'throughput',
    title: `Throughput over time per policy (bins of ${binNs / 1e6} ms from the first arrival)`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'time_s', type: 'quantitative', title: 'time since the first arrival (s)' },
        y: { field: 'mbps', type: 'quantitative', title: 'throughput (MB/s)' },
        color: colour(labels, 'policy'),
      },
    },
  };
}

function shareChart(runs: readonly LabelledRun[], labels: readonly string[]): ChartSpec {
  const top = topProcesses(runs);
  const names = top.map((t) => t.name);
  const values: { series: string; process: string; share: number; order: number }[] = [];
  let other = false;
  for (const { label, run } of runs) {
    const bytes = run.series!.processBytes;
    const total = bytes.reduce((a, p) => a + p.bytes, 0);
    if (total === 0) continue;
    let rest = total;
    top.forEach((t, k) => {
      const b = bytes.find((p) => p.pid === t.pid)?.bytes ?? 0;
      rest -= b;
      values.push({ series: label, process: t.name, share: b / total, order: k });
    });
    if (rest > 0) {
      other = true;
      values.push({ series: label, process: 'other', share: rest / total, order: top.length });
    }
  }
  const domain = other ? [...names, 'other'] : names;
  return {
    kind: 'process-share',
    title: 'Share of the bytes completed, per process and policy',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      width: WIDTH,
      height: Math.max(60, 36 * runs.length),
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'series', type: 'nominal', title: 'policy', sort: [...labels] },
        x: {
          field: 'share',
          type: 'quantitative',
          title: 'share of bytes completed',
          axis: { format: '%' },
          stack: 'zero',
        },
        // Another palette than the policies' so that a process is not read as a policy.
        color: {
          field: 'process',
          type: 'nominal',
          title: 'process',
          sort: domain,
          scale: { domain, scheme: 'set2' },
        },
        order: { field: 'order', type: 'quantitative' },
      },
    },
  };
}
