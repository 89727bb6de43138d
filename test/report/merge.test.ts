// Merging results files for `report`: matrix order from matrix.json, duplicates dropped by
// merge key, file order when no matrix is known, and coded errors for files that are not results.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MatrixDoc } from '../../src/report/matrix-doc.js';
import { mergeResults, type ResultsFile, readResultsFile } from '../../src/report/merge.js';
import { mergeKey, type ReportRun } from '../../src/report/run-view.js';

const tmp = mkdtempSync(join(tmpdir(), 'merge-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LAT = { mean: 1, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 };
function run(trace: string, policy: string): ReportRun {
  return {
    policy,
    ufqRevision: 1,
    device: 'd',
    mode: 'closed',
    seed: 1,
    trace,
    ios: 1,
    throughput: { iops: 1, mbps: 1 },
    latency: { q2c_ns: LAT, q2d_ns: LAT, d2c_ns: LAT },
    processes: [],
    fairness: { jain: 1 },
    opsStats: {},
    conservation: { queued: 1, completed: 1, merged: 0, lost: 0 },
    ejected: null,
    warnings: {},
    timeScale: 1,
  };
}

/** A 2 × 2 matrix (t1, t2) × (a, b), split round-robin into two shards. */
function shard(i: number): ResultsFile {
  const all = [run('t1', 'a'), run('t1', 'b'), run('t2', 'a'), run('t2', 'b')];
  const mine = all.map((r, index) => ({ r, index })).filter((x) => x.index % 2 === i - 1);
  const matrix: MatrixDoc = {
    toolVersion: '9.9.9',
    traces: ['t1', 't2'],
    policies: ['a', 'b'],
    devices: ['d'],
    shard: `${i}/2`,
    cells: all.map((r, index) => ({
      index,
      trace: r.trace,
      policy: r.policy,
      device: 'd',
      run: index % 2 === i - 1 ? mergeKey(r) : null,
    })),
  };
  return { file: `shard${i}`, runs: mine.map((x) => x.r), matrix };
}

describe('mergeResults', () => {
  it('puts shards back in matrix order, whatever order they are given in', () => {
    const m = mergeResults([shard(2), shard(1)]);
    expect(m.runs.map((r) => `${r.trace}/${r.policy}`)).toEqual(['t1/a', 't1/b', 't2/a', 't2/b']);
    expect(m.duplicates).toBe(0);
    expect(m.shards).toEqual(['2/2', '1/2']);
    expect(m.producedBy).toEqual(['9.9.9']);
  });

  it('drops a run given twice, keeping the first', () => {
    const again = { file: 'x', runs: [run('t1', 'a')], matrix: null };
    const m = mergeResults([shard(1), again, shard(2)]);
    expect(m.runs).toHaveLength(4);
    expect(m.duplicates).toBe(1);
  });

  it('without matrix.json keeps file order, and a run differing in seed is another run', () => {
    const other = { ...run('t1', 'a'), seed: 2 };
    const m = mergeResults([{ file: 'x', runs: [run('t2', 'b'), run('t1', 'a'), other], matrix: null }]);
    expect(m.runs.map((r) => `${r.trace}/${r.policy}/${r.seed}`)).toEqual(['t2/b/1', 't1/a/1', 't1/a/2']);
  });
});

describe('readResultsFile', () => {
  it('reads an array, or one run result as an object, and its matrix.json', async () => {
    const file = join(tmp, 'result.json');
    writeFileSync(file, JSON.stringify(run('t', 'p')));
    const f = await readResultsFile(file);
    expect(f.runs).toHaveLength(1);
    expect(f.matrix).toBeNull();
  });

  it('RESULTS_INVALID for JSON that is not results, INPUT_NOT_FOUND for no file', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ policy: 'x' }]));
    await expect(readResultsFile(bad)).rejects.toMatchObject({
      code: 'RESULTS_INVALID',
      file: bad,
      record: 0,
    });
    const notJson = join(tmp, 'not.json');
    writeFileSync(notJson, '{');
    await expect(readResultsFile(notJson)).rejects.toMatchObject({ code: 'RESULTS_INVALID' });
    await expect(readResultsFile(join(tmp, 'missing.json'))).rejects.toMatchObject({
      code: 'INPUT_NOT_FOUND',
    });
  });

  it('a matrix.json that is there but not a matrix is RESULTS_INVALID naming it, not a crash', async () => {
    const dir = mkdtempSync(join(tmp, 'mx-'));
    const file = join(dir, 'results.json');
    writeFileSync(file, JSON.stringify([run('t', 'p')]));
    const matrix = join(dir, 'matrix.json');
    const good: MatrixDoc = {
      toolVersion: '1',
      traces: ['t'],
      policies: ['p'],
      devices: [null],
      shard: null,
      cells: [{ index: 0, trace: 't', policy: 'p', device: null, run: null }],
    };
    writeFileSync(matrix, JSON.stringify(good));
    expect((await readResultsFile(file)).matrix).toEqual(good);
    const broken: unknown[] = [
      '{',
      [],
      { ...good, cells: 3 },
      { ...good, traces: undefined },
      { ...good, toolVersion: 7 },
      { ...good, shard: 2 },
      { ...good, cells: [{ trace: 't' }] },
      { ...good, cells: [{ index: 0, run: 5 }] },
    ];
    for (const doc of broken) {
      writeFileSync(matrix, typeof doc === 'string' ? doc : JSON.stringify(doc));
      await expect(readResultsFile(file)).rejects.toMatchObject({ code: 'RESULTS_INVALID', file: matrix });
    }
  });
});
