// `ufq-replay inspect` against btt on the same `blkparse -d` dump (target: wall-time ratio
// inspect/btt <= 1.0), plus peak memory and how memory grows with trace length.
// traces/seqwrite-plug.none is tiled into dumps of >= 1 M and >= 2 M records (tile-trace.ts);
// btt and the built CLI (`node bin/run.js inspect DUMP --json`) run alternately on the larger
// one, several times, each under /usr/bin/time (wall s, CPU s, peak RSS); then inspect runs on
// both dumps and the peak-RSS difference is divided by the I/Os added. Wall time is what the
// target is about; CPU time is also shown because on a shared machine it is the steadier one.
//
//   npx tsx bench/inspect-vs-btt.ts [--runs N] [--keep]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tileTrace } from './tile-trace.js';

const TRACE = 'traces/seqwrite-plug.none';
/** Records of the large dump (the target's floor) and of the small one for memory growth. */
const LARGE_RECORDS = 2_000_000;
const SMALL_RECORDS = 1_000_000;
/** Timed runs of each tool on the large dump (alternating, so both see the same load). */
const DEFAULT_RUNS = 5;
const TIME = '/usr/bin/time';

interface Measured {
  wallS: number;
  cpuS: number;
  rssKb: number;
  stdout: string;
}

/** Runs `cmd args` under GNU time; throws when it fails. */
function timed(cmd: string, args: string[], cwd: string, scratch: string): Measured {
  const out = join(scratch, 'time.txt');
  const r = spawnSync(TIME, ['-f', '%e %U %S %M', '-o', out, cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [wall, user, sys, rss] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wallS: wall, cpuS: user + sys, rssKb: rss, stdout: r.stdout };
}

/** btt on PATH, installing Debian's blktrace package when it is missing; a reason when not. */
function ensureBtt(): string | undefined {
  const has = () => spawnSync('sh', ['-c', 'command -v btt'], { encoding: 'utf8' }).status === 0;
  if (has()) return undefined;
  console.log('btt not found: installing the blktrace package (apt-get)...');
  const run = (args: string[]) => spawnSync('apt-get', args, { stdio: 'inherit' }).status === 0;
  if (!run(['install', '-y', 'blktrace']) && !(run(['update']) && run(['install', '-y', 'blktrace'])))
    return 'apt-get install -y blktrace failed (no root, or no package mirror reachable)';
  return has() ? undefined : 'the blktrace package installed no btt';
}

/** Newest modification time of any file under `dir`, ms. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/ when it is missing or older than the sources. */
function ensureBuilt(): void {
  const built = 'dist/commands.js';
  if (existsSync(built) && statSync(built).mtimeMs >= newest('src')) return;
  console.log('dist/ is missing or older than src/: npm run build...');
  const r = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('npm run build failed');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** I/Os in an `inspect --json` result: the per-process counts add up to every Q row. */
function iosOf(json: string): number {
  const r = JSON.parse(json) as { processes: Array<{ ios: number }> };
  return r.processes.reduce((n, p) => n + p.ios, 0);
}

/** Both tools saw the same I/Os: btt's Q2C count (out.avg "All Devices") equals inspect's. */
function checkSameTrace(avgFile: string, json: string): void {
  const m = /^Q2C\s+\S+\s+\S+\s+\S+\s+(\d+)/m.exec(readFileSync(avgFile, 'utf8'));
  const ours = (JSON.parse(json) as { btt: { Q2C: { n: number } } }).btt.Q2C.n;
  const theirs = m ? Number(m[1]) : Number.NaN;
  console.log(`Q2C samples: btt ${theirs}, inspect ${ours}${theirs === ours ? ' (same)' : ' (DIFFERENT)'}`);
}

function parseArgs(argv: string[]): { runs: number; keep: boolean } {
  let runs = DEFAULT_RUNS;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--keep') keep = true;
  }
  return { runs, keep };
}

async function main(): Promise<void> {
  const { runs, keep } = parseArgs(process.argv.slice(2));
  if (!existsSync(TIME))
    throw new Error(`${TIME} (GNU time) is needed for peak RSS: apt-get install -y time`);
  const scratch = mkdtempSync(join(tmpdir(), 'ufq-inspect-vs-btt-'));
  try {
    ensureBuilt();
    const large = await tileTrace({
      input: TRACE,
      out: join(scratch, 'large'),
      layout: 'dump',
      minRecords: LARGE_RECORDS,
    });
    const small = await tileTrace({
      input: TRACE,
      out: join(scratch, 'small'),
      layout: 'dump',
      minRecords: SMALL_RECORDS,
    });
    const dump = large.files[0];
    console.log(
      `${TRACE} tiled: ${large.records} records (${(statSync(dump).size / 1e6).toFixed(0)} MB) and ${small.records} records`,
    );
    const cli = join(process.cwd(), 'bin/run.js');
    const inspect = (file: string) =>
      timed(process.execPath, [cli, 'inspect', file, '--json'], process.cwd(), scratch);
    const startup = timed(process.execPath, [cli, '--version'], process.cwd(), scratch);

    const skipped = ensureBtt();
    const bttRuns: Measured[] = [];
    const inspectRuns: Measured[] = [];
    const bttDir = join(scratch, 'btt');
    mkdirSync(bttDir);
    for (let i = 0; i < runs; i++) {
      // btt writes its .avg, .dat and per-device files into its working directory.
      if (skipped === undefined)
        bttRuns.push(timed('btt', ['-i', dump, '-o', join(bttDir, 'out')], bttDir, scratch));
      inspectRuns.push(inspect(dump));
    }
    if (skipped === undefined) checkSameTrace(join(bttDir, 'out.avg'), inspectRuns[0].stdout);
    const smallRun = inspect(small.files[0]);
    const ios = iosOf(inspectRuns[0].stdout);
    const smallIos = iosOf(smallRun.stdout);
    const largeRss = median(inspectRuns.map((r) => r.rssKb));
    const growth = ((largeRss - smallRun.rssKb) * 1024) / (ios - smallIos);

    const fig = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))} / ${f(median(xs))}`;
    const s = (x: number) => `${x.toFixed(2)} s`;
    const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
    const row = (what: string, ...cols: string[]) =>
      console.log(`${what.padEnd(30)}${cols.map((c) => c.padStart(20)).join('')}`);
    console.log(`\n${runs} runs each on ${large.records} records, ${ios} I/Os; figures are best / median`);
    row('', 'wall', 'CPU (user+sys)', 'peak RSS');
    if (skipped === undefined) {
      row(
        'btt -i DUMP',
        fig(
          bttRuns.map((r) => r.wallS),
          s,
        ),
        fig(
          bttRuns.map((r) => r.cpuS),
          s,
        ),
        mb(median(bttRuns.map((r) => r.rssKb))),
      );
    }
    row(
      'ufq-replay inspect DUMP --json',
      fig(
        inspectRuns.map((r) => r.wallS),
        s,
      ),
      fig(
        inspectRuns.map((r) => r.cpuS),
        s,
      ),
      mb(largeRss),
    );
    row('  CLI start-up (--version)', s(startup.wallS), s(startup.cpuS), mb(startup.rssKb));
    if (skipped === undefined) {
      const ratio = (f: (r: Measured) => number) =>
        `${(Math.min(...inspectRuns.map(f)) / Math.min(...bttRuns.map(f))).toFixed(2)} / ${(
          median(inspectRuns.map(f)) / median(bttRuns.map(f))
        ).toFixed(2)}`;
      row(
        'ratio inspect / btt',
        ratio((r) => r.wallS),
        ratio((r) => r.cpuS),
        (largeRss / median(bttRuns.map((r) => r.rssKb))).toFixed(2),
      );
      row('target', '<= 1.00', '', '');
    } else console.log(`btt comparison skipped: ${skipped}`);
    console.log(
      `memory growth: ${small.records} -> ${large.records} records (${smallIos} -> ${ios} I/Os): ` +
        `peak RSS ${mb(smallRun.rssKb)} -> ${mb(largeRss)}, ${growth.toFixed(0)} bytes per added I/O`,
    );
  } finally {
    if (keep) console.log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
