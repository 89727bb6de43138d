// The replay runner: the same task gives the same result in a worker process and in the
// calling thread, with the worker entry taken from the sources (through tsx) and from a
// bundle laid out as dist/ is (tsup is esbuild; the bundle here is built with esbuild).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createReplayRunner,
  oneAtATime,
  type ReplayRunner,
  workerEntry,
  workerFlags,
} from '../../src/worker/pool.js';
import type { ReplayTask } from '../../src/worker/replay-task.js';
import { runningFromSource } from '../../src/worker-url.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const TRACE = `${ROOT}traces/seq-vs-rand.none`;
const task = (policy: string): ReplayTask => ({ options: { trace: TRACE, policy, device: 'loop-virtio' } });
// Inside node_modules so that the bundle's bare imports (tinypool, apache-arrow) resolve.
const BUNDLE = join(ROOT, 'node_modules', '.cache', `ufq-replay-pool-test-${process.pid}`);
afterAll(() => rmSync(BUNDLE, { recursive: true, force: true }));

async function sameAsInline(runner: ReplayRunner): Promise<void> {
  const inline = createReplayRunner(1);
  expect(inline.threads).toBe(0);
  try {
    const [a, b] = await Promise.all([runner.run(task('simple')), runner.run(task('mq-deadline'))]);
    expect(a.result.policy).toBe('simple');
    expect(JSON.stringify(a.result)).toBe(JSON.stringify((await inline.run(task('simple'))).result));
    expect(JSON.stringify(b.result)).toBe(JSON.stringify((await inline.run(task('mq-deadline'))).result));
  } finally {
    await runner.close();
  }
}

describe('replay runner', () => {
  it('finds the worker entry for the sources and for dist/', () => {
    expect(runningFromSource('file:///x/src/worker/pool.ts')).toBe(true);
    expect(runningFromSource('file:///x/dist/chunk-ABC.js')).toBe(false);
    expect(workerEntry('file:///x/dist/chunk-ABC.js')).toBe('file:///x/dist/replay-worker.js');
    const fromSrc = decodeURIComponent(workerEntry(pathToFileURL(`${ROOT}src/worker/pool.ts`).href));
    expect(fromSrc).toMatch(/^data:text\/javascript,/);
    expect(fromSrc).toContain(`${ROOT}src/worker/replay-worker.ts`);
  });

  it('from the sources: a worker process gives what the calling thread gives', async () => {
    const pool = createReplayRunner(2);
    expect(pool.threads).toBe(2);
    await sameAsInline(pool);
  });

  it('from a dist-like bundle: the .js worker entry beside the chunk is used', async () => {
    const mod = await bundled();
    expect(mod.workerEntry()).toBe(pathToFileURL(join(BUNDLE, 'replay-worker.js')).href);
    const pool = mod.createReplayRunner(2);
    expect(pool.threads).toBe(2);
    await sameAsInline(pool);
  });

  it('a user error in a worker comes back with its code', async () => {
    const pool = (await bundled()).createReplayRunner(2);
    try {
      await expect(
        pool.run({
          options: { trace: `${ROOT}traces/no-such-trace`, policy: 'none', device: 'loop-virtio' },
        }),
      ).rejects.toMatchObject({ name: 'UfqReplayError', code: 'INPUT_NOT_FOUND' });
    } finally {
      await pool.close();
    }
  });
});

let bundle: Promise<typeof import('../../src/worker/pool.js')> | undefined;

describe('in-process and worker settings', () => {
  it('--jobs 1 runs its replays one after the other, in the order given, failures included', async () => {
    const log: string[] = [];
    let running = 0;
    const run = oneAtATime(async (x: number) => {
      running++;
      log.push(`start ${x} (${running} running)`);
      await new Promise((r) => setTimeout(r, 5 - x));
      running--;
      log.push(`end ${x}`);
      if (x === 1) throw new Error('cell 1 failed');
      return x * 10;
    });
    const out = await Promise.allSettled([run(0), run(1), run(2)]);
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual([
      'start 0 (1 running)',
      'end 0',
      'start 1 (1 running)',
      'end 1',
      'start 2 (1 running)',
      'end 2',
    ]);
  });

  it('workers run single-threaded only when there is one per core', () => {
    expect(workerFlags(2, 2)).toEqual(['--single-threaded']);
    expect(workerFlags(8, 2)).toEqual(['--single-threaded']);
    expect(workerFlags(2, 4)).toEqual([]);
  });
});

/** pool.ts and the worker entry bundled side by side, as tsup lays them out in dist/. */
function bundled(): Promise<typeof import('../../src/worker/pool.js')> {
  bundle ??= (async () => {
    mkdirSync(BUNDLE, { recursive: true });
    await build({
      entryPoints: {
        'chunk-pool': `${ROOT}src/worker/pool.ts`,
        'replay-worker': `${ROOT}src/worker/replay-worker.ts`,
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outdir: BUNDLE,
      logLevel: 'silent',
    });
    return import(pathToFileURL(join(BUNDLE, 'chunk-pool.js')).href);
  })();
  return bundle;
}
