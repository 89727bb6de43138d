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
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSeries } from '../src/metrics/series.js';
import { summarizeIos } from '../src/metrics/summary.js';
import { traceStats } from '../src/metrics/trace-stats.js';
import { simulateTable } from '../src/replay/replay.js';
import { PlugWindowScanner, tee } from '../src/replay/plug-windows.js';
import { replayedRows } from '../src/replay/tables.js';
import { traceLimits } from '../src/replay/trace-meta.js';
import { ACT } from '../src/trace/event.js';
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
const TIME = '/usr/bin/time';

interface Options {
  ios: number;
  repeat: number;
  build: boolean;
}

/** One timed child process: wall and CPU seconds, peak RSS in bytes (0 if unknown). */
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
  simulateS: number;
  summaryS: number;
  heapBytes: number;
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

/** Runs a command under /usr/bin/time when there is one (for CPU and peak RSS). */
function timed(cmd: string, args: string[], stdoutFile?: string): Timed {
  const useTime = existsSync(TIME);
  const stats = join(OUT_DIR, 'time.txt');
  const argv = useTime ? ['-f', '%e %U %S %M', '-o', stats, cmd, ...args] : args;
  const t0 = performance.now();
  const r = spawnSync(useTime ? TIME : cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  if (stdoutFile) writeFileSync(stdoutFile, r.stdout);
  if (!useTime) return { wallS, cpuS: Number.NaN, peakRssBytes: 0, stdout: r.stdout };
  const [e, u, s, m] = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wallS: e, cpuS: u + s, peakRssBytes: m * 1024, stdout: r.stdout };
}

/** Best (lowest wall) of `n` runs. */
function bestOf(n: number, run: () => Timed): Timed {
  let best: Timed | null = null;
  for (let i = 0; i < n; i++) {
    const t = run();
    if (best === null || t.wallS < best.wallS) best = t;
  }
  return best!;
}

/** Q events (I/Os) and records of one copy of the source trace. */
async function countSource(): Promise<number> {
  let q = 0;
  const src = await openTrace(SOURCE);
  for await (const b of src.batches()) for (let i = 0; i < b.length; i++) if (b.action[i] === ACT.Q) q++;
  return q;
}

/** Tiles the source to at least `ios` I/Os (reusing an earlier tiling of the same size). */
async function tile(ios: number): Promise<{ name: string; tiles: number }> {
  const perTileIos = await countSource();
  const tiles = Math.ceil(ios / perTileIos);
  const name = join(OUT_DIR, `seqwrite-plug.x${tiles}`);
  if (!existsSync(`${name}.blktrace.0`)) {
    const one = await tileTrace({ input: SOURCE, out: join(OUT_DIR, 'one'), minRecords: 1 });
    const r = await tileTrace({ input: SOURCE, out: name, minRecords: tiles * one.records });
    console.log(`tiled ${SOURCE} x${r.tiles}: ${r.records} records`);
  }
  return { name, tiles };
}

