// Built-in policies by name. `simple` is the short name of ufq_simple. Loading user policy
// files is not done here.

import type { UfqOps } from '../ufq/ops.js';
import { bfq } from './bfq/index.js';
import { kyber } from './kyber/index.js';
import { mq_deadline } from './mq-deadline/index.js';
import none from './none.js';
import { pfq } from './pfq/index.js';
import ufq_simple from './ufq_simple.js';

export { KFUNC_HOST } from './lib/index.js';

export interface PolicyInfo {
  /** Name as given to --policy. */
  name: string;
  /** One line for `policies`. */
  summary: string;
  /** A fresh instance with default parameters: kernel ports and pfq keep per-run state. */
  create: () => UfqOps;
  /** The UFQ revision the policy needs; selecting it implies `--ufq-rev N` unless one is given. */
  requiresRevision?: 1 | 3;
}

const BUILTINS: readonly PolicyInfo[] = [
  {
    name: 'none',
    summary: 'no policy: the UFQ elevator dispatches one request per CPU context in turn',
    create: () => none,
  },
  {
    name: 'ufq_simple',
    summary: 'UFQ example: head inserts first, then lowest sector, reads before writes',
    create: () => ufq_simple,
  },
  {
    name: 'mq-deadline',
    summary: 'the kernel mq-deadline: RT/BE/IDLE levels, deadlines, sorted batches',
    create: () => mq_deadline(),
  },
  {
    name: 'kyber',
    summary: 'the kernel Kyber: read/write/discard/other token pools sized by latency targets',
    create: () => kyber(),
  },
  {
    name: 'pfq',
    summary: 'UFQ example: 96 weighted fair queues by class, level and type; SPECIAL-read idling',
    create: () => pfq(),
    requiresRevision: 3,
  },
  {
    name: 'bfq',
    summary: 'the kernel BFQ: per-process queues, weights from ioprio, B-WF2Q+ budgets, idling',
    create: () => bfq(),
  },
];

/** Other names accepted for a built-in policy. */
const ALIASES: Readonly<Record<string, string>> = { simple: 'ufq_simple', deadline: 'mq-deadline' };

/** Built-in policies, in listing order. */
export function builtinPolicies(): readonly PolicyInfo[] {
  return BUILTINS;
}

/** Every name --policy accepts for a built-in, aliases included. */
export function policyNames(): string[] {
  return [...BUILTINS.map((p) => p.name), ...Object.keys(ALIASES)];
}

/** A built-in policy by name or alias, or undefined. */
export function getPolicyInfo(name: string): PolicyInfo | undefined {
  const real = ALIASES[name] ?? name;
  return BUILTINS.find((p) => p.name === real);
}

/** A fresh hook table of a built-in policy by name or alias, or undefined. */
export function getPolicy(name: string): UfqOps | undefined {
  return getPolicyInfo(name)?.create();
}
