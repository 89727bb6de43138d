// `ufq-replay compare` and `report` end to end on two shipped traces × two policies × one
// device: runs equal separate replays, bytes do not depend on --jobs, shards merged by
// `report` give the unsharded report, the Arrow outputs read back, every SVG is well-formed
// XML naming its series, and --fairness slowdown behaves as its definition says.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import Compare from '../../src/commands/compare.js';
import Report, { type ReportResult } from '../../src/commands/report.js';
import Run from '../../src/commands/run.js';
import { replay } from '../../src/replay/replay.js';
import type { RunResult } from '../../src/replay/result.js';
import { runCommandClass } from '../helpers/run-command.js';
import { checkXml } from '../helpers/xml-check.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
const SEQWRITE = `${TRACES}seqwrite-plug.none`;
const SEQ_VS_RAND = `${TRACES}seq-vs-rand.none`;
const MATRIX = [SEQWRITE, SEQ_VS_RAND, '--policy', 'none,mq-deadline', '--device', 'loop-virtio', '--quiet'];
const tmp = mkdtempSync(join(tmpdir(), 'compare-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = (name: string) => join(tmp, name);
const read = (path: string) => readFileSync(path);
const results = (d: string) => JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')) as RunResult[];

// oclif prints through console.log / console.error; keep the test output clean.
beforeEach(() => {
  const a = vi.spyOn(console, 'log').mockImplementation(() => {});
  const b = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => {
    a.mockRestore();
    b.mockRestore();
  };
});

/** Pids and names of the processes that queued I/O, from blkparse's own text (not from us). */
function blkparseProcesses(trace: string): string[] {
  const text = gunzipSync(read(`${trace}.blkparse.txt.gz`)).toString('utf8');
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[5] === 'Q') names.add(`${f[f.length - 1].replace(/^\[|\]$/g, '')} (${f[4]})`);
  }
  return [...names].sort();
}

let jobs2: RunResult[];
beforeAll(async () => {
  const a = await runCommandClass<RunResult[]>(Compare, [...MATRIX, '--jobs', '2', '--out', dir('jobs2')]);
  expect(a.error).toBeUndefined();
  jobs2 = a.result!;
  const b = await runCommandClass<RunResult[]>(Compare, [...MATRIX, '--jobs', '1', '--out', dir('jobs1')]);
  expect(b.error).toBeUndefined();
}, 240_000);

