// `ufq-replay run`: the --json contract (CONTRACTS.md), --out files, defaults that are said
// aloud (device, mode fallback), limits from meta.json, exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import Run from '../../src/commands/run.js';
import type { RunResult } from '../../src/replay/result.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
const SEQ_VS_RAND = `${TRACES}seq-vs-rand.none`;
const tmp = mkdtempSync(join(tmpdir(), 'run-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// oclif prints through console.log and console.error (which vitest would echo); keep both
let printed: MockInstance<(...args: unknown[]) => void>;
let printedErr: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  printedErr = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => {
    printed.mockRestore();
    printedErr.mockRestore();
  };
});
const output = () => printed.mock.calls.map((c) => c.join(' ')).join('\n');
const errors = () => printedErr.mock.calls.map((c) => c.join(' ')).join('\n');

const LATENCY_KEYS = ['max', 'mean', 'p50', 'p90', 'p99', 'p999'];

describe('run', () => {
  it('--json gives the contract shape', async () => {
    const run = await runCommandClass<RunResult>(Run, [
      SEQ_VS_RAND,
      '--policy',
      'simple',
      '--device',
      'loop-virtio',
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    const r = run.result!;
    for (const key of [
      'policy',
      'ufqRevision',
      'device',
      'mode',
      'seed',
      'trace',
      'ios',
      'throughput',
      'latency',
      'processes',
      'fairness',
      'merges',
      'opsStats',
      'conservation',
      'ejected',
      'warnings',
    ])
      expect(r).toHaveProperty(key);
    expect(r.policy).toBe('simple');
    expect(r.ufqRevision).toBe(1);
    expect(r.device).toBe('loop-virtio');
    expect(r.mode).toBe('closed');
    expect(r.seed).toBe(1);
    expect(Object.keys(r.throughput).sort()).toEqual(['iops', 'mbps']);
    expect(Object.keys(r.latency).sort()).toEqual(['d2c_ns', 'q2c_ns', 'q2d_ns']);
    expect(Object.keys(r.latency.q2c_ns).sort()).toEqual(LATENCY_KEYS);
    expect(Object.values(r.latency.q2c_ns).every(Number.isInteger)).toBe(true);
    // traces/README.md: a sequential reader and a random reader.
    expect(r.processes).toHaveLength(2);
    for (const p of r.processes)
      expect(Object.keys(p).sort()).toEqual(
        ['comm', 'ioprioClass', 'ios', 'iops', 'latency', 'mbps', 'pid', 'windowIops'].sort(),
      );
    expect(Object.keys(r.fairness)).toEqual(expect.arrayContaining(['jain', 'windowStartNs', 'windowEndNs']));
    expect(Object.keys(r.merges).sort()).toEqual(['d', 'q', 'ratio']);
    expect(Object.keys(r.conservation).sort()).toEqual(['completed', 'lost', 'merged', 'queued']);
    expect(r.conservation.lost).toBe(0);
    expect(r.opsStats).toHaveProperty('dispatch_ok_count');
    expect(r.ejected).toBeNull();
    expect(JSON.parse(output())).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('prints the run key, tables, ops_stats and the conservation line', async () => {
    const run = await runCommandClass<RunResult>(Run, [
      SEQ_VS_RAND,
      '--policy',
      'simple',
      '--device',
      'nvme',
      '--mode',
      'open',
    ]);
    expect(run.exitCode).toBe(0);
    const text = output();
    expect(text).toContain(`trace=${SEQ_VS_RAND} policy=simple rev=1 device=nvme mode=open seed=1`);
    for (const part of ['latency', 'processes', 'ops_stats', 'dispatch_ok_count', 'conservation: queued'])
      expect(text).toContain(part);
  });

  // A trace with D and C events calibrates its own device, named calibrated:<trace file stem>
  // (docs/device-profiles.md "Self-calibration"); the nvme fallback for traces without them is
  // tested in test/commands/calibrate.test.ts.
  it('without --device: a profile calibrated from the trace, a note on stderr and a warning entry', async () => {
    const run = await runCommandClass<RunResult>(Run, [SEQ_VS_RAND, '--policy', 'none', '--mode', 'afap']);
    expect(run.exitCode).toBe(0);
    expect(run.result!.device).toBe('calibrated:seq-vs-rand.none');
    expect(errors()).toContain('calibrated:seq-vs-rand.none');
    expect(Object.keys(run.result!.warnings).some((w) => w.includes('calibrated:seq-vs-rand.none'))).toBe(
      true,
    );
  });

  it('queue limits come from NAME.meta.json unless a flag sets them', async () => {
    // traces/seq-vs-rand.none.meta.json: nr_requests 128, max_sectors_kb 1280.
    const meta = JSON.parse(readFileSync(`${SEQ_VS_RAND}.meta.json`, 'utf8'));
    const run = await runCommandClass<RunResult>(Run, [
      SEQ_VS_RAND,
      '--policy',
      'none',
      '--device',
      'nvme',
      '--max-sectors-kb',
      '64',
      '--json',
    ]);
    const r = run.result!;
    expect(r.limits.nr_requests).toBe(Number(meta.queue.nr_requests));
    expect(r.limitsFrom.nr_requests).toBe('meta.json');
    expect(r.limits.max_sectors_kb).toBe(64);
    expect(r.limitsFrom.max_sectors_kb).toBe('flag');
  });

  it('--out writes result.json and requests.arrow with one row per I/O', async () => {
    const dir = join(tmp, 'out');
    const run = await runCommandClass<RunResult>(Run, [
      SEQ_VS_RAND,
      '--policy',
      'simple',
      '--device',
      'nvme',
      '--out',
      dir,
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    const saved = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(saved).toEqual(JSON.parse(JSON.stringify(run.result)));
    const table = tableFromIPC(readFileSync(join(dir, 'requests.arrow')));
    expect(table.numRows).toBe(run.result!.ios);
  });

  it('closed mode on a trace without completions falls back to open and says so', async () => {
    const csv = join(tmp, 'no-completions.csv');
    const rows = ['time_ns,op,sector,bytes,pid,comm'];
    for (let i = 0; i < 40; i++) rows.push(`${i * 10_000},write,${i * 8},4096,77,dd`);
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const run = await runCommandClass<RunResult>(Run, [
      csv,
      '--policy',
      'none',
      '--device',
      'nvme',
      '--mode',
      'closed',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.result!.mode).toBe('open');
    expect(errors()).toContain('open-loop');
    expect(Object.keys(run.result!.warnings).some((w) => w.includes('open-loop'))).toBe(true);
    expect(run.result!.conservation.lost).toBe(0);
  });

  it('an unknown policy exits 2 (POLICY_NOT_FOUND)', async () => {
    const run = await runCommandClass(Run, [SEQ_VS_RAND, '--policy', 'no-such-policy']);
    expect(run.exitCode).toBe(2);
    expect(run.error?.code).toBe('POLICY_NOT_FOUND');
  });

  it('an unknown device exits 3 (PROFILE_NOT_FOUND)', async () => {
    const run = await runCommandClass(Run, [SEQ_VS_RAND, '--policy', 'none', '--device', 'floppy']);
    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('PROFILE_NOT_FOUND');
  });

  it('a missing trace exits 3 (INPUT_NOT_FOUND)', async () => {
    const run = await runCommandClass(Run, [join(tmp, 'no-such-trace'), '--policy', 'none']);
    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('INPUT_NOT_FOUND');
  });

  it('--ufq-rev 1 is recorded in the result; --ufq-rev 2 is a usage error (exit 2)', async () => {
    const one = await runCommandClass<RunResult>(Run, [
      SEQ_VS_RAND,
      '--policy',
      'simple',
      '--device',
      'nvme',
      '--ufq-rev',
      '1',
      '--json',
    ]);
    expect(one.exitCode).toBe(0);
    expect(one.result!.ufqRevision).toBe(1);
    const two = await runCommandClass(Run, [SEQ_VS_RAND, '--policy', 'simple', '--ufq-rev', '2']);
    expect(two.exitCode).toBe(2);
  });

  it('a bad --time-scale exits 2 (FLAG_INVALID)', async () => {
    const run = await runCommandClass(Run, [SEQ_VS_RAND, '--policy', 'none', '--time-scale', '-1']);
    expect(run.exitCode).toBe(2);
    expect(run.error?.code).toBe('FLAG_INVALID');
  });
});
