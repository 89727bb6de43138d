// The hook timeout: a policy file replayed in a worker thread, stopped when one hook call
// does not return, and replayed again with the policy ejected at that very call. Runs are
// deterministic, so the guarded run of a policy that hangs at its 20th dispatch_req must be
// the in-process run of one that throws there, but for the reason; and a worker's result
// must be the in-process one, byte for byte.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UfqReplayError } from '../../src/errors.js';
import { simulateGuarded } from '../../src/replay/guarded.js';
import { type ReplayOutput, simulate } from '../../src/replay/replay.js';
import type { RunResult } from '../../src/replay/result.js';
import { IO_COLUMN_NAMES } from '../../src/trace/io-table.js';

const TRACE = new URL('../../traces/seq-vs-rand.none', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/policies/', import.meta.url).pathname;
const options = (fixture: string) => ({ trace: TRACE, policy: `${FIXTURES}${fixture}`, device: 'nvme' });

/** The result without what names the policy or says why it was ejected. */
function comparable(r: RunResult): unknown {
  return { ...r, policy: null, ejected: r.ejected && { hook: r.ejected.hook, atNs: r.ejected.atNs } };
}

function expectSameTables(a: ReplayOutput, b: ReplayOutput): void {
  expect(a.ios.length).toBe(b.ios.length);
  for (const name of IO_COLUMN_NAMES) expect(a.ios[name]).toEqual(b.ios[name]);
  expect(a.strings.values).toEqual(b.strings.values);
}

describe('simulateGuarded', () => {
  it('a worker gives the in-process result, tables included', async () => {
    const inProcess = await simulate(options('throw-dispatch.mjs'));
    const notes: string[] = [];
    const guarded = await simulateGuarded({ ...options('throw-dispatch.mjs'), onNote: (l) => notes.push(l) });
    expect(guarded.result).toEqual(inProcess.result);
    expectSameTables(guarded, inProcess);
  });

  it('a dispatch_req that never returns is ejected at that call, as if it had thrown there', async () => {
    const thrown = await simulate(options('throw-dispatch.mjs'));
    const hung = await simulateGuarded(options('loop-dispatch.mjs'), 200);
    expect(hung.result.ejected?.hook).toBe('dispatch_req');
    expect(hung.result.ejected?.reason).toMatch(/^dispatch_req did not return within 200 ms/);
    expect(comparable(hung.result)).toEqual(comparable(thrown.result));
    expect(hung.result.conservation.lost).toBe(0);
    expect(hung.result.conservation.completed).toBe(hung.result.conservation.queued);
  });

  it('a bpf_timer callback that never returns is ejected too (hook: kernel)', async () => {
    const out = await simulateGuarded(options('loop-timer.mjs'), 200);
    expect(out.result.ejected?.hook).toBe('kernel');
    expect(out.result.ejected?.reason).toMatch(/bpf_timer callback did not return/);
    // Armed 1 ms after the queue started at 0.
    expect(out.result.ejected?.atNs).toBe(1_000_000);
    expect(out.result.conservation.lost).toBe(0);
  });

  it("the worker's errors come back with their code", async () => {
    const e = await simulateGuarded(options('no-such-policy.mjs')).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(UfqReplayError);
    expect((e as UfqReplayError).code).toBe('POLICY_NOT_FOUND');
  });

  it('a policy module whose top level never ends is POLICY_INVALID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guarded-test-'));
    try {
      const file = join(dir, 'spin.mjs');
      writeFileSync(file, "for (;;);\nexport default { name: 'spin' };\n");
      const e = await simulateGuarded({ trace: TRACE, policy: file, device: 'nvme' }, 200).catch(
        (err: unknown) => err,
      );
      expect((e as UfqReplayError).code).toBe('POLICY_INVALID');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('0 runs the policy in this thread', async () => {
    const out = await simulateGuarded(options('throw-merge.mjs'), 0);
    expect(out.result.ejected?.hook).toBe('merge_req');
  });
});
