// The replay flags `run` and `compare` share, with one name and meaning in both: the replay
// mode and time scale, the UFQ revision, the sysfs queue limits, --ioprio, and the flags that
// load a built-in policy with parameters (`--param NAME=VALUE` in sysfs names and units,
// `--interactive NAME` as pfq's loader -i, `--bfq-low-latency true|false`).
import { Flags } from '@oclif/core';
import { UfqReplayError } from '../errors.js';
import { REPLAY_MODES, type ReplayMode } from '../replay/plan.js';
import type { PolicyParams } from '../replay/policy-params.js';
import type { QueueLimitValues } from '../replay/trace-meta.js';

export const replayFlags = {
  mode: Flags.string({
    options: [...REPLAY_MODES],
    description: 'open, closed or afap (default closed when the trace has completions, else open).',
  }),
  'time-scale': Flags.string({
    description: 'Multiply recorded inter-arrival and think times by X (open and closed).',
    default: '1',
  }),
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
};

interface ReplayFlagValues {
  mode?: string;
  'time-scale': string;
  'ufq-rev'?: number;
  'nr-requests'?: number;
  'max-sectors-kb'?: number;
  'queue-depth'?: number;
  nomerges?: number;
  ioprio?: string[];
}

/** The replay options the shared flags set; FLAG_INVALID for a time scale that is not positive. */
export function replayOptionsFromFlags(flags: ReplayFlagValues): {
  mode: ReplayMode | undefined;
  timeScale: number;
  ufqRevision: 1 | 3 | undefined;
  limits: QueueLimitValues;
  ioprio: string[];
} {
  const timeScale = Number(flags['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale <= 0)
    throw new UfqReplayError('FLAG_INVALID', `--time-scale ${flags['time-scale']} is not a positive number`, {
      hint: 'give a multiplier such as 0.5 (twice as fast) or 2 (half as fast)',
    });
  return {
    mode: flags.mode as ReplayMode | undefined,
    timeScale,
    ufqRevision: flags['ufq-rev'] as 1 | 3 | undefined,
    limits: {
      nr_requests: flags['nr-requests'],
      max_sectors_kb: flags['max-sectors-kb'],
      queue_depth: flags['queue-depth'],
      nomerges: flags.nomerges,
    },
    ioprio: flags.ioprio ?? [],
  };
}

export const policyParamFlags = {
  param: Flags.string({
    description:
      'A policy parameter as NAME=VALUE, in the sysfs name and unit (mq-deadline fifo_batch=8, read_expire=500; kyber read_lat_nsec; bfq slice_idle; pfq weight_base). Repeatable.',
    multiple: true,
  }),
  interactive: Flags.string({
    description: "pfq: a process name whose reads are interactive (SPECIAL), as pfq's loader -i. Repeatable.",
    multiple: true,
  }),
  'bfq-low-latency': Flags.string({
    description: 'bfq: low_latency weight raising (default true).',
    options: ['true', 'false'],
  }),
};

interface PolicyParamFlagValues {
  param?: string[];
  interactive?: string[];
  'bfq-low-latency'?: string;
}

/** The policy parameters the flags name, or undefined when none was given. */
export function policyParamsFromFlags(flags: PolicyParamFlagValues): PolicyParams | undefined {
  const params: Record<string, number | readonly string[]> = {};
  for (const spec of flags.param ?? []) {
    const eq = spec.indexOf('=');
    const value = Number(spec.slice(eq + 1));
    if (eq <= 0 || spec.slice(eq + 1).trim() === '' || !Number.isFinite(value))
      throw new UfqReplayError('FLAG_INVALID', `--param ${spec} is not NAME=NUMBER`, {
        hint: 'for example --param fifo_batch=8',
      });
    params[spec.slice(0, eq)] = value;
  }
  if (flags.interactive && flags.interactive.length > 0) params.interactive = flags.interactive;
  if (flags['bfq-low-latency'] !== undefined)
    params.low_latency = flags['bfq-low-latency'] === 'true' ? 1 : 0;
  return Object.keys(params).length > 0 ? params : undefined;
}
