// compare's parallel speed-up: one matrix with --jobs 2 against --jobs 1, through the built CLI
// (dist/, as users run it; `npm run bench` builds first). Target: >= 1.7 on two cores.
// The sample traces replay in tens of milliseconds, less than a worker thread takes to load
// the code and warm up its JIT, so the matrix uses them tiled (bench/tile-trace.ts) to about
// MIN_RECORDS records each: runs of a second or more, as real sweeps have. Each setting runs
// REPEATS times and the fastest counts (the machine is shared); the CPU time of each is shown
// too (one replay thread already keeps more than one core busy: V8 collects garbage and
// compiles on background threads, which bounds the gain of a second thread on two cores), and
// the results of both settings are checked to be identical. Prints, asserts nothing.
// Then the machine's own ceiling for this work: one `run` of the first cell alone, and two
// copies of it started together (separate processes, nothing shared); the ratio of their
// wall times is the speed-up two independent replays get on this machine, which bounds what
// any --jobs 2 can reach (memory-bound work shares caches and memory bandwidth).
// Run: npm run build && node --import tsx bench/compare-jobs.ts [MIN_RECORDS] [--out]
// With --out the timed command also writes the output folder (Arrow files and the report,
// whose charts are drawn in the main thread once the replays are done).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tileTrace } from './tile-trace.js';

const SOURCES = ['seqwrite-plug.none', 'seq-vs-rand.none', 'rw-mix.kyber'];
const POLICIES = 'none,mq-deadline';
const DEVICE = 'loop-virtio';
/** Records per tiled trace (default 2.5 M: runs of one to two seconds each on this machine). */
const MIN_RECORDS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 2_500_000);
/** Timed runs per setting; the fastest counts. */
const REPEATS = 2;
const withOut = process.argv.includes('--out');

if (!existsSync('dist/replay-worker.js')) {
  console.log('dist/replay-worker.js is missing: run `npm run build` first');
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'compare-jobs-'));

interface Timed {
  wallMs: number;
  cpuMs: number;
  results: string;
}

function timed(traces: string[], jobs: number, rep: number): Timed {
  const out = join(tmp, `j${jobs}-${rep}`);
  const args = [
    'bin/run.js',
    'compare',
    ...traces,
    '--policy',
    POLICIES,
    '--device',
    DEVICE,
    '--jobs',
    String(jobs),
  ];
  args.push(...(withOut ? ['--out', out, '--quiet'] : ['--json']));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`compare --jobs ${jobs} exited ${r.status}: ${r.stderr}`);
  return {
    wallMs,
    cpuMs: childCpuMs(),
    results: withOut ? readFileSync(join(out, 'results.json'), 'utf8') : r.stdout,
  };
}

let lastChildCpu = 0;
/** CPU time of finished children since the previous call, ms (getrusage RUSAGE_CHILDREN). */
function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // Fields 16 and 17 of /proc/PID/stat (cutime, cstime), clock ticks of 10 ms on Linux.
  const ticks = Number(stat[13]) + Number(stat[14]);
  const ms = ticks * 10 - lastChildCpu;
  lastChildCpu = ticks * 10;
  return ms;
}

try {
  const traces: string[] = [];
  for (const s of SOURCES) {
    const out = join(tmp, s);
    const t = await tileTrace({ input: `traces/${s}`, out, minRecords: MIN_RECORDS });
    traces.push(out);
    console.log(`tiled ${s}: ${t.tiles} tiles, ${t.records} records`);
  }
  childCpuMs();
  const cells = traces.length * POLICIES.split(',').length;
  console.log(
    `matrix: ${traces.length} traces × ${POLICIES.split(',').length} policies × 1 device = ${cells} runs${withOut ? ', with --out' : ''}`,
  );
  const best: Record<number, Timed> = {};
  for (let rep = 0; rep < REPEATS; rep++)
    for (const jobs of [1, 2]) {
      const r = timed(traces, jobs, rep);
      console.log(
        `  --jobs ${jobs}: ${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU (${(r.cpuMs / r.wallMs).toFixed(2)} cores busy)`,
      );
      if (!best[jobs] || r.wallMs < best[jobs].wallMs) best[jobs] = r;
    }
  const same = JSON.stringify(JSON.parse(best[1].results)) === JSON.stringify(JSON.parse(best[2].results));
  console.log(
    `best --jobs 1: ${(best[1].wallMs / 1000).toFixed(2)} s, --jobs 2: ${(best[2].wallMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `speed-up: ${(best[1].wallMs / best[2].wallMs).toFixed(2)} (target >= 1.7); results identical: ${same}`,
  );
  console.log(
    `CPU spent by --jobs 2 over --jobs 1: ${(best[2].cpuMs / best[1].cpuMs).toFixed(2)}x (worker start-up, JIT warm-up per thread); ` +
      `cores busy: ${(best[1].cpuMs / best[1].wallMs).toFixed(2)} with --jobs 1, ${(best[2].cpuMs / best[2].wallMs).toFixed(2)} with --jobs 2`,
  );
  machineCeiling(traces[0], POLICIES.split(',')[0]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/** One cell alone, then two copies at once, as separate `run` processes; prints the ratio. */
function machineCeiling(trace: string, policy: string): void {
  const args = ['bin/run.js', 'run', trace, '--policy', policy, '--device', DEVICE, '--json'];
  const one = () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`run exited ${r.status}: ${r.stderr}`);
    return performance.now() - t0;
  };
  const two = () => {
    const script = `
      const { spawn } = require('node:child_process');
      const t0 = performance.now();
      let left = 2;
      for (let k = 0; k < 2; k++)
        spawn(process.execPath, ${JSON.stringify(args)}, { stdio: 'ignore' }).on('exit', (code) => {
          if (code !== 0) process.exit(1);
          if (--left === 0) console.log(performance.now() - t0);
        });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`two concurrent runs failed: ${r.stderr}`);
    return Number(r.stdout.trim());
  };
  let alone = Number.POSITIVE_INFINITY;
  let pair = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < REPEATS; rep++) {
    alone = Math.min(alone, one());
    pair = Math.min(pair, two());
  }
  console.log(
    `machine ceiling: one run of ${policy} alone ${(alone / 1000).toFixed(2)} s, two at once ${(pair / 1000).toFixed(2)} s: ` +
      `two independent replays run ${((2 * alone) / pair).toFixed(2)}x as fast as one after the other`,
  );
}