/** Newest modification time under src/ (to tell whether dist/ is stale). */
function newestSource(dir = 'src'): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuilt(force: boolean): void {
  const built = existsSync('dist/commands.js') ? statSync('dist/commands.js').mtimeMs : 0;
  if (!force && built > newestSource()) return;
  console.log('building dist/ (npm run build) for the CLI runs');
  const r = spawnSync('npm', ['run', 'build'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

/** fio's I/Os issued (read + write + trim) and its wall time, from its JSON output. */
function fioIos(json: string): number {
  const job = JSON.parse(json.slice(json.indexOf('{'))).jobs[0];
  return job.read.total_ios + job.write.total_ios + job.trim.total_ios;
}

/**
 * In a child process: read and pair, then simulateTable (plan, engine, block layer, device,
 * summary), then the summary again alone, so the model's own time can be told apart.
 */
async function childSimulate(trace: string, policy: string): Promise<void> {
  const t0 = performance.now();
  const warnings = {};
  const scanner = new PlugWindowScanner();
  const paired = await pairEvents(tee(await openTrace(trace), (b) => scanner.observe(b)), {});
  const ios = replayedRows(paired.ios, warnings);
  const windows = scanner.found ? scanner.assign(ios) : null;
  const limits = await traceLimits(trace, {}, warnings);
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const before = process.memoryUsage();
  const t1 = performance.now();
  const out = simulateTable(
    { ios, strings: paired.strings, info: paired.info, windows, limits, warnings },
    { trace, policy, device: DEVICE },
  );
  const t2 = performance.now();
  gc();
  const after = process.memoryUsage();
  const t2b = performance.now();
  summarizeIos(out.ios, out.strings);
  runSeries(out.ios);
  traceStats(ios, paired.info);
  const t3 = performance.now();
  const phases: SimPhases = {
    ios: out.result.ios,
    readPairS: (t1 - t0) / 1000, // includes a GC
    simulateS: (t2 - t1) / 1000,
    summaryS: (t3 - t2b) / 1000,
    // What the replay keeps (heap + typed arrays), the simulated table among it.
    heapBytes: after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers,
  };
  console.log(JSON.stringify(phases));
}

function simulateInChild(trace: string, policy: string): SimPhases {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', 'bench/replay-vs-fio.ts', '--child', trace, policy],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`in-process replay failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const mega = (x: number) => `${fmt(x / 1e6)} M`;

async function main(o: Options): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const skipped = ensureTools();
  const { name, tiles } = await tile(o.ios);
  ensureBuilt(o.build);

  // fio: the dump of the same tiled trace, as `blkparse -d` writes it.
  let fio: Timed | null = null;
  let fioIssued = 0;
  if (skipped === null) {
    const dump = `${name}.dump`;
    if (!existsSync(dump)) {
      const r = spawnSync('blkparse', ['-i', name, '-d', dump, '-O'], { encoding: 'utf8' });
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

  interface Row {
    label: string;
    ios: number;
    whole: Timed;
    sim: SimPhases;
    bytesPerIo: number;
  }
  const rows: Row[] = [];
  for (const policy of POLICIES) {
    const cli = (trace: string) => (): Timed =>
      timed(process.execPath, ['bin/run.js', 'run', trace, '--policy', policy, '--device', DEVICE, '--json']);
    const whole = bestOf(o.repeat, cli(name));
    const small = bestOf(o.repeat, cli(SOURCE));
    const ios = JSON.parse(whole.stdout).ios as number;
    const smallIos = JSON.parse(small.stdout).ios as number;
    let sim: SimPhases | null = null;
    for (let i = 0; i < o.repeat; i++) {
      const s = simulateInChild(name, policy);
      if (sim === null || s.simulateS < sim.simulateS) sim = s;
    }
    rows.push({
      label: `run --policy ${policy}`,
      ios,
      whole,
      sim: sim!,
      bytesPerIo: (whole.peakRssBytes - small.peakRssBytes) / (ios - smallIos),
    });
  }

  console.log(`\ntrace: ${SOURCE} tiled x${tiles} (${name}), device ${DEVICE}, best of ${o.repeat}`);
  if (fio)
    console.log(
      `fio null engine replayed ${fioIssued} I/Os of the dump${fioIssued === rows[0].ios ? ' (all of them)' : ` (expected ${rows[0].ios}: NOT all)`}`,
    );
  const head = [
    'run'.padEnd(20),
    'I/Os'.padStart(9),
    'wall s'.padStart(7),
    'cpu s'.padStart(7),
    'I/Os/s'.padStart(9),
    'ratio'.padStart(6),
    'sim s'.padStart(6),
    'sim I/Os/s'.padStart(11),
    'model I/Os/s'.padStart(13),
    'peak RSS'.padStart(9),
    'B/I/O'.padStart(6),
  ];
  console.log(head.join(' '));
  if (fio)
    console.log(
      [
        'fio --ioengine=null'.padEnd(20),
        String(fioIssued).padStart(9),
        fmt(fio.wallS).padStart(7),
        fmt(fio.cpuS).padStart(7),
        mega(fioIssued / fio.wallS).padStart(9),
        '1.00'.padStart(6),
        '-'.padStart(6),
        '-'.padStart(11),
        '-'.padStart(13),
        `${fmt(fio.peakRssBytes / 1e6, 0)} MB`.padStart(9),
        '-'.padStart(6),
      ].join(' '),
    );
  for (const r of rows) {
    const model = r.sim.simulateS - r.sim.summaryS;
    console.log(
      [
        r.label.padEnd(20),
        String(r.ios).padStart(9),
        fmt(r.whole.wallS).padStart(7),
        fmt(r.whole.cpuS).padStart(7),
        mega(r.ios / r.whole.wallS).padStart(9),
        (fio ? fmt(r.whole.wallS / fio.wallS) : '-').padStart(6),
        fmt(r.sim.simulateS).padStart(6),
        mega(r.sim.ios / r.sim.simulateS).padStart(11),
        mega(r.sim.ios / model).padStart(13),
        `${fmt(r.whole.peakRssBytes / 1e6, 0)} MB`.padStart(9),
        fmt(r.bytesPerIo, 0).padStart(6),
      ].join(' '),
    );
  }
  console.log(`
wall s, cpu s: the whole command (node bin/run.js run ... --json: start-up, reading, pairing,
  replay, summary, JSON), best of ${o.repeat}; ratio = our wall / fio's wall.
sim s, sim I/Os/s: simulateTable() in a child process (arrival plan, engine, block layer, device
  model and the result summary), after the trace is read and paired; model I/Os/s leaves out the
  summary, timed again on its own.
B/I/O: peak RSS growth of the whole command over the same command on one tile, per extra I/O.
  In process, the replay keeps ${rows.map((r) => `${fmt(r.sim.heapBytes / r.sim.ios, 0)} B/I/O (${r.label.split(' ').pop()})`).join(', ')} of heap and typed arrays.
targets: sim I/Os/s >= ${mega(TARGET_IOPS)}, ratio <= ${TARGET_RATIO}, B/I/O < ${TARGET_BYTES_PER_IO}.`);
  for (const r of rows) {
    const miss: string[] = [];
    if (r.sim.ios / r.sim.simulateS < TARGET_IOPS) miss.push('sim I/Os/s');
    if (fio && r.whole.wallS / fio.wallS > TARGET_RATIO) miss.push('ratio');
    if (!(r.bytesPerIo < TARGET_BYTES_PER_IO)) miss.push('bytes per I/O');
    console.log(`  ${r.label}: ${miss.length === 0 ? 'all targets met' : `missed: ${miss.join(', ')}`}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') await childSimulate(argv[1], argv[2]);
  else await main(parseArgs(argv));
}
