// Reading results.json files for `report`: each is an array of run results (compare's
// results.json, or one run's result.json as an object). Runs from several files (the shards
// of one sweep) are merged: duplicates by merge key are dropped (the first kept), and runs are
// put in matrix order when a matrix.json lies beside their file, else kept in file order.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UfqReplayError } from '../errors.js';
import { runProblem } from './check-run.js';
import { type MatrixDoc, sweepId } from './matrix-doc.js';
import { mergeKey, type ReportRun } from './run-view.js';

export interface MergedResults {
  runs: ReportRun[];
  /** Runs dropped as duplicates of an earlier one. */
  duplicates: number;
  /** Versions recorded in the matrix files, sorted. */
  producedBy: string[];
  /** Shards seen (`i/n`), in file order. */
  shards: string[];
}

/** One file's runs and the matrix beside it, if any. */
export interface ResultsFile {
  file: string;
  runs: ReportRun[];
  matrix: MatrixDoc | null;
}

export async function readResultsFile(file: string): Promise<ResultsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UfqReplayError(
      'INPUT_NOT_FOUND',
      `cannot read the results file (${(e as NodeJS.ErrnoException).code})`,
      {
        file,
        hint: 'give the results.json written by `compare --out DIR` (or a result.json of `run --out`)',
        cause: e,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UfqReplayError('RESULTS_INVALID', `not JSON: ${(e as Error).message}`, { file, cause: e });
  }
  const runs = Array.isArray(parsed) ? parsed : [parsed];
  runs.forEach((r, i) => {
    checkRun(r, file, i);
  });
  return { file, runs: runs as ReportRun[], matrix: await readMatrix(join(dirname(file), 'matrix.json')) };
}

/** RESULTS_INVALID naming the run and the first field the report cannot read (check-run.ts). */
function checkRun(r: unknown, file: string, i: number): void {
  const p = runProblem(r);
  if (p)
    throw new UfqReplayError(
      'RESULTS_INVALID',
      `run ${i}${p.path === '' ? '' : `: ${p.path}`} ${p.problem}`,
      {
        file,
        record: i,
        hint: 'a results file is the results.json of `compare --out DIR` or the result.json of `run --out DIR`',
      },
    );
}

async function readMatrix(path: string): Promise<MatrixDoc | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // No matrix beside the file (a run's result.json, or results moved on their own): file order.
    return null;
  }
  const bad = (problem: string): never => {
    throw new UfqReplayError('RESULTS_INVALID', `matrix.json ${problem}`, {
      file: path,
      hint: 'compare --out writes it beside results.json; without it the runs are merged in file order',
    });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return bad(`is not JSON: ${(e as Error).message}`);
  }
  const d = doc as Partial<MatrixDoc> | null;
  if (typeof d !== 'object' || d === null) return bad('is not an object');
  for (const key of ['traces', 'policies', 'devices', 'cells'] as const)
    if (!Array.isArray(d[key])) bad(`lacks the array ${key}`);
  if (typeof d.toolVersion !== 'string') bad('lacks toolVersion');
  if (d.shard !== null && typeof d.shard !== 'string') bad('has a shard that is neither null nor i/n');
  (d.cells as unknown[]).forEach((c, i) => {
    const cell = c as Partial<MatrixDoc['cells'][number]> | null;
    if (typeof cell !== 'object' || cell === null || typeof cell.index !== 'number')
      bad(`cells[${i}] lacks its index`);
    else if (cell.run !== null && typeof cell.run !== 'string')
      bad(`cells[${i}].run is neither null nor a string`);
  });
  return d as MatrixDoc;
}

/** Merges files in the order given; see the header for the rules. */
export function mergeResults(files: readonly ResultsFile[]): MergedResults {
  const sweeps: string[] = [];
  const place = new Map<string, [number, number]>();
  const producedBy = new Set<string>();
  const shards: string[] = [];
  for (const f of files) {
    if (f.matrix === null) continue;
    producedBy.add(f.matrix.toolVersion);
    if (f.matrix.shard) shards.push(f.matrix.shard);
    const id = sweepId(f.matrix);
    if (!sweeps.includes(id)) sweeps.push(id);
    const rank = sweeps.indexOf(id);
    for (const c of f.matrix.cells)
      if (c.run !== null && !place.has(c.run)) place.set(c.run, [rank, c.index]);
  }
  const seen = new Set<string>();
  const kept: { run: ReportRun; order: [number, number, number] }[] = [];
  let duplicates = 0;
  let appearance = 0;
  for (const f of files)
    for (const run of f.runs) {
      const key = mergeKey(run);
      appearance++;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      const p = place.get(key);
      kept.push({ run, order: p ? [p[0], p[1], appearance] : [sweeps.length, 0, appearance] });
    }
  kept.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2]);
  return { runs: kept.map((k) => k.run), duplicates, producedBy: [...producedBy].sort(), shards };
}
