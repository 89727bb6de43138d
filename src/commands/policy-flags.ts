// Flags that load a built-in policy with parameters, shared by `run` and `compare`:
// `--param NAME=VALUE` (sysfs attributes of a kernel port, tunables of a UFQ example),
// `--interactive NAME` (pfq's loader -i) and `--bfq-low-latency true|false`.
import { Flags } from '@oclif/core';
import { UfqReplayError } from '../errors.js';
import type { PolicyParams } from '../replay/policy-params.js';

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
