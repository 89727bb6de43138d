// Replay speed against fio: a real capture (traces/seqwrite-plug.none) tiled to at least a
// million I/Os, replayed by fio's null engine from the `blkparse -d` dump of the same tiled
// trace (`--replay_no_stall=1`: as fast as it can issue, no device) and by `ufq-replay run`
// with `--policy simple` and `--policy none`, all in this one script so the machine's load
// hits both alike. Targets: >= 1 M simulated I/Os/s, our wall time <= 1.5 x fio's, and under
// 300 bytes per I/O (peak RSS growth over a one-tile run, divided by the extra I/Os).
// Each figure is the best of --repeat runs (the machine is shared). No assertions: it reports.
//
//   npx tsx bench/replay-vs-fio.ts [--ios N] [--repeat N] [--build]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSeries } from '../src/metrics/series.js';
import { summarizeIos } from '../src/metrics/summary.js';
import { traceStats } from '../src/metrics/trace-stats.js';
import { PlugWindowScanner } from '../src/replay/plug-windows.js';
import { simulateTable } from '../src/replay/replay.js';
import { replayedRows } from '../src/replay/tables.js';
import { traceLimits } from '../src/replay/trace-meta.js';
import { ACT } from '../src/trace/event.js';
import { observeBatches } from '../src/trace/observe.js';
import { openTrace } from '../src/trace/open.js';
import { pairEvents } from '../src/trace/pair.js';
import { tileTrace } from './tile-trace.js';

/** The capture tiled: 4 KiB sequential writes, 32 at a time, merged by the plug. */
const SOURCE = 'traces/seqwrite-plug.none';
const OUT_DIR = 'bench/out/replay-vs-fio';
const POLICIES = ['simple', 'none'];
/** The device every run names, so no run spends time calibrating one from the trace. */
const DEVICE = 'nvme';
/** Targets from the issue: simulated I/Os per second, wall ratio to fio, bytes per I/O. */
const TARGET_IOPS = 1_000_000;
const TARGET_RATIO = 1.5;
const TARGET_BYTES_PER_IO = 300;
/** GNU time, for the children's CPU time and peak RSS. */
const TIME = '/usr/bin/time';
/** Clock ticks per second of /proc/PID/task/TID/stat CPU times (USER_HZ on Linux). */
const USER_HZ = 100;

interface Options {
  ios: number;
  repeat: number;
  build: boolean;
}

/** One timed child process: wall and CPU seconds, peak RSS in bytes (NaN if unknown). */
interface Timed {
  wallS: number;
  cpuS: number;
  peakRssBytes: number;
  stdout: string;
}

/** What a child replaying in-process reports (see childSimulate). */
interface SimPhases {
  ios: number;
  readPairS: number;
  /** simulateTable(): wall seconds, CPU seconds of all threads and of the main thread. */
  simulateS: number;
  simulateCpuS: number;
  simulateMainCpuS: number;
  /** The summary part of simulateTable, timed again on its own. */
  summaryS: number;
  /** Heap and typed arrays the replay's output keeps, after a full GC. */
  keptBytes: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { ios: 1_000_000, repeat: 3, build: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--ios') o.ios = Number(argv[++i]);
    else if (argv[i] === '--repeat') o.repeat = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--build') o.build = true;
  }
  return o;
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** blkparse and fio, installed if missing; null when ready, else why the comparison is skipped. */
function ensureTools(): string | null {
  if (have('blkparse') && have('fio')) return null;
  console.log('blkparse or fio missing: apt-get install -y blktrace fio');
  const r = spawnSync('apt-get', ['install', '-y', 'blktrace', 'fio'], { encoding: 'utf8' });
  if (r.status === 0 && have('blkparse') && have('fio')) return null;
  const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-1)[0];
  return `could not install blktrace and fio (${why})`;
}

/** Runs a command, under GNU time when there is one (for CPU time and peak RSS). */
function timed(cmd: string, args: string[]): Timed {
  const useTime = existsSync(TIME);
  const stats = join(OUT_DIR, 'time.txt');
  const argv = useTime ? ['-f', '%e %U %S %M', '-o', stats, cmd, ...args] : args;
  const t0 = performance.now();
  const r = spawnSync(useTime ? TIME : cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  if (!useTime) return { wallS, cpuS: Number.NaN, peakRssBytes: Number.NaN, stdout: r.stdout };
  const [e, u, s, m] = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wallS: e, cpuS: u + s, peakRssBytes: m * 1024, stdout: r.stdout };
}

/** Best (lowest wall) of `n` runs. */
function bestOf<T extends { wallS: number }>(n: number, run: () => T): T {
  let best: T | null = null;
  for (let i = 0; i < n; i++) {
    const t = run();
    if (best === null || t.wallS < best.wallS) best = t;
  }
  return best!;
}

/** I/Os (Q events) of one copy of the source trace. */
async function countSource(): Promise<number> {
  let q = 0;
  const src = await openTrace(SOURCE);
  for await (const b of src.batches()) for (let i = 0; i < b.length; i++) if (b.action[i] === ACT.Q) q++;
  return q;
}

