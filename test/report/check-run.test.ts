// Which results files `report` accepts: a real results.json written by compare (slowdown
// fairness, policy parameters, series and trace stats included) passes; removing or mistyping
// any field the report reads is RESULTS_INVALID naming the run and the field's JSON path (exit
// 3 from the command), while fields it never reads may be absent. Whatever is changed in a
// run, the file is either refused with a coded error or the report is built without a crash.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Report from '../../src/commands/report.js';
import { UfqReplayError } from '../../src/errors.js';
import { compare } from '../../src/replay/compare/compare.js';
import { buildReport } from '../../src/report/markdown.js';
import { readResultsFile } from '../../src/report/merge.js';
import { spyConsole } from '../helpers/console.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACE = `${new URL('../../traces/', import.meta.url).pathname}seq-vs-rand.none`;
const tmp = mkdtempSync(join(tmpdir(), 'check-run-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Json = Record<string, unknown>;
let realFile: string;
/** The one run of the real results file (never changed: tests work on copies). */
let real: Json;

beforeAll(async () => {
  const out = join(tmp, 'cmp');
  await compare({
    traces: [TRACE],
    policies: [{ name: 'mq-deadline', params: { fifo_batch: 8 } }],
    devices: ['nvme'],
    jobs: 1,
    fairness: 'slowdown',
    out,
    requests: false,
    report: false,
  });
  realFile = join(out, 'results.json');
  [real] = JSON.parse(readFileSync(realFile, 'utf8')) as Json[];
}, 120_000);

spyConsole();

type Kind = 'number' | 'string' | 'object' | 'array';

/** Every field the report reads (markdown.ts, charts.ts, run-view.ts mergeKey) and its type. */
const REQUIRED: [string, Kind][] = [
  ['policy', 'string'],
  ['ufqRevision', 'number'],
  ['device', 'string'],
  ['mode', 'string'],
  ['seed', 'number'],
  ['trace', 'string'],
  ['timeScale', 'number'],
  ['throughput', 'object'],
  ['throughput.iops', 'number'],
  ['throughput.mbps', 'number'],
  ['latency', 'object'],
  ['latency.q2c_ns', 'object'],
  ['latency.q2c_ns.p50', 'number'],
  ['latency.q2c_ns.p99', 'number'],
  ['latency.q2c_ns.p999', 'number'],
  ['latency.q2d_ns', 'object'],
  ['latency.q2d_ns.max', 'number'],
  ['processes', 'array'],
  ['processes[0]', 'object'],
  ['processes[0].pid', 'number'],
  ['processes[0].comm', 'string'],
  ['processes[0].ioprioClass', 'string'],
  ['processes[0].ios', 'number'],
  ['processes[0].iops', 'number'],
  ['processes[0].mbps', 'number'],
  ['processes[0].latency', 'object'],
  ['processes[0].latency.q2c_ns.p50', 'number'],
  ['processes[0].latency.q2c_ns.p99', 'number'],
  ['processes[0].latency.q2d_ns.max', 'number'],
  ['fairness', 'object'],
  ['fairness.jain', 'number'],
  ['opsStats', 'object'],
  ['conservation', 'object'],
  ['conservation.lost', 'number'],
  ['warnings', 'object'],
];

/** Optional parts (present in the real file): absent is fine, wrong is not. */
const OPTIONAL: [string, Kind][] = [
  ['fairness.slowdown', 'object'],
  ['limits', 'object'],
  ['policyParams', 'object'],
  ['traceStats', 'object'],
  ['series', 'object'],
];
const INSIDE_OPTIONAL: [string, Kind][] = [
  ['fairness.slowdown.fairness', 'number'],
  ['fairness.slowdown.min', 'number'],
  ['fairness.slowdown.max', 'number'],
  ['fairness.slowdown.processes', 'array'],
  ['fairness.slowdown.processes[0].pid', 'number'],
  ['fairness.slowdown.processes[0].slowdown', 'number'],
  ['limits.nr_requests', 'number'],
  ['traceStats.format', 'string'],
  ['traceStats.ios', 'number'],
  ['traceStats.records', 'number'],
  ['traceStats.bytes', 'number'],
  ['traceStats.durationNs', 'number'],
  ['series.percentiles', 'array'],
  ['series.percentiles[0]', 'number'],
  ['series.q2cNs', 'array'],
  ['series.q2cNs[0]', 'number'],
  ['series.timeline', 'object'],
  ['series.timeline.binNs', 'number'],
  ['series.timeline.bytes', 'array'],
  ['series.processBytes', 'array'],
  ['series.processBytes[0].pid', 'number'],
  ['series.processBytes[0].bytes', 'number'],
];

/** Fields of the run --json contract no report code reads. */
const UNREAD = [
  'ios',
  'merges',
  'byOp',
  'byClass',
  'plugging',
  'limitsFrom',
  'spanNs',
  'latency.d2c_ns',
  'latency.q2c_ns.mean',
  'processes[0].windowIops',
  'processes[0].latency.d2c_ns',
  'fairness.windowStartNs',
  'conservation.queued',
];

/** `a.b[0].c` → ['a', 'b', 0, 'c']. */
function steps(path: string): (string | number)[] {
  return path
    .split('.')
    .flatMap((part) => part.split(/\[(\d+)\]/).filter((s) => s !== ''))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** A deep copy of the real run with `path` set to `value` (deleted when value is undefined). */
function changed(path: string | (string | number)[], value: unknown): Json {
  const run = structuredClone(real);
  const s = typeof path === 'string' ? steps(path) : path;
  let at = run as Record<string | number, unknown>;
  for (const k of s.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  expect(at, `${path} exists in the real run`).toBeTypeOf('object');
  const last = s[s.length - 1];
  expect(last in at, `${path} exists in the real run`).toBe(true);
  if (value === undefined) delete at[last];
  else at[last] = value;
  return run;
}

let n = 0;
/** The error readResultsFile gives for [real, run] (the changed run is run 1), or undefined. */
async function errorFor(run: unknown): Promise<UfqReplayError | undefined> {
  const file = join(tmp, `case-${n++}.json`);
  writeFileSync(file, JSON.stringify([real, run]));
  try {
    await readResultsFile(file);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(UfqReplayError);
    const err = e as UfqReplayError;
    expect(err.file).toBe(file);
    return err;
  }
}

async function expectRefused(run: unknown, path: string): Promise<UfqReplayError> {
  const err = await errorFor(run);
  expect(err?.code, path).toBe('RESULTS_INVALID');
  expect(err?.record).toBe(1);
  expect(err?.message).toContain(`run 1: ${path} `);
  return err!;
}

/** JSON values of every kind but `kind`. */
function wrongValue(kind: Kind): fc.Arbitrary<unknown> {
  const all: Record<Kind | 'boolean' | 'null', fc.Arbitrary<unknown>> = {
    number: fc.double({ noNaN: true, noDefaultInfinity: true }),
    string: fc.string({ maxLength: 8 }),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.nat(), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 4 }), fc.nat(), { maxKeys: 3 }),
  };
  return fc.oneof(...Object.entries(all).flatMap(([k, a]) => (k === kind ? [] : [a])));
}

/** One JSON value of another kind than `kind`. */
const OTHER: Record<Kind, unknown> = { number: '12', string: 12, object: [], array: {} };

describe('results files the report reads', () => {
  it('a real results.json from compare passes, and report builds from it', async () => {
    expect(real.fairness).toHaveProperty('slowdown');
    expect(real).toHaveProperty('policyParams');
    const f = await readResultsFile(realFile);
    expect(f.runs).toHaveLength(1);
    const r = await runCommandClass(Report, [realFile, '--out', join(tmp, 'ok', 'report.md'), '--quiet']);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
  }, 60_000);

  it('each field the report reads, removed, is RESULTS_INVALID naming its path', async () => {
    // An array element cannot be removed without renumbering the rest: mistyped below instead.
    for (const [path] of REQUIRED.filter(([p]) => !p.endsWith(']'))) {
      const err = await expectRefused(changed(path, undefined), path);
      expect(err.message).toContain('missing');
    }
  });

  it('each field the report reads, of another type, is RESULTS_INVALID naming its path', async () => {
    for (const [path, kind] of [...REQUIRED, ...OPTIONAL, ...INSIDE_OPTIONAL]) {
      const err = await expectRefused(changed(path, OTHER[kind]), path);
      expect(err.message).toContain(`expected a${kind === 'object' || kind === 'array' ? 'n' : ''} ${kind}`);
    }
  });

  it('optional parts and fields no report code reads may be absent; ejected may be null or an ejection', async () => {
    for (const path of [...OPTIONAL.map(([p]) => p), ...UNREAD])
      expect(await errorFor(changed(path, undefined)), path).toBeUndefined();
    expect(await errorFor(changed('ejected', null))).toBeUndefined();
    const ejection = { reason: 'watchdog', hook: 'dispatch_req', atNs: 5 };
    expect(await errorFor(changed('ejected', ejection))).toBeUndefined();
    await expectRefused(changed('ejected', { reason: 'watchdog', atNs: 5 }), 'ejected.hook');
    await expectRefused(changed('ejected', 'watchdog'), 'ejected');
  });

  it('map values are numbers; a reason that is not an identifier is quoted in the path', async () => {
    await expectRefused(changed('warnings', { 'queue full': '3' }), 'warnings["queue full"]');
    await expectRefused(changed('opsStats', { dispatched: null }), 'opsStats.dispatched');
    await expectRefused(changed('policyParams', { fifo_batch: '8' }), 'policyParams.fifo_batch');
    expect(await errorFor(changed('policyParams', { prio_aging: ['a', 'b'] }))).toBeUndefined();
  });

  it('a run that is not an object is named by its index', async () => {
    const err = await errorFor('results');
    expect(err?.code).toBe('RESULTS_INVALID');
    expect(err?.record).toBe(1);
    expect(err?.message).toContain('run 1 is a string');
  });

  test.prop(
    [
      fc
        .constantFrom(...REQUIRED, ...OPTIONAL, ...INSIDE_OPTIONAL)
        .chain(([path, kind]) => fc.tuple(fc.constant(path), wrongValue(kind))),
    ],
    { numRuns: 60 },
  )('any wrong-typed value at a read path is RESULTS_INVALID naming the path', async ([path, value]) => {
    await expectRefused(changed(path, value), path);
  });

  test.prop([fc.nat(), fc.oneof(fc.constant(undefined), wrongValue('number'))], { numRuns: 15 })(
    'whatever leaf of a run is removed or replaced, the file is refused or the report builds',
    async (pick, value) => {
      const leaves = leafPaths(real, []);
      const run = changed(leaves[pick % leaves.length], value);
      const err = await errorFor(run);
      if (err !== undefined) expect(err.code).toBe('RESULTS_INVALID');
      else await buildReport([run as never], { toolVersion: 'test' });
    },
  );

  it('the report command exits 3 on a malformed results file', async () => {
    const file = join(tmp, 'bad-results.json');
    writeFileSync(file, JSON.stringify([changed('latency.q2c_ns.p50', undefined)]));
    const r = await runCommandClass(Report, [file, '--out', join(tmp, 'bad', 'report.md')]);
    expect(r.exitCode).toBe(3);
    expect(r.error?.code).toBe('RESULTS_INVALID');
  });
});

/** Paths (as steps) of the scalar fields of a run, arrays cut to their first element. */
function leafPaths(v: unknown, path: (string | number)[]): (string | number)[][] {
  if (Array.isArray(v)) return v.length === 0 ? [path] : leafPaths(v[0], [...path, 0]);
  if (typeof v !== 'object' || v === null) return [path];
  const keys = Object.keys(v);
  if (keys.length === 0) return [path];
  return keys.flatMap((k) => leafPaths((v as Json)[k], [...path, k]));
}
