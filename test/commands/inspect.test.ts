// `ufq-replay inspect`: the --json contract (CONTRACTS.md), exit codes, counted warnings.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import Inspect, { type InspectResult, type LabelledInspectResult } from '../../src/commands/inspect.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
const RW_MIX = `${TRACES}rw-mix.kyber`;
const tmp = mkdtempSync(join(tmpdir(), 'inspect-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// oclif prints through console.log (which vitest would echo); keep what it prints
let printed: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  return () => printed.mockRestore();
});
const output = () => printed.mock.calls.map((c) => c.join(' ')).join('\n');

const LATENCY_KEYS = ['max', 'mean', 'p50', 'p90', 'p99', 'p999'];

describe('inspect', () => {
  it('--json gives exactly the contract shape', async () => {
    const run = await runCommandClass<InspectResult>(Inspect, [RW_MIX, '--json']);
    expect(run.exitCode).toBe(0);
    const r = run.result!;
    expect(Object.keys(r).sort()).toEqual(
      [
        'btt',
        'byClass',
        'byOp',
        'flushes',
        'latency',
        'merges',
        'processes',
        'throughput',
        'warnings',
      ].sort(),
    );
    // rw-mix has no empty flush: the field is there, with n 0
    expect(r.flushes.n).toBe(0);
    expect(Object.keys(r.flushes.latency).sort()).toEqual(['d2c_ns', 'q2c_ns', 'q2d_ns']);
    expect(Object.keys(r.flushes.latency.q2c_ns).sort()).toEqual(LATENCY_KEYS);
    expect(Object.keys(r.btt).sort()).toEqual(['D2C', 'G2I', 'I2D', 'M2D', 'Q2C', 'Q2G', 'Q2M', 'Q2Q']);
    expect(Object.keys(r.btt.Q2C).sort()).toEqual(['avg_ns', 'max_ns', 'min_ns', 'n']);
    expect(Object.keys(r.merges).sort()).toEqual(['blkavg', 'blkmax', 'blkmin', 'd', 'q', 'ratio', 'total']);
    expect(Object.keys(r.latency).sort()).toEqual(['d2c_ns', 'q2c_ns', 'q2d_ns']);
    expect(Object.keys(r.latency.q2c_ns).sort()).toEqual(LATENCY_KEYS);
    expect(Object.keys(r.throughput).sort()).toEqual(['iops', 'mbps']);
    // traces/README.md: two fio tenants
    expect(r.processes).toHaveLength(2);
    for (const p of r.processes) {
      expect(Object.keys(p).sort()).toEqual(
        ['comm', 'ioprioClass', 'ios', 'iops', 'latency', 'mbps', 'pid', 'windowIops'].sort(),
      );
      expect(p.comm).toBe('fio');
      expect(['rt', 'be', 'idle', 'none']).toContain(p.ioprioClass);
    }
    expect(Object.keys(r.byOp).sort()).toEqual(['read', 'write']);
    expect(Object.values(r.btt.Q2C).every(Number.isInteger)).toBe(true);
    expect(Object.values(r.latency.q2c_ns).every(Number.isInteger)).toBe(true);
    expect(r.warnings).toEqual({});
    expect(JSON.parse(output())).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('prints readable tables without --json', async () => {
    const run = await runCommandClass<InspectResult>(Inspect, [RW_MIX]);
    expect(run.exitCode).toBe(0);
    const text = output();
    for (const heading of [
      'btt: all devices',
      'device merge information',
      'latency',
      'processes',
      'warnings',
    ])
      expect(text).toContain(heading);
    expect(text).not.toContain('empty flushes');
  });

  it('the empty flushes of an fsync capture: counted in JSON and printed apart from the I/Os', async () => {
    const json = await runCommandClass<InspectResult>(Inspect, [`${TRACES}fsync-ext4.mq-deadline`, '--json']);
    expect(json.exitCode).toBe(0);
    // traces/README.md: fio's fsync and fdatasync jobs; 1802 `Q FWS` lines in blkparse's text
    expect(json.result!.flushes).toMatchObject({ n: 1802, completed: 1802 });
    const text = await runCommandClass<InspectResult>(Inspect, [`${TRACES}fsync-ext4.mq-deadline`]);
    expect(text.exitCode).toBe(0);
    expect(output()).toContain('empty flushes: 1802 recorded, 1802 completed');
  });

  it('a missing trace exits 3 (INPUT_NOT_FOUND)', async () => {
    const run = await runCommandClass(Inspect, [join(tmp, 'no-such-trace')]);
    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('INPUT_NOT_FOUND');
  });

  it('a bad --ioprio exits 2 (IOPRIO_BAD_SPEC)', async () => {
    const run = await runCommandClass(Inspect, [RW_MIX, '--ioprio', 'comm:fio=urgent']);
    expect(run.exitCode).toBe(2);
    expect(run.error?.code).toBe('IOPRIO_BAD_SPEC');
  });

  it('--ioprio gives a class to processes of a trace that recorded none', async () => {
    const run = await runCommandClass<InspectResult>(Inspect, [
      RW_MIX,
      '--json',
      '--ioprio',
      'comm:fio=idle',
    ]);
    expect(run.result!.processes.map((p) => p.ioprioClass)).toEqual(['idle', 'idle']);
    expect(Object.keys(run.result!.byClass)).toEqual(['idle']);
  });

  it('garbage in a trace file is counted under warnings, and the rest is analysed', async () => {
    const base = join(tmp, 'garbled');
    const cpu0 = gunzipSync(readFileSync(`${RW_MIX}.blktrace.0.gz`));
    // 30 bytes that are no record: a truncated tail
    writeFileSync(`${base}.blktrace.0`, Buffer.concat([cpu0, Buffer.alloc(30, 0xab)]));
    writeFileSync(`${base}.blktrace.1`, gunzipSync(readFileSync(`${RW_MIX}.blktrace.1.gz`)));
    const run = await runCommandClass<InspectResult>(Inspect, [base, '--json']);
    expect(run.exitCode).toBe(0);
    const total = Object.values(run.result!.warnings).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    expect(run.result!.btt.Q2C.n).toBe(8998); // rw-mix.kyber.btt.avg
  });

  it.each([
    // fio's measured IOPS for the RT, BE and IDLE readers (traces/README.md)
    ['prio-classes.none', { rt: 11869, be: 14715, idle: 14496 }],
    ['prio-classes.mq-deadline', { rt: 13001, be: 333, idle: 8 }],
  ])('%s: priorities from the tracepoints, per-process IOPS as fio measured them', async (name, fio) => {
    const run = await runCommandClass<InspectResult>(Inspect, [`${TRACES}${name}.tp.txt.gz`, '--json']);
    expect(run.exitCode).toBe(0);
    const byClass = Object.fromEntries(run.result!.processes.map((p) => [p.ioprioClass, p]));
    expect(Object.keys(byClass).sort()).toEqual(['be', 'idle', 'rt']);
    for (const cls of ['rt', 'be', 'idle'] as const) {
      // 1 s captures: fio's own count and ours differ by a few I/Os at the edges
      expect(Math.abs(byClass[cls].iops - fio[cls])).toBeLessThanOrEqual(Math.max(2, 0.01 * fio[cls]));
    }
  });

  it('several traces give one labelled result each', async () => {
    const run = await runCommandClass<LabelledInspectResult[]>(Inspect, [
      RW_MIX,
      `${TRACES}seq-vs-rand.none`,
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.result!.map((r) => r.trace)).toEqual([RW_MIX, `${TRACES}seq-vs-rand.none`]);
    expect(run.result![1].btt.Q2C.n).toBe(5186); // seq-vs-rand.none.btt.avg
  });
});