/**
 * Tiles the source to at least `ios` I/Os (reusing an earlier tiling of the same size), plus a
 * one-tile copy in the same (uncompressed) form as the memory baseline. Both get the source's
 * meta.json, so they replay with the recorded queue limits.
 */
async function tile(ios: number): Promise<{ big: string; one: string; tiles: number }> {
  const perTileIos = await countSource();
  const tiles = Math.ceil(ios / perTileIos);
  const one = join(OUT_DIR, 'seqwrite-plug.x1');
  const big = join(OUT_DIR, `seqwrite-plug.x${tiles}`);
  const perTile = existsSync(`${one}.blktrace.0`)
    ? 0
    : (await tileTrace({ input: SOURCE, out: one, minRecords: 1 })).records;
  if (!existsSync(`${big}.blktrace.0`)) {
    const records = perTile || (await tileTrace({ input: SOURCE, out: one, minRecords: 1 })).records;
    const r = await tileTrace({ input: SOURCE, out: big, minRecords: tiles * records });
    console.log(`tiled ${SOURCE} x${r.tiles}: ${r.records} records`);
  }
  for (const name of [one, big]) copyFileSync(`${SOURCE}.meta.json`, `${name}.meta.json`);
  return { big, one, tiles };
}

/** Newest modification time under a directory (to tell whether dist/ is stale). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuilt(force: boolean): void {
  const built = existsSync('dist/commands.js') ? statSync('dist/commands.js').mtimeMs : 0;
  if (!force && built > newest('src')) return;
  console.log('building dist/ (npm run build) for the CLI runs');
  const r = spawnSync('npm', ['run', 'build'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr || r.stdout}`);
}

/** I/Os fio issued (read + write + trim), from its JSON output. */
function fioIos(json: string): number {
  const job = JSON.parse(json.slice(json.indexOf('{'))).jobs[0];
  return job.read.total_ios + job.write.total_ios + job.trim.total_ios;
}

