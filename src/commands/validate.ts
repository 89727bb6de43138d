// `ufq-replay validate TRACE [--policy P]`: replays a trace under the policy that models the
// scheduler it was recorded with, on a device calibrated from the trace itself, and sets the
// simulated figures beside the recorded ones: merge ratio, Q2C and D2C percentiles, IOPS and
// MB/s, per process, and the demerit of the Q2C distribution. The replay is `run`'s own
// (replay/simulate), so validate checks exactly what run reports.
import { Args, Flags } from '@oclif/core';
import { readTraceRequests } from '../device/calibrate/load.js';
import { hintsFromMeta, readMetaDoc } from '../device/calibrate/meta-hints.js';
import { compareDistributions } from '../device/calibrate/quality.js';
import { selfCalibrate, selfCalibrationNote } from '../device/calibrate/self.js';
import { compareIos, renderValidation, type ValidateResult } from '../device/calibrate/validation.js';
import { UfqReplayError } from '../errors.js';
import { summarizeFlushes } from '../metrics/flushes.js';
import { type IoSummary, summarizeIos } from '../metrics/summary.js';
import { getPolicy, policyNames } from '../policies/registry.js';
import { REPLAY_MODES, type ReplayMode } from '../replay/plan.js';
import { simulate } from '../replay/replay.js';
import { replayedDevice, replayedFlushes, replayedRows } from '../replay/tables.js';
import { findTraceMeta } from '../replay/trace-meta.js';
import type { IoTable } from '../trace/io-table.js';
import { applyIoprioRules, parseIoprioRules } from '../trace/ioprio-rules.js';
import { BaseCommand } from './base-command.js';
import { replayFlags } from './replay-flags.js';

/** Kernel scheduler (meta.json "scheduler") → the built-in policy that models it. */
const POLICY_OF_SCHEDULER: Readonly<Record<string, string>> = {
  none: 'none',
  'mq-deadline': 'mq-deadline',
  kyber: 'kyber',
  bfq: 'bfq',
};

export default class Validate extends BaseCommand {
  static override summary =
    'Replay a trace under its own scheduler and compare with what the kernel recorded.';

  static override description =
    `The policy is --policy, or the one modelling the scheduler named in NAME.meta.json beside the trace (none, mq-deadline, kyber, bfq). The device is calibrated from the trace's own D and C events (as "calibrate" does). Prints, recorded against simulated: the merge ratio (#Q/#D), Q2C and D2C p50/p90/p99, IOPS and MB/s, the same per process, and the demerit figure and KS statistic of the Q2C distribution. Exit 2 when the recorded scheduler has no built-in policy yet.`;

  static override examples = [
    {
      command: '<%= config.bin %> validate traces/seq-vs-rand.mq-deadline',
      description: 'mq-deadline, from the meta.json beside the trace.',
    },
    {
      command: '<%= config.bin %> validate traces/seqwrite-plug.none --json',
      description: 'Figures as JSON.',
    },
  ];

  static override args = {
    trace: Args.string({ required: true, description: 'Trace with Q, D and C events.' }),
  };

  static override flags = {
    policy: Flags.string({ description: 'Policy to replay under (default: from meta.json "scheduler").' }),
    mode: Flags.string({ options: [...REPLAY_MODES], description: 'Replay mode (default as run).' }),
    seed: Flags.integer({ description: 'Seed of every random draw in the run.', default: 1, min: 0 }),
    format: Flags.string({ description: 'Read the trace as this format instead of detecting it.' }),
    // A blktrace binary or blkparse capture records no priorities: give them to replay classes.
    ioprio: replayFlags.ioprio,
  };

  async run(): Promise<ValidateResult> {
    const { args, flags } = await this.parse(Validate);
    const metaFile = await findTraceMeta(args.trace);
    const meta = await readMetaDoc(metaFile);
    const hints = hintsFromMeta(meta);
    const policy = flags.policy ?? policyForScheduler(hints.scheduler, args.trace);
    if (getPolicy(policy) === undefined)
      throw new UfqReplayError(
        'POLICY_NOT_FOUND',
        flags.policy
          ? `no built-in policy named '${policy}'`
          : `the trace was recorded under ${hints.scheduler}; the ${policy} policy is not built in yet`,
        { file: metaFile, hint: `built-in policies: ${policyNames().join(', ')}; or give --policy` },
      );
    const { trace, paired } = await readTraceRequests(args.trace, { format: flags.format, hints });
    // The recorded side gets the same priorities, so per-class figures compare like with like.
    const rules = parseIoprioRules(flags.ioprio ?? []);
    if (rules.length > 0) applyIoprioRules(paired.ios, paired.strings, rules);
    const cal = selfCalibrate(paired.ios, paired.info, trace.hints, paired.pieces);
    if (!cal)
      throw new UfqReplayError(
        'CALIBRATE_NO_REQUESTS',
        'the trace has too few requests with D and C events',
        {
          file: args.trace,
          hint: 'validate compares a replay with a blktrace, blkparse or block tracepoint capture',
        },
      );
    this.note(selfCalibrationNote(cal, 'device fitted to the trace'));
    const out = await simulate({
      trace: args.trace,
      policy,
      profile: cal.profile,
      mode: flags.mode as ReplayMode | undefined,
      seed: flags.seed,
      format: flags.format,
      ioprio: flags.ioprio,
      onNote: (line) => this.note(line),
    });
    const dev = replayedDevice(paired.ios);
    const recordedIos = replayedRows(paired.ios, {}, dev);
    const recordedFlushes = replayedFlushes(paired.flushes, dev, {});
    const recorded: IoSummary = summarizeIos(recordedIos, paired.strings, recordedFlushes);
    const result: ValidateResult = {
      trace: args.trace,
      policy,
      policyFrom: flags.policy ? 'flag' : 'meta.json',
      recordedScheduler: hints.scheduler ?? null,
      device: {
        name: cal.profile.name,
        type: cal.profile.type,
        holdOutDemerit: cal.report.holdOut.d2c.demerit,
        holdOutKs: cal.report.holdOut.d2c.ks,
      },
      mode: out.result.mode,
      seed: out.result.seed,
      ...compareIos(
        {
          summary: recorded,
          merges: paired.btt.merges,
          flushes: summarizeFlushes(recordedFlushes),
        },
        { summary: out.result, merges: out.result.merges, flushes: out.result.flushes },
      ),
      q2c: q2cFit(recordedIos, out.ios),
      warnings: out.result.warnings,
    };
    if (!this.jsonEnabled() && !flags.quiet) this.log(renderValidation(result));
    return result;
  }
}

function policyForScheduler(scheduler: string | undefined, trace: string): string {
  if (scheduler === undefined)
    throw new UfqReplayError(
      'FLAG_INVALID',
      'no --policy, and no meta.json beside the trace names its scheduler',
      {
        file: trace,
        hint: `give --policy (${policyNames().join(', ')})`,
      },
    );
  return POLICY_OF_SCHEDULER[scheduler] ?? scheduler;
}

function q2c(ios: IoTable): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < ios.length; i++) if (ios.tQ[i] >= 0 && ios.tC[i] >= 0) out.push(ios.tC[i] - ios.tQ[i]);
  return Float64Array.from(out);
}

function q2cFit(recorded: IoTable, simulated: IoTable): ValidateResult['q2c'] {
  const f = compareDistributions(q2c(recorded), q2c(simulated));
  return { demerit: f.demerit, ks: f.ks, meanAbsLogRatio: f.meanAbsLogRatio };
}
