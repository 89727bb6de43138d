// `ufq-replay compare TRACE... --policy a,b --device x,y`: the matrix of replays on worker
// threads, a table per trace and device, and with --out the results, Arrow tables and the
// Markdown report. Parses flags, shows progress and renders; the batch lives in
// src/replay/compare, the report in src/report.
import { Args, Flags } from '@oclif/core';
import { EXIT, UfqReplayError } from '../errors.js';
import { compare } from '../replay/compare/compare.js';
import { REPLAY_MODES, type ReplayMode } from '../replay/plan.js';
import { type PolicyParams, paramsForPolicies } from '../replay/policy-params.js';
import type { RunResult } from '../replay/result.js';
import { renderCompare } from '../report/compare-table.js';
import { ProgressBar } from '../report/progress.js';
import { BaseCommand } from './base-command.js';
import { policyParamFlags, policyParamsFromFlags } from './policy-flags.js';

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

export default class Compare extends BaseCommand {
  static override summary = 'Replay traces through several policies and devices, and compare them.';

  static override description =
    `Replays every trace × policy × device on worker threads (--jobs, default one per core) with the same replay flags as run. Results are in matrix order whatever order the runs finish in, so they do not depend on --jobs.

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
    ...policyParamFlags,
    policy: Flags.string({
      required: true,
      description: 'Policies, comma-separated (`ufq-replay policies`).',
    }),
    device: Flags.string({
      description: 'Device profiles, comma-separated: built-in names or JSON files (default: as run).',
    }),
    mode: Flags.string({
      options: [...REPLAY_MODES],
      description: 'open, closed or afap (default closed when the trace has completions, else open).',
    }),
    'time-scale': Flags.string({
      description: 'Multiply recorded inter-arrival and think times by X (open and closed).',
      default: '1',
    }),
    seed: Flags.integer({ description: 'Seed of every random draw in each run.', default: 1, min: 0 }),
    'ufq-rev': Flags.integer({
      options: ['1', '3'],
      description: 'UFQ kernel revision to model (default 1, the RFC; pfq implies 3).',
    }),
    'nr-requests': Flags.integer({ description: 'sysfs nr_requests (scheduler tags per hardware queue).' }),
    'max-sectors-kb': Flags.integer({ description: 'sysfs max_sectors_kb (largest request, KiB).' }),
    'queue-depth': Flags.integer({
      description: 'Driver tags per hardware queue (default: the device profile).',
      min: 1,
    }),
    nomerges: Flags.integer({
      options: ['0', '1', '2'],
      description: 'sysfs nomerges: 0 all merges, 1 one-hit only, 2 none.',
    }),
    ioprio: Flags.string({
      multiple: true,
      description:
        'Priority for I/Os the trace gives none: pid:PID=CLASS[/LEVEL] or comm:NAME[*]=CLASS[/LEVEL].',
    }),
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
    const timeScale = Number(flags['time-scale']);
    if (!Number.isFinite(timeScale) || timeScale <= 0)
      throw new UfqReplayError(
        'FLAG_INVALID',
        `--time-scale ${flags['time-scale']} is not a positive number`,
        {
          hint: 'give a multiplier such as 0.5 (twice as fast) or 2 (half as fast)',
        },
      );
    const bar = new ProgressBar(process.stderr, { quiet: flags.quiet });
    let results: RunResult[];
    try {
      results = await compare({
        traces: argv as string[],
        policies: withParams(list(flags.policy), policyParamsFromFlags(flags)),
        devices: flags.device === undefined ? undefined : list(flags.device),
        mode: flags.mode as ReplayMode | undefined,
        timeScale,
        seed: flags.seed,
        ufqRevision: flags['ufq-rev'] as 1 | 3 | undefined,
        limits: {
          nr_requests: flags['nr-requests'],
          max_sectors_kb: flags['max-sectors-kb'],
          queue_depth: flags['queue-depth'],
          nomerges: flags.nomerges,
        },
        ioprio: flags.ioprio ?? [],
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
    if (flags.strict && ejected.length > 0)
      this.error(
        `${ejected.length} run(s) ejected their policy: ${ejected.map((r) => `${r.policy} on ${r.trace}`).join(', ')}`,
        {
          exit: EXIT.POLICY_EJECTED_STRICT,
        },
      );
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
