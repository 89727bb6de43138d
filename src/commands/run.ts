// `ufq-replay run TRACE --policy P`: replay one trace through one policy on one device model
// and report throughput, latency, fairness, merges, ops_stats and conservation. Parses flags,
// calls replay/ and renders; the model lives in src/replay and below. Exit 70 (with a stack)
// when conservation breaks, 4 when a policy was ejected under --strict; with --json the result
// is printed first in both cases. Several TRACE arguments must name one trace (the per-CPU files
// of a shell glob); several traces are compare's job.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { EXIT, InvariantError, UfqReplayError } from '../errors.js';
import { simulateGuarded } from '../replay/guarded.js';
import { DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_WATCHDOG_MS } from '../replay/policy-limits.js';
import { renderRun } from '../replay/render.js';
import { DEFAULT_DEVICE, type ReplayOptions, simulate } from '../replay/replay.js';
import type { RunResult } from '../replay/result.js';
import { isPolicyFile } from '../replay/user-policy.js';
import { writeIosArrow } from '../trace/arrow/writer.js';
import { resolveTrace } from '../trace/open.js';
import { BaseCommand } from './base-command.js';
import {
  policyParamFlags,
  policyParamsFromFlags,
  replayFlags,
  replayOptionsFromFlags,
} from './replay-flags.js';

export default class Run extends BaseCommand {
  static override summary = 'Replay a trace through one policy on one device model.';

  static override description =
    `Pairs the trace's events into I/Os, then replays every bio through the simulated block layer (plugging, merging, tags, the UFQ elevator with the chosen policy) against a device model, and reports the same figures as inspect for the simulated run, plus merges, the elevator's ops_stats and a conservation check.

Modes: closed (default when the trace has completions) issues each I/O the recorded delay after its process's previous event in simulated time; open issues each I/O at its recorded time (scaled by --time-scale); afap keeps each process's recorded queue depth with no think time. See docs/replay.md.

Queue limits come from NAME.meta.json beside the trace when present, unless a flag sets them.`;

  static override examples = [
    {
      command: '<%= config.bin %> run traces/seqwrite-plug.none --policy none',
      description: "Replay under none on a device profile fitted to the trace's own D and C events.",
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
        'Trace: a blktrace base name, a file in any supported format (optionally .gz), or a directory holding one trace. More files may follow when they are the same trace (NAME.blktrace.*).',
    }),
  };

  /** `run x.blktrace.*` as the shell expands it: checked to be one trace in oneTrace(). */
  static override strict = false;

  static override flags = {
    ...replayFlags,
    ...policyParamFlags,
    policy: Flags.string({
      required: true,
      description: 'Policy: a built-in name (`ufq-replay policies`) or a policy file.',
    }),
    device: Flags.string({
      description: `Device profile: a built-in name or a JSON file (default: a profile fitted to the trace's own D and C events; ${DEFAULT_DEVICE} when it has none).`,
    }),
    seed: Flags.integer({ description: 'Seed of every random draw in the run.', default: 1, min: 0 }),
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
    const { args, argv, flags } = await this.parse(Run);
    await oneTrace(args.trace, argv as string[]);
    const options: ReplayOptions = {
      trace: args.trace,
      policy: flags.policy,
      device: flags.device,
      seed: flags.seed,
      ...replayOptionsFromFlags(flags),
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
      await writeIosArrow(out.ios, out.strings, out.info, join(flags.out, 'requests.arrow'), {
        flushes: out.flushes,
      });
    }
    if (!this.jsonEnabled() && !flags.quiet) this.log(renderRun(result));
    if (result.ejected)
      this.note(
        `warning: policy ${result.policy} was ejected (hook ${result.ejected.hook}, at ${result.ejected.atNs} ns): ${result.ejected.reason}; the elevator's round-robin dispatch drained its requests`,
      );
    if (result.conservation.lost > 0) {
      this.printJsonResult(result);
      throw new InvariantError(
        `conservation broke: ${result.conservation.queued} bios queued, ${result.conservation.completed} completed, ${result.conservation.lost} lost`,
      );
    }
    if (flags.strict && result.ejected) {
      this.printJsonResult(result);
      this.error(
        `policy ${result.policy} was ejected: ${result.ejected.reason} (hook ${result.ejected.hook})`,
        { exit: EXIT.POLICY_EJECTED_STRICT },
      );
    }
    return result;
  }
}

/** Throws a usage error unless every name in `names` resolves to the same files as `first`. */
async function oneTrace(first: string, names: string[]): Promise<void> {
  if (names.length <= 1) return;
  const key = async (name: string) =>
    JSON.stringify((await resolveTrace(name)).map((set) => set.map((f) => resolve(f)).sort()).sort());
  const want = await key(first);
  for (const name of names.slice(1))
    if ((await key(name)) !== want)
      throw new UfqReplayError(
        'FLAG_INVALID',
        `run replays one trace, but ${first} and ${name} are different traces`,
        { hint: 'compare replays several: ufq-replay compare TRACE... --policy P' },
      );
}
