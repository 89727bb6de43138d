// runs.arrow: one row per run with its key and summary figures (throughput, Q2C/Q2D/D2C
// summaries in ns, Jain, slowdown fairness, merges, empty flushes, conservation, ejection), and the name of
// its file under requests/, so pandas, Polars or DuckDB can load a whole sweep and join it to
// the per-I/O tables. Written with apache-arrow's builders; the file is an Arrow IPC file.
import { writeFile } from 'node:fs/promises';
import {
  Bool,
  type DataType,
  Dictionary,
  Float64,
  Int32,
  makeVector,
  Table,
  tableToIPC,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { UfqReplayError } from '../errors.js';
import type { ReportRun } from './run-view.js';

/** A run and where its per-I/O table went. */
export interface RunsRow {
  /** Position in the whole matrix. */
  index: number;
  run: ReportRun & { merges?: { q: number; d: number; ratio: number } };
  /** File name under requests/, or null when none was written. */
  requestsFile: string | null;
}

const LATENCY_FIELDS = ['mean', 'p50', 'p90', 'p99', 'p999', 'max'] as const;

/** The runs table (exported for tests and scripts that want it in memory). */
export function runsTable(rows: readonly RunsRow[]): Table {
  const cols: Record<string, Vector> = {};
  // Dictionary ids are given, not drawn from apache-arrow's process-wide counter, so that the
  // same runs give the same bytes whatever was written before in this process.
  let dictId = 0;
  const str = (name: string, get: (r: RunsRow) => string | null) => {
    cols[name] = vectorFromArray(rows.map(get), new Dictionary(new Utf8(), new Int32(), dictId++));
  };
  const f64 = (name: string, get: (r: RunsRow) => number | null) => {
    cols[name] = vectorFromArray(rows.map(get), new Float64());
  };
  const i64 = (name: string, get: (r: RunsRow) => number) => {
    cols[name] = makeVector(BigInt64Array.from(rows, (r) => BigInt(Math.round(get(r)))));
  };
  const typed = (name: string, type: DataType, values: unknown[]) => {
    cols[name] = vectorFromArray(values, type);
  };

  typed(
    'index',
    new Int32(),
    rows.map((r) => r.index),
  );
  str('trace', (r) => r.run.trace);
  str('policy', (r) => r.run.policy);
  str('policy_params', (r) => (r.run.policyParams ? JSON.stringify(r.run.policyParams) : null));
  typed(
    'ufq_revision',
    new Int32(),
    rows.map((r) => r.run.ufqRevision),
  );
  str('device', (r) => r.run.device);
  str('mode', (r) => r.run.mode);
  i64('seed', (r) => r.run.seed);
  f64('time_scale', (r) => r.run.timeScale);
  i64('ios', (r) => r.run.ios);
  f64('iops', (r) => r.run.throughput.iops);
  f64('mbps', (r) => r.run.throughput.mbps);
  for (const stage of ['q2c', 'q2d', 'd2c'] as const)
    for (const f of LATENCY_FIELDS) i64(`${stage}_${f}_ns`, (r) => r.run.latency[`${stage}_ns`][f]);
  f64('jain', (r) => r.run.fairness.jain);
  f64('slowdown_fairness', (r) => r.run.fairness.slowdown?.fairness ?? null);
  f64('slowdown_max', (r) => r.run.fairness.slowdown?.max ?? null);
  f64('merge_ratio', (r) => r.run.merges?.ratio ?? null);
  // Replayed empty flushes (fsync): null in results written before they were replayed.
  f64('flushes', (r) => r.run.flushes?.n ?? null);
  for (const f of ['p50', 'p99'] as const)
    f64(`flush_q2c_${f}_ns`, (r) => (r.run.flushes?.completed ? r.run.flushes.latency.q2c_ns[f] : null));
  i64('completed', (r) => r.run.conservation.completed);
  i64('lost', (r) => r.run.conservation.lost);
  typed(
    'ejected',
    new Bool(),
    rows.map((r) => r.run.ejected !== null),
  );
  str('ejected_reason', (r) => r.run.ejected?.reason ?? null);
  i64('span_ns', (r) => r.run.spanNs ?? 0);
  str('requests_file', (r) => r.requestsFile);
  return new Table(cols);
}

export async function writeRunsArrow(rows: readonly RunsRow[], path: string): Promise<void> {
  try {
    await writeFile(path, tableToIPC(runsTable(rows), 'file'));
  } catch (e) {
    throw new UfqReplayError(
      'OUTPUT_UNWRITABLE',
      `cannot write runs.arrow (${(e as NodeJS.ErrnoException).code})`,
      {
        file: path,
        cause: e,
      },
    );
  }
}
