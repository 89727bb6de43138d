// `ufq-replay policies` and `policies new`: the list (pfq needs rev-3, ufq-model §5; ufq_simple
// answers to `simple`), and the starting file: written where asked, never over a file without
// --force, refused for a name the kernel's name[16] cannot hold, and runnable as is.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import Policies, { type PolicyListEntry } from '../../src/commands/policies/index.js';
import PoliciesNew, { type PolicyNewResult } from '../../src/commands/policies/new.js';
import Run from '../../src/commands/run.js';
import type { RunResult } from '../../src/replay/result.js';
import { runCommandClass } from '../helpers/run-command.js';

const TRACE = new URL('../../traces/seq-vs-rand.none', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'policies-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let printed: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  const printedErr = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => {
    printed.mockRestore();
    printedErr.mockRestore();
  };
});
const output = () => printed.mock.calls.map((c) => c.join(' ')).join('\n');

describe('policies', () => {
  it('--json lists the built-ins with aliases and required revisions', async () => {
    const run = await runCommandClass<PolicyListEntry[]>(Policies, ['--json']);
    expect(run.exitCode).toBe(0);
    const byName = new Map(run.result?.map((p) => [p.name, p]));
    for (const name of ['none', 'ufq_simple', 'mq-deadline', 'pfq']) expect(byName.has(name)).toBe(true);
    expect(byName.get('pfq')?.requiresRevision).toBe(3);
    expect(byName.get('none')?.requiresRevision).toBeNull();
    expect(byName.get('ufq_simple')?.aliases).toContain('simple');
    for (const p of run.result ?? []) expect(p.summary.length).toBeGreaterThan(0);
  });

  it('prints one line per policy with its revision', async () => {
    const run = await runCommandClass<PolicyListEntry[]>(Policies, []);
    const lines = output().split('\n');
    expect(lines).toHaveLength(run.result?.length ?? -1);
    expect(lines.find((l) => l.startsWith('pfq'))).toMatch(/\brev-3\b/);
  });
});

describe('policies new', () => {
  it('writes the file, refuses to overwrite it without --force, and the file runs as is', async () => {
    const file = join(tmp, 'my_fifo.ts');
    const first = await runCommandClass<PolicyNewResult>(PoliciesNew, [
      'my_fifo',
      '--ts',
      '--out',
      file,
      '--json',
    ]);
    expect(first.exitCode).toBe(0);
    expect(first.result).toEqual({ name: 'my_fifo', file, language: 'typescript' });
    expect(readFileSync(file, 'utf8')).toContain("name: 'my_fifo'");
    const again = await runCommandClass(PoliciesNew, ['my_fifo', '--ts', '--out', file]);
    expect(again.exitCode).toBe(3);
    expect(again.error?.code).toBe('OUTPUT_UNWRITABLE');
    const forced = await runCommandClass(PoliciesNew, ['my_fifo', '--ts', '--out', file, '--force']);
    expect(forced.exitCode).toBe(0);
    // Through the worker thread, as a user runs it; --strict: not ejected.
    const run = await runCommandClass<RunResult>(Run, [
      TRACE,
      '--policy',
      file,
      '--device',
      'nvme',
      '--strict',
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.result?.ejected).toBeNull();
    expect(run.result?.conservation.lost).toBe(0);
  });

  it('defaults to ./NAME.mjs', async () => {
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const run = await runCommandClass<PolicyNewResult>(PoliciesNew, ['plain', '--json']);
      expect(run.result?.file).toBe('plain.mjs');
      expect(existsSync(join(tmp, 'plain.mjs'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it.each(['abcdefghijklmnop', 'my fifo', '9lives'])('refuses the name %j (exit 2)', async (name) => {
    const run = await runCommandClass(PoliciesNew, [name, '--out', join(tmp, 'x.mjs')]);
    expect(run.exitCode).toBe(2);
    expect(run.error?.code).toBe('FLAG_INVALID');
  });
});
