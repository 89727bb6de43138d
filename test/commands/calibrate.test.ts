// `ufq-replay calibrate`: writes a profile --device accepts, reports the hold-out figures,
// honours --type, and refuses a trace without D and C events (exit 3).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import Calibrate, { type CalibrateResult } from '../../src/commands/calibrate.js';
import Run from '../../src/commands/run.js';
import { validateProfile } from '../../src/device/profile.js';
import { loadProfile } from '../../src/device/registry.js';
import { EXIT } from '../../src/errors.js';
import type { RunResult } from '../../src/replay/result.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'calibrate-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// oclif prints through console.log and console.error; keep both off the test output.
let printed: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => {
    printed.mockRestore();
    err.mockRestore();
  };
});
const output = () => printed.mock.calls.map((c) => c.join(' ')).join('\n');

describe('calibrate', () => {
  it('writes a valid profile named after --out and prints the hold-out figures', async () => {
    const out = join(tmp, 'loop.json');
    const run = await runCommandClass<CalibrateResult>(Calibrate, [
      `${TRACES}seqwrite-plug.none`,
      '--out',
      out,
    ]);
    expect(run.exitCode).toBe(0);
    const profile = loadProfile(out);
    expect(profile.name).toBe('loop');
    expect(profile.source.origin).toBe('fitted');
    expect(profile.source.references).toEqual(['seqwrite-plug.none']);
    for (const word of ['hold-out', 'p50', 'p90', 'p99', 'demerit', 'KS']) expect(output()).toContain(word);
  });

  it('--json: the profile, the hold-out figures and the file written', async () => {
    const out = join(tmp, 'j.json');
    const run = await runCommandClass<CalibrateResult>(Calibrate, [
      `${TRACES}seq-vs-rand.none`,
      '--out',
      out,
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    const r = run.result!;
    expect(r.out).toBe(out);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(r.profile);
    expect(Object.keys(r.holdOut.d2c.error).sort()).toEqual(['p50', 'p90', 'p99']);
    expect(r.holdOut.d2c.demerit).toBeGreaterThan(0);
    expect(r.holdOut.d2c.ks).toBeGreaterThan(0);
    // 5186 D2C samples in seq-vs-rand.none.btt.avg: warm-up, fitted and held-out requests add up.
    expect(r.holdOut.warmUpRequests + r.holdOut.fitRequests + r.holdOut.holdOutRequests).toBe(5186);
    expect(r.holdOut.warmUpRequests).toBeGreaterThan(0);
  });

  it('--type hdd fits the disk model even to flash data', async () => {
    const out = join(tmp, 'disk.json');
    const run = await runCommandClass<CalibrateResult>(Calibrate, [
      `${TRACES}seq-vs-rand.none`,
      '--out',
      out,
      '--type',
      'hdd',
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.result!.profile.type).toBe('hdd');
    expect(validateProfile(JSON.parse(readFileSync(out, 'utf8')))).toEqual([]);
  });

  it('a trace without D and C events: CALIBRATE_NO_REQUESTS, exit 3', async () => {
    const log = join(tmp, 'job.iolog');
    writeFileSync(
      log,
      [
        'fio version 2 iolog',
        '/dev/sda add',
        '/dev/sda open',
        '/dev/sda read 0 4096',
        '/dev/sda close',
        '',
      ].join('\n'),
    );
    const run = await runCommandClass(Calibrate, [log, '--out', join(tmp, 'none.json')]);
    expect(run.exitCode).toBe(EXIT.BAD_INPUT);
    expect(run.error?.code).toBe('CALIBRATE_NO_REQUESTS');
  });
});

describe('self-calibration in run', () => {
  it('no --device and a trace with D and C: a profile calibrated from the trace, said in warnings', async () => {
    const run = await runCommandClass<RunResult>(Run, [
      `${TRACES}seq-vs-rand.none`,
      '--policy',
      'none',
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.result!.device).toBe('calibrated:seq-vs-rand.none');
    expect(Object.keys(run.result!.warnings).some((w) => w.includes('calibrated'))).toBe(true);
  });

  it('no --device and a trace without D and C (fio iolog): nvme, said in warnings', async () => {
    const log = join(tmp, 'run.iolog');
    writeFileSync(
      log,
      [
        'fio version 2 iolog',
        '/dev/sda add',
        '/dev/sda open',
        '/dev/sda read 0 4096',
        '/dev/sda close',
        '',
      ].join('\n'),
    );
    const run = await runCommandClass<RunResult>(Run, [log, '--policy', 'none', '--json']);
    expect(run.exitCode).toBe(0);
    expect(run.result!.device).toBe('nvme');
    expect(Object.keys(run.result!.warnings).some((w) => w.includes('nvme'))).toBe(true);
  });
});