/** CPU seconds of this process's main thread so far (Linux), or NaN. */
function mainThreadCpuS(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted after the command name.
    return (Number(f[11]) + Number(f[12])) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * In a child process: read and pair, then simulateTable (arrival plan, engine, block layer,
 * device, summary), then the summary again alone, so the model's own time can be told apart.
 */
async function childSimulate(trace: string, policy: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const t0 = performance.now();
  const warnings = {};
  const scanner = new PlugWindowScanner();
  const paired = await pairEvents(
    observeBatches(await openTrace(trace), (b) => scanner.observe(b)),
    {},
  );
  const ios = replayedRows(paired.ios, warnings);
  const windows = scanner.found ? scanner.assign(ios) : null;
  const limits = await traceLimits(trace, {}, warnings);
  const t1 = performance.now();
  gc();
  const before = process.memoryUsage();
  const c1 = cpuS();
  const m1 = mainThreadCpuS();
  const t2 = performance.now();
  const out = simulateTable(
    { ios, strings: paired.strings, info: paired.info, windows, limits, warnings },
    { trace, policy, device: DEVICE },
  );
  const t3 = performance.now();
  const m3 = mainThreadCpuS();
  const c3 = cpuS();
  gc();
  const after = process.memoryUsage();
  const t4 = performance.now();
  summarizeIos(out.ios, out.strings);
  runSeries(out.ios);
  traceStats(ios, paired.info);
  const t5 = performance.now();
  const phases: SimPhases = {
    ios: out.result.ios,
    readPairS: (t1 - t0) / 1000,
    simulateS: (t3 - t2) / 1000,
    simulateCpuS: c3 - c1,
    simulateMainCpuS: m3 - m1,
    summaryS: (t5 - t4) / 1000,
    keptBytes: after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers,
  };
  console.log(JSON.stringify(phases));
}

function simulateInChild(trace: string, policy: string): SimPhases & { wallS: number } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', 'bench/replay-vs-fio.ts', '--child', trace, policy],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`in-process replay failed: ${r.stderr}`);
  const p: SimPhases = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { ...p, wallS: p.simulateS };
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const rate = (x: number) => (Number.isFinite(x) ? `${(x / 1e6).toFixed(2)} M` : '-');
const row = (cells: string[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');

async function main(o: Options): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const load0 = loadavg()[0];
  const skipped = ensureTools();
  const { big, one, tiles } = await tile(o.ios);
  ensureBuilt(o.build);

  // fio: the dump of the same tiled trace, as `blkparse -d` writes it.
  let fio: Timed | null = null;
  let fioIssued = 0;
  if (skipped === null) {
    const dump = `${big}.dump`;
    if (!existsSync(dump)) {
      const r = spawnSync('blkparse', ['-i', big, '-d', dump, '-O'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`blkparse failed: ${r.stderr}`);
    }
    // The null engine does no I/O; --replay_redirect keeps fio from looking for the traced
    // device (7,0) under /dev.
    const args = [
      '--name=replay',
      '--ioengine=null',
      '--replay_no_stall=1',
      `--read_iolog=${dump}`,
      '--replay_redirect=/dev/null',
      '--output-format=json',
    ];
    fio = bestOf(o.repeat, () => timed('fio', args));
    fioIssued = fioIos(fio.stdout);
  } else console.log(`fio comparison skipped: ${skipped}`);

  interface Result {
    policy: string;
    ios: number;
    whole: Timed;
    sim: SimPhases;
    bytesPerIo: number;
  }
  const results: Result[] = [];
  for (const policy of POLICIES) {
    const cli = (trace: string) => (): Timed =>
      timed(process.execPath, ['bin/run.js', 'run', trace, '--policy', policy, '--device', DEVICE, '--json']);
    const whole = bestOf(o.repeat, cli(big));
    const small = bestOf(o.repeat, cli(one));
    const ios = JSON.parse(whole.stdout).ios as number;
    const smallIos = JSON.parse(small.stdout).ios as number;
    const sim = bestOf(o.repeat, () => simulateInChild(big, policy));
    results.push({
      policy,
      ios,
      whole,
      sim,
      bytesPerIo: (whole.peakRssBytes - small.peakRssBytes) / (ios - smallIos),
    });
  }
  const load1 = loadavg()[0];

  console.log(
    `\ntrace: ${SOURCE} tiled x${tiles} (${big}), device ${DEVICE}, best of ${o.repeat}; ` +
      `load average ${fmt(load0)} -> ${fmt(load1)} on ${availableParallelism()} CPUs`,
  );
  if (fio) {
    const all = fioIssued === results[0].ios;
    console.log(
      `fio null engine issued ${fioIssued} I/Os from the dump${all ? ' (all of them)' : ` (expected ${results[0].ios}: NOT all)`}`,
    );
  }

  console.log('\nwhole command: node bin/run.js run TRACE --policy P --device nvme --json, vs fio');
  const w1 = [22, 9, 7, 7, 9, 6, 9, 6];
  console.log(row(['run', 'I/Os', 'wall s', 'cpu s', 'I/Os/s', 'ratio', 'peak RSS', 'B/I/O'], w1));
  if (fio)
    console.log(
      row(
        [
          'fio --ioengine=null',
          String(fioIssued),
          fmt(fio.wallS),
          fmt(fio.cpuS),
          rate(fioIssued / fio.wallS),
          '1.00',
          `${fmt(fio.peakRssBytes / 1e6, 0)} MB`,
          '-',
        ],
        w1,
      ),
    );
  for (const r of results)
    console.log(
      row(
        [
          `run --policy ${r.policy}`,
          String(r.ios),
          fmt(r.whole.wallS),
          fmt(r.whole.cpuS),
          rate(r.ios / r.whole.wallS),
          fio ? fmt(r.whole.wallS / fio.wallS) : '-',
          `${fmt(r.whole.peakRssBytes / 1e6, 0)} MB`,
          fmt(r.bytesPerIo, 0),
        ],
        w1,
      ),
    );

  console.log('\nsimulation only: simulateTable() in a child, after reading and pairing');
  const w2 = [22, 9, 7, 11, 13, 13, 12];
  console.log(
    row(['run', 'read+pair', 'sim s', 'sim I/Os/s', 'per main CPU', 'model I/Os/s', 'kept B/I/O'], w2),
  );
  for (const r of results) {
    const s = r.sim;
    console.log(
      row(
        [
          `run --policy ${r.policy}`,
          `${fmt(s.readPairS)} s`,
          fmt(s.simulateS),
          rate(s.ios / s.simulateS),
          rate(s.ios / s.simulateMainCpuS),
          rate(s.ios / (s.simulateS - s.summaryS)),
          fmt(s.keptBytes / s.ios, 0),
        ],
        w2,
      ),
    );
  }

  console.log(`
wall s, cpu s: the whole command (start-up, reading, pairing, replay, summary, JSON), best of
  ${o.repeat}; cpu counts every thread (GC, compiler); ratio = our wall / fio's wall.
peak RSS, B/I/O: GNU time's maximum RSS; B/I/O is its growth over the same command on one tile,
  per extra I/O.
sim s, sim I/Os/s: simulateTable() wall time (arrival plan, engine, block layer, device model and
  the result summary). per main CPU: I/Os per CPU second of the main thread, steadier than wall
  time on a loaded machine. model I/Os/s leaves out the summary (timed again on its own).
  kept B/I/O: heap and typed arrays the replay's output holds after a full GC.
targets: sim I/Os/s >= ${rate(TARGET_IOPS)}, ratio <= ${TARGET_RATIO}, B/I/O < ${TARGET_BYTES_PER_IO}.`);
  for (const r of results) {
    const miss: string[] = [];
    if (r.sim.ios / r.sim.simulateS < TARGET_IOPS) miss.push('sim I/Os/s');
    if (fio && r.whole.wallS / fio.wallS > TARGET_RATIO) miss.push('ratio');
    if (!(r.bytesPerIo < TARGET_BYTES_PER_IO)) miss.push('bytes per I/O');
    console.log(
      `  run --policy ${r.policy}: ${miss.length === 0 ? 'all targets met' : `missed: ${miss.join(', ')}`}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') await childSimulate(argv[1], argv[2]);
  else await main(parseArgs(argv));
}
