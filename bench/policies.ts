// Simulated I/Os per second for every built-in policy on the same tiled real trace, and each
// policy's time as a ratio to `simple` (target: no policy slower than 4x simple). The trace is
// traces/seq-vs-rand.none (a sequential and a random reader) tiled to about a million records;
// every run is closed-loop on the loop-virtio profile, best of RUNS.
//
//   npx tsx bench/policies.ts [min-records, default 1000000]
import { mkdirSync } from 'node:fs';
import { builtinPolicies } from '../src/policies/registry.js';
import { replay } from '../src/replay/replay.js';
import { tileTrace } from './tile-trace.js';

/** Repetitions per policy; the best is reported (the machine is shared). */
const RUNS = 2;
const MIN_RECORDS = Number(process.argv[2] ?? 1_000_000);
const OUT = 'bench/out/policies-tiled';

mkdirSync('bench/out', { recursive: true });
await tileTrace({ input: 'traces/seq-vs-rand.none', out: OUT, minRecords: MIN_RECORDS });

interface Row {
  policy: string;
  ios: number;
  bestMs: number;
}
const rows: Row[] = [];
// One untimed run first, so the policy measured first does not pay for the JIT's warm-up.
await replay({ trace: OUT, policy: 'ufq_simple', device: 'loop-virtio', mode: 'closed' });
for (const p of builtinPolicies()) {
  let bestMs = Number.POSITIVE_INFINITY;
  let ios = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await replay({ trace: OUT, policy: p.name, device: 'loop-virtio', mode: 'closed' });
    bestMs = Math.min(bestMs, performance.now() - t0);
    ios = r.ios;
    if (r.conservation.lost !== 0) throw new Error(`${p.name}: lost ${r.conservation.lost} I/Os`);
  }
  rows.push({ policy: p.name, ios, bestMs });
  console.log(`${p.name.padEnd(12)} ${ios} I/Os in ${bestMs.toFixed(0)} ms`);
}

const simple = rows.find((r) => r.policy === 'ufq_simple');
console.log('\npolicy        I/Os/s (whole run)   time / simple');
for (const r of rows) {
  const rate = r.ios / (r.bestMs / 1000);
  const ratio = simple ? r.bestMs / simple.bestMs : Number.NaN;
  const mark = ratio > 4 ? '  over the 4x target' : '';
  console.log(
    `${r.policy.padEnd(12)}  ${rate.toFixed(0).padStart(18)}   ${ratio.toFixed(2).padStart(12)}${mark}`,
  );
}
