// Built-in policies loaded with parameters: the sysfs attributes of a kernel port
// (mq-deadline's fifo_batch, read_expire, ...) or the loader tunables of a UFQ example
// (pfq's weight_base, batch_read, ...), as `replay({ policyParams })` passes them. A policy
// without parameters, or a name it does not know, is a usage error that lists what it takes.
import { UfqReplayError } from '../errors.js';
import { BFQ_PARAM_BOUNDS, bfq } from '../policies/bfq/index.js';
import { KYBER_PARAMS_DEFAULT, kyber } from '../policies/kyber/index.js';
import { DD_PARAM_BOUNDS, mq_deadline } from '../policies/mq-deadline/index.js';
import { PFQ_TUNABLE_NAMES, pfq, pfq_check_params } from '../policies/pfq/index.js';
import { getPolicyInfo } from '../policies/registry.js';
import type { UfqOps } from '../ufq/ops.js';

/** Parameter values by name: numbers in the policy's own units, or lists of names (pfq interactive). */
export type PolicyParams = Readonly<Record<string, number | readonly string[]>>;

interface Loader {
  names: readonly string[];
  load(params: PolicyParams): UfqOps;
}

const LOADERS: Readonly<Record<string, Loader>> = {
  'mq-deadline': {
    names: Object.keys(DD_PARAM_BOUNDS),
    load: (params) => mq_deadline(params as Record<string, number>),
  },
  kyber: {
    names: Object.keys(KYBER_PARAMS_DEFAULT),
    load: (params) => kyber(params as Record<string, number>),
  },
  bfq: {
    names: Object.keys(BFQ_PARAM_BOUNDS),
    load: (params) => bfq(params as Record<string, number>),
  },
  pfq: {
    names: [...PFQ_TUNABLE_NAMES, 'interactive'],
    load: (params) => {
      const problems = pfq_check_params(params);
      if (problems.length > 0)
        throw new UfqReplayError('FLAG_INVALID', `pfq parameters: ${problems.join('; ')}`, {
          hint: 'see docs/policies.md for pfq tunables and their ranges',
        });
      return pfq(params);
    },
  },
};

/**
 * A fresh instance of built-in policy `name` loaded with `params`. Throws POLICY_NOT_FOUND for
 * an unknown policy and FLAG_INVALID for a policy without parameters, an unknown parameter
 * name or a value of the wrong kind.
 */
export function policyWithParams(name: string, params: PolicyParams): UfqOps {
  const info = getPolicyInfo(name);
  if (info === undefined)
    throw new UfqReplayError('POLICY_NOT_FOUND', `no built-in policy named '${name}'`, {
      hint: 'list them with `ufq-replay policies`',
    });
  const loader = LOADERS[info.name];
  if (loader === undefined)
    throw new UfqReplayError('FLAG_INVALID', `policy ${info.name} takes no parameters`, {
      hint: `parameters are taken by: ${Object.keys(LOADERS).join(', ')}`,
    });
  for (const [k, v] of Object.entries(params)) {
    if (!loader.names.includes(k))
      throw new UfqReplayError('FLAG_INVALID', `policy ${info.name} has no parameter '${k}'`, {
        hint: `its parameters: ${loader.names.join(', ')}`,
      });
    const listParam = k === 'interactive';
    if (listParam ? !Array.isArray(v) : typeof v !== 'number' || !Number.isFinite(v))
      throw new UfqReplayError(
        'FLAG_INVALID',
        `policy parameter ${k} must be ${listParam ? 'a list of names' : 'a number'}`,
        {
          hint: `got ${JSON.stringify(v)}`,
        },
      );
  }
  return loader.load(params);
}

/** The parameter names built-in policy `name` takes (empty for none or an unknown policy). */
export function policyParamNames(name: string): readonly string[] {
  const info = getPolicyInfo(name);
  return info === undefined ? [] : (LOADERS[info.name]?.names ?? []);
}

/**
 * Splits one set of parameters across several policies (compare): each policy gets the
 * parameters it takes. A parameter no listed policy takes is a usage error.
 */
export function paramsForPolicies(names: readonly string[], params: PolicyParams): Map<string, PolicyParams> {
  const out = new Map<string, PolicyParams>();
  for (const k of Object.keys(params))
    if (!names.some((n) => policyParamNames(n).includes(k)))
      throw new UfqReplayError('FLAG_INVALID', `no listed policy takes the parameter '${k}'`, {
        hint: `policies with parameters: ${Object.keys(LOADERS).join(', ')}`,
      });
  for (const n of names) {
    const taken = policyParamNames(n);
    const mine = Object.fromEntries(Object.entries(params).filter(([k]) => taken.includes(k)));
    if (Object.keys(mine).length > 0) out.set(n, mine);
  }
  return out;
}