describe('compare', () => {
  it('runs the matrix trace × policy × device in matrix order', () => {
    const r = results(dir('jobs2'));
    expect(r.map((x) => [x.trace, x.policy, x.device])).toEqual([
      [SEQWRITE, 'none', 'loop-virtio'],
      [SEQWRITE, 'mq-deadline', 'loop-virtio'],
      [SEQ_VS_RAND, 'none', 'loop-virtio'],
      [SEQ_VS_RAND, 'mq-deadline', 'loop-virtio'],
    ]);
    // The command's --json result is what results.json holds.
    expect(JSON.parse(JSON.stringify(jobs2))).toEqual(r);
  });

  it('each run equals a separate replay() and run --json of the same cell', async () => {
    const r = results(dir('jobs2'));
    for (const [i, policy] of [
      [0, 'none'],
      [3, 'mq-deadline'],
    ] as const) {
      const alone = await replay({ trace: r[i].trace, policy, device: 'loop-virtio' });
      expect(r[i]).toEqual(JSON.parse(JSON.stringify(alone)));
    }
    const run = await runCommandClass<RunResult>(Run, [
      SEQ_VS_RAND,
      '--policy',
      'none',
      '--device',
      'loop-virtio',
      '--json',
    ]);
    expect(r[2]).toEqual(JSON.parse(JSON.stringify(run.result)));
  });

  it('--jobs 1 and --jobs 2 write identical bytes', () => {
    for (const f of ['results.json', 'matrix.json', 'runs.arrow', 'report.md'])
      expect(read(join(dir('jobs1'), f)).equals(read(join(dir('jobs2'), f))), f).toBe(true);
    const req = readdirSync(join(dir('jobs2'), 'requests')).sort();
    expect(readdirSync(join(dir('jobs1'), 'requests')).sort()).toEqual(req);
    for (const f of req)
      expect(read(join(dir('jobs1'), 'requests', f)).equals(read(join(dir('jobs2'), 'requests', f))), f).toBe(
        true,
      );
  });

  it('runs.arrow has one row per run and requests/ one row per I/O', () => {
    const r = results(dir('jobs2'));
    const runs = tableFromIPC(read(join(dir('jobs2'), 'runs.arrow')));
    expect(runs.numRows).toBe(4);
    const files = runs.getChild('requests_file')!.toArray() as string[];
    for (let i = 0; i < 4; i++) {
      expect(runs.getChild('policy')!.get(i)).toBe(r[i].policy);
      expect(runs.getChild('trace')!.get(i)).toBe(r[i].trace);
      expect(runs.getChild('iops')!.get(i)).toBe(r[i].throughput.iops);
      expect(Number(runs.getChild('q2c_p99_ns')!.get(i))).toBe(r[i].latency.q2c_ns.p99);
      const ios = tableFromIPC(read(join(dir('jobs2'), 'requests', files[i])));
      expect(ios.numRows).toBe(r[i].ios);
    }
    // traces/README.md: btt counts 15359 Q for seqwrite-plug.none; one row per bio.
    expect(tableFromIPC(read(join(dir('jobs2'), 'requests', files[0]))).numRows).toBe(15359);
  });

  it('every chart is well-formed SVG naming its policies and processes', () => {
    const charts = readdirSync(join(dir('jobs2'), 'charts')).sort();
    const md = readFileSync(join(dir('jobs2'), 'report.md'), 'utf8');
    // Four charts per trace × device, each referenced from report.md.
    expect(charts).toHaveLength(8);
    for (const kind of ['q2c-cdf', 'p99-by-process', 'throughput', 'process-share'])
      expect(charts.filter((c) => c.endsWith(`-${kind}.svg`))).toHaveLength(2);
    for (const c of charts) {
      expect(md).toContain(`(charts/${c})`);
      const x = checkXml(readFileSync(join(dir('jobs2'), 'charts', c), 'utf8'));
      expect(x.problems, c).toEqual([]);
      expect(x.root).toBe('svg');
      if (c.endsWith('process-share.svg') || c.includes('seq-vs-rand'))
        for (const name of ['none', 'mq-deadline']) expect(x.texts, `${c} ${name}`).toContain(name);
      if (c.includes('seq-vs-rand') && (c.endsWith('p99-by-process.svg') || c.endsWith('process-share.svg')))
        for (const p of blkparseProcesses(SEQ_VS_RAND)) expect(x.texts, `${c} ${p}`).toContain(p);
    }
    expect(blkparseProcesses(SEQ_VS_RAND)).toHaveLength(2);
  });

  it('shards 1/2 and 2/2 merged by report give the unsharded report', async () => {
    for (const s of ['1/2', '2/2']) {
      const c = await runCommandClass(Compare, [
        ...MATRIX,
        '--jobs',
        '1',
        '--shard',
        s,
        '--out',
        dir(`shard${s[0]}`),
      ]);
      expect(c.error).toBeUndefined();
    }
    const s1 = results(dir('shard1'));
    const s2 = results(dir('shard2'));
    expect(s1).toHaveLength(2);
    expect(s2).toHaveLength(2);
    // Shards are given in reverse order: the report puts runs back in matrix order.
    const rep = await runCommandClass<ReportResult>(Report, [
      join(dir('shard2'), 'results.json'),
      join(dir('shard1'), 'results.json'),
      '--out',
      join(dir('merged'), 'report.md'),
    ]);
    expect(rep.error).toBeUndefined();
    expect(rep.result!.runs).toBe(4);
    expect(readFileSync(join(dir('merged'), 'report.md'), 'utf8')).toBe(
      readFileSync(join(dir('jobs2'), 'report.md'), 'utf8'),
    );
    const charts = readdirSync(join(dir('jobs2'), 'charts')).sort();
    expect(readdirSync(join(dir('merged'), 'charts')).sort()).toEqual(charts);
    for (const c of charts)
      expect(read(join(dir('merged'), 'charts', c)).equals(read(join(dir('jobs2'), 'charts', c))), c).toBe(
        true,
      );
    // Adding the unsharded results again only adds duplicates.
    const dup = await runCommandClass<ReportResult>(Report, [
      join(dir('shard1'), 'results.json'),
      join(dir('jobs2'), 'results.json'),
      join(dir('shard2'), 'results.json'),
      '--out',
      join(dir('dup'), 'report.md'),
    ]);
    expect(dup.result!.duplicates).toBe(4);
    expect(readFileSync(join(dir('dup'), 'report.md'), 'utf8')).toBe(
      readFileSync(join(dir('jobs2'), 'report.md'), 'utf8'),
    );
  });

  it('--fairness slowdown: 1 for a process alone in its trace, >= ~1 for contended ones', async () => {
    const c = await runCommandClass<RunResult[]>(Compare, [
      SEQWRITE,
      SEQ_VS_RAND,
      '--policy',
      'none',
      '--device',
      'loop-virtio',
      '--fairness',
      'slowdown',
      '--jobs',
      '1',
      '--json',
    ]);
    expect(c.error).toBeUndefined();
    const [single, shared] = c.result!;
    // A single-process trace replayed "alone" is the same replay: S = 1 exactly, F = 1.
    expect(single.fairness.slowdown!.processes).toHaveLength(1);
    expect(single.fairness.slowdown!.processes[0].slowdown).toBe(1);
    expect(single.fairness.slowdown!.fairness).toBe(1);
    // Two readers sharing one device: neither is faster than alone (within noise of the model),
    // and at least one waits longer.
    const s = shared.fairness.slowdown!;
    expect(s.processes.map((p) => `${p.comm} (${p.pid})`).sort()).toEqual(blkparseProcesses(SEQ_VS_RAND));
    for (const p of s.processes) {
      expect(p.slowdown).toBeGreaterThan(0.95);
      expect(p.slowdown).toBeCloseTo(p.sharedMeanNs / p.aloneMeanNs, 12);
    }
    expect(s.max).toBeGreaterThan(1);
    expect(s.fairness).toBeCloseTo(s.min / s.max, 12);
    // Everything else is the run without slowdown.
    const { slowdown: _, ...fairness } = shared.fairness;
    expect(fairness).toEqual(results(dir('jobs2'))[2].fairness);
  });

  it('a bad --shard is a usage error (exit 2)', async () => {
    const c = await runCommandClass(Compare, [SEQ_VS_RAND, '--policy', 'none', '--shard', '3/2']);
    expect(c.exitCode).toBe(2);
    expect(c.error?.code).toBe('FLAG_INVALID');
  });
});
