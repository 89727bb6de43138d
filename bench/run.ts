// `npm run bench`: every benchmark, one after the other, each in its own process so that one's
// heap does not distort the next. Figures are reported as ratios against a peer tool (btt,
// fio) run in the same script where one exists, because these machines are noisy.
// Benchmarks are never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface Bench {
  file: string;
  what: string;
  args?: string[];
}

const BENCHES: Bench[] = [
  { file: 'bench/read-blktrace.ts', what: 'binary blktrace decoding rate (target >= 5 M records/s)' },
  { file: 'bench/read-text.ts', what: 'text reader rates (target >= 1.5 M lines/s)' },
  { file: 'bench/inspect-vs-btt.ts', what: 'inspect against btt on the same dump (target ratio <= 1.0)' },
  { file: 'bench/engine.bench.ts', what: 'event engine throughput' },
  {
    file: 'bench/replay-vs-fio.ts',
    what: 'replay against fio null-engine replay (target >= 1 M I/Os/s, ratio <= 1.5)',
  },
  {
    file: 'bench/policies.ts',
    what: 'simulated I/Os per second per policy (no policy slower than 4x simple)',
  },
  { file: 'bench/compare-jobs.ts', what: 'compare --jobs 2 against --jobs 1 (target speed-up >= 1.7)' },
];

const only = process.argv.slice(2);
let failed = 0;
for (const b of BENCHES) {
  if (only.length > 0 && !only.some((o) => b.file.includes(o))) continue;
  if (!existsSync(b.file)) {
    console.log(`\n== ${b.file}: not present, skipped`);
    continue;
  }
  console.log(`\n== ${b.file}: ${b.what}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', b.file, ...(b.args ?? [])], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    failed++;
    console.log(`== ${b.file} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
