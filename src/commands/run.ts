// `ufq-replay run TRACE --policy P`: replay one trace through one policy on one device model
// and report throughput, latency, fairness, merges, ops_stats and conservation. Parses flags,
// calls replay/ and renders; the model lives in src/replay and below. Exit 70 (with a stack)
// when conservation breaks, 4 when a policy was ejected under --strict.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { EXIT, InvariantError, UfqReplayError } from '../errors.js';
import { simulateGuarded } from '../replay/guarded.js';
import { REPLAY_MODES, type ReplayMode } from '../replay/plan.js';
import { DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_WATCHDOG_MS } from '../replay/policy-limits.js';
import { renderRun } from '../replay/render.js';
import { DEFAULT_DEVICE, type ReplayOptions, simulate } from '../replay/replay.js';
import type { RunResult } from '../replay/result.js';
import { isPolicyFile } from '../replay/user-policy.js';
import { writeIosArrow } from '../trace/arrow/writer.js';
import { BaseCommand } from './base-command.js';
import { policyParamFlags, policyParamsFromFlags } from './policy-flags.js';

export default class Run extends BaseCommand {
  static override summary = 'Replay a trace through one policy on one device model.';

  static override description =
    `Pairs the trace's events into I/Os, then replays every bio through the simulated block layer (plugging, merging, tags, the UFQ elevator with the chosen policy) against a device model, and reports the same figures as inspect for the simulated run, plus merges, the elevator's ops_stats and a conservation check.

Modes: closed (default when the trace has completions) issues each I/O the recorded delay after its process's previous event in simulated time; open issues each I/O at its recorded time (scaled by --time-scale); afap keeps each process's recorded queue depth with no think time. See docs/replay.md.

Queue limits come from NAME.meta.json beside the trace when present, unless a flag sets them.`;

  static override examples = [
    {
      command: '<%= config.bin %> run traces/seqwrite-plug.none --policy none',
      description: 'Replay under none on the default device (nvme).',
    },
    {
      command:
        '<%= config.bin %> run traces/rw-mix.kyber --policy simple --device sata-ssd --mode open --time-scale 0.5',
      description: 'Open-loop at twice the recorded rate.',
    },
    {
      command: '<%= config.bin %> run traces/seq-vs-rand.none --policy simple --out results/',
      description: 'Write results/result.json and results/requests.arrow.',
    },
  ];

  static override args = {
    trace: Args.string({
      required: true,
      description:
        'Trace: a blktrace base name, a file in any supported format (optionally .gz), or a directory holding one trace.',
    }),
  };

  static override flags = {
    ...policyParamFlags,
    policy: Flags.string({
      required: true,
      description: 'Policy: a built-in name (`ufq-replay policies`) or a policy file.',
    }),
    device: Flags.string({
      description: `Device profile: a built-in name or a JSON file (default ${DEFAULT_DEVICE}).`,
    }),
    mode: Flags.string({
      options: [...REPLAY_MODES],
      description: 'open, closed or afap (default closed when the trace has completions, else open).',
    }),
    'time-scale': Flags.string({
      description: 'Multiply recorded inter-arrival and think times by X (open and closed).',
      default: '1',
    }),
    seed: Flags.integer({ description: 'Seed of every random draw in the run.', default: 1, min: 0 }),
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
    format: Flags.string({ description: 'Read the trace as this format instead of detecting it.' }),
    out: Flags.string({ description: 'Write DIR/result.json and DIR/requests.arrow (one row per I/O).' }),
    strict: Flags.boolean({ description: 'Exit 4 when the policy was ejected.', default: false }),
    'watchdog-ms': Flags.integer({
      description:
        'Eject the policy when requests wait this many simulated ms with no dispatch or completion; 0 turns the watchdog off.',
      default: DEFAULT_WATCHDOG_MS,
      min: 0,
    }),
    'hook-timeout-ms': Flags.integer({
      description:
        'Policy files: eject the policy when one hook call runs this many wall-clock ms (the replay runs in a worker thread); 0 runs it in this thread with no limit.',
      default: DEFAULT_HOOK_TIMEOUT_MS,
      min: 0,
    }),
  };

  async run(): Promise<RunResult> {
    const { args, flags } = await this.parse(Run);
    const timeScale = Number(flags['time-scale']);
    if (!Number.isFinite(timeScale) || timeScale <= 0)
      throw new UfqReplayError(
        'FLAG_INVALID',
        `--time-scale ${flags['time-scale']} is not a positive number`,
        {
          hint: 'give a multiplier such as 0.5 (twice as fast) or 2 (half as fast)',
        },
      );
    const options: ReplayOptions = {
      trace: args.trace,
      policy: flags.policy,
      device: flags.device,
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
      watchdogMs: flags['watchdog-ms'],
      policyParams: policyParamsFromFlags(flags),
      onNote: (line) => this.note(line),
    };
    // A user's policy file runs in a worker thread, where a hook that never returns can be stopped.
    const out = isPolicyFile(flags.policy)
      ? await simulateGuarded(options, flags['hook-timeout-ms'])
      : await simulate(options);
    const result = out.result;
    if (flags.out) {
      await mkdir(flags.out, { recursive: true }).catch((e: unknown) => {
        throw new UfqReplayError('OUTPUT_UNWRITABLE', 'cannot create the output directory', {
          file: flags.out,
          cause: e,
        });
      });
      await writeFile(join(flags.out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
      await writeIosArrow(out.ios, out.strings, out.info, join(flags.out, 'requests.arrow'));
    }
    if (!this.jsonEnabled() && !flags.quiet) this.log(renderRun(result));
    if (result.ejected)
      this.note(
        `warning: policy ${result.policy} was ejected (hook ${result.ejected.hook}, at ${result.ejected.atNs} ns): ${result.ejected.reason}; the elevator's round-robin dispatch drained its requests`,
      );
    if (result.conservation.lost > 0)
      throw new InvariantError(
        `conservation broke: ${result.conservation.queued} bios queued, ${result.conservation.completed} completed, ${result.conservation.lost} lost`,
      );
    if (flags.strict && result.ejected)
      this.error(
        `policy ${result.policy} was ejected: ${result.ejected.reason} (hook ${result.ejected.hook})`,
        {
          exit: EXIT.POLICY_EJECTED_STRICT,
        },
      );
    return result;
  }
}
