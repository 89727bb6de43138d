// `ufq-replay compare TRACE... --policy a,b --device x,y`: the matrix of replays on worker
// threads, a table per trace and device, and with --out the results, Arrow tables and the
// Markdown report. Parses flags, shows progress and renders; the batch lives in
// src/replay/compare, the report in src/report.
import { Args, Flags } from '@oclif/core';
import { EXIT } from '../errors.js';
import { compare } from '../replay/compare/compare.js';
import { type PolicyParams, paramsForPolicies } from '../replay/policy-params.js';
import type { RunResult } from '../replay/result.js';
import { renderCompare } from '../report/compare-table.js';
import { ProgressBar } from '../report/progress.js';
import { BaseCommand } from './base-command.js';
import {
  policyParamFlags,
  policyParamsFromFlags,
  replayFlags,
  replayOptionsFromFlags,
} from './replay-flags.js';

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

export default class Compare extends BaseCommand {
  static override summary = 'Replay traces through several policies and devices, and compare them.';

  static override description =
    `Replays every trace × policy × device in worker processes (--jobs, default one per core) with the same replay flags as run. Results are in matrix order whatever order the runs finish in, so they do not depend on --jobs.

With --out DIR it writes DIR/results.json (an array of run --json results), DIR/matrix.json (the sweep, for report), DIR/runs.arrow (one row per run), DIR/requests/ (one Arrow file per run, one row per I/O) and DIR/report.md with DIR/charts/*.svg.

--fairness slowdown also replays each process alone (the trace filtered to its pid, same policy and device) and adds each process's slowdown (mean Q2C shared / alone) and min/max to the run's fairness. --shard i/n runs every n-th cell of the matrix from the i-th, for Slurm arrays and Kubernetes indexed Jobs; \`report\` merges the shards (docs/scale-out.md).`;

  static override examples = [
    {
      command:
        '<%= config.bin %> compare traces/seq-vs-rand.none traces/rw-mix.kyber --policy none,mq-deadline,simple --device loop-virtio --out cmp/',
      description: 'Two traces under three policies; results and report.md in cmp/.',
    },
    {
      command:
        '<%= config.bin %> compare traces/seq-vs-rand.none --policy none,mq-deadline --fairness slowdown',
      description: 'Add per-process slowdown against each process replayed alone.',
    },
    {
      command: '<%= config.bin %> compare traces/*.none --policy none,pfq --shard 2/8 --out shard-2/',
      description: 'Run the second of eight shards (merge them with report).',
    },
  ];

  static override strict = false;

  static override args = {
    trace: Args.string({
      required: true,
      description: 'Traces: blktrace base names, files in any supported format, or directories.',
    }),
  };

  static override flags = {
    ...replayFlags,
    ...policyParamFlags,
    policy: Flags.string({
      required: true,
      description: 'Policies, comma-separated (`ufq-replay policies`).',
    }),
    device: Flags.string({
      description: 'Device profiles, comma-separated: built-in names or JSON files (default: as run).',
    }),
    seed: Flags.integer({ description: 'Seed of every random draw in each run.', default: 1, min: 0 }),
    format: Flags.string({ description: 'Read the traces as this format instead of detecting it.' }),
    jobs: Flags.integer({ description: 'Replays run in parallel (default: the number of cores).', min: 1 }),
    shard: Flags.string({ description: 'Run only shard i of n of the matrix, as i/n (1-based).' }),
    fairness: Flags.string({
      options: ['slowdown'],
      description: 'slowdown: also replay each process alone and report slowdown fairness.',
    }),
    out: Flags.string({
      description: 'Write results.json, matrix.json, runs.arrow, requests/ and report.md + charts/ into DIR.',
    }),
    strict: Flags.boolean({ description: 'Exit 4 when a policy was ejected in any run.', default: false }),
  };

  async run(): Promise<RunResult[]> {
    const { argv, flags } = await this.parse(Compare);
    const bar = new ProgressBar(process.stderr, { quiet: flags.quiet });
    let results: RunResult[];
    try {
      results = await compare({
        traces: argv as string[],
        policies: withParams(list(flags.policy), policyParamsFromFlags(flags)),
        devices: flags.device === undefined ? undefined : list(flags.device),
        seed: flags.seed,
        ...replayOptionsFromFlags(flags),
        format: flags.format,
        jobs: flags.jobs,
        shard: flags.shard,
        fairness: flags.fairness as 'slowdown' | undefined,
        out: flags.out,
        toolVersion: this.config.version,
        onProgress: (p) => bar.update(p),
      });
    } finally {
      bar.finish();
    }
    if (!this.jsonEnabled() && !flags.quiet) {
      this.log(renderCompare(results));
      if (flags.out) this.log(`\nwrote ${flags.out}/results.json, runs.arrow, requests/, report.md`);
    }
    const ejected = results.filter((r) => r.ejected);
    if (flags.strict && ejected.length > 0) {
      this.printJsonResult(results);
      this.error(
        `${ejected.length} run(s) ejected their policy: ${ejected.map((r) => `${r.policy} on ${r.trace}`).join(', ')}`,
        { exit: EXIT.POLICY_EJECTED_STRICT },
      );
    }
    return results;
  }
}

/** Each policy with the flag parameters it takes (compare's --param applies to every policy taking it). */
function withParams(
  names: string[],
  params: PolicyParams | undefined,
): Array<string | { name: string; params: PolicyParams }> {
  if (params === undefined) return names;
  const split = paramsForPolicies(names, params);
  return names.map((name) => {
    const p = split.get(name);
    return p === undefined ? name : { name, params: p };
  });
}
