// PFQ's parameters: the loader's interactive task names (pfq.c `-i NAME`, repeatable) and the
// pfq_tunables map entry (include/ufq/pfq_tunable.h), as one typed object with the loader's
// defaults and checks. Each disk snapshots the tunables when it initialises; a zero tunable
// selects the default there (pfq_apply_tunables). The real loader has no flags for the
// tunables and always seeds the defaults; here they are parameters so they can be explored.
// Ported from linux-blktests/linux-block tools/ufq_iosched/include/ufq/pfq_tunable.h and
// tools/ufq_iosched/pfq.c @ 533f33b6 (rev-3).

import {
  PFQ_BATCH_READ_DEFAULT,
  PFQ_BATCH_SYNC_WRITE_DEFAULT,
  PFQ_BATCH_WRITE_DEFAULT,
  PFQ_COMM_LEN,
  PFQ_IDLE_DELAY_MAX_MS_DEFAULT,
  PFQ_IDLE_DELAY_MIN_MS_DEFAULT,
  PFQ_INTERACTIVE_MAX,
  PFQ_WEIGHT_BASE_DEFAULT,
} from './defs.js';

/** struct pfq_tunables: u32 each; 0 selects the default when a disk initialises. */
export interface pfq_tunables {
  /** Weight of a level-7 queue; lower levels add a per-type coefficient. */
  weight_base: number;
  /** SPECIAL read idle hold, ms, inclusive range. */
  idle_delay_min_ms: number;
  idle_delay_max_ms: number;
  /** Requests per in-service batch, by I/O type. */
  batch_read: number;
  batch_sync_write: number;
  batch_write: number;
}

/** PFQ's params: `interactive` is the loader's `-i`, the rest is the tunables map entry. */
export interface PfqParams extends pfq_tunables {
  /**
   * Task names (exact, case-sensitive comm, 1-15 bytes, at most 64 distinct) whose I/O goes to
   * the SPECIAL class. Matched against the task running the hook: for I/O a kernel worker
   * submits, the worker's name.
   */
  interactive: readonly string[];
}

/** What pfq.c init_tunables seeds, and no interactive names. */
export const PFQ_PARAMS_DEFAULT: Readonly<PfqParams> = Object.freeze({
  interactive: Object.freeze([]) as readonly string[],
  weight_base: PFQ_WEIGHT_BASE_DEFAULT,
  idle_delay_min_ms: PFQ_IDLE_DELAY_MIN_MS_DEFAULT,
  idle_delay_max_ms: PFQ_IDLE_DELAY_MAX_MS_DEFAULT,
  batch_read: PFQ_BATCH_READ_DEFAULT,
  batch_sync_write: PFQ_BATCH_SYNC_WRITE_DEFAULT,
  batch_write: PFQ_BATCH_WRITE_DEFAULT,
});

export const PFQ_TUNABLE_NAMES: readonly (keyof pfq_tunables)[] = [
  'weight_base',
  'idle_delay_min_ms',
  'idle_delay_max_ms',
  'batch_read',
  'batch_sync_write',
  'batch_write',
];

const U32_MAX = 0xffffffff;

/** UTF-8 length of a name: comm is bytes. */
function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/**
 * Every problem with `params`, one message each (empty when valid): pfq.c add_interactive_comm's
 * rules for names, u32 range for tunables. Callers turn these into a usage error.
 */
export function pfq_check_params(params: Partial<PfqParams>): string[] {
  const problems: string[] = [];
  const names = params.interactive ?? [];
  for (const name of names) {
    const len = byteLength(name);
    if (len === 0 || len >= PFQ_COMM_LEN)
      problems.push(`interactive name '${name}' is ${len} bytes, expected 1-${PFQ_COMM_LEN - 1}`);
  }
  if (new Set(names).size > PFQ_INTERACTIVE_MAX)
    problems.push(`at most ${PFQ_INTERACTIVE_MAX} distinct interactive names are supported`);
  for (const k of PFQ_TUNABLE_NAMES) {
    const v = params[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > U32_MAX))
      problems.push(`${k} ${v} is not an integer in 0..${U32_MAX}`);
  }
  return problems;
}

/**
 * The params with defaults filled in and duplicate names dropped (the loader ignores a repeated
 * `-i`). Throws RangeError listing pfq_check_params' problems; check first to report them.
 */
export function pfq_params(params: Partial<PfqParams> = {}): Readonly<PfqParams> {
  const problems = pfq_check_params(params);
  if (problems.length > 0) throw new RangeError(`pfq: ${problems.join('; ')}`);
  const p: PfqParams = { ...PFQ_PARAMS_DEFAULT, interactive: [...new Set(params.interactive ?? [])] };
  for (const k of PFQ_TUNABLE_NAMES) {
    const v = params[k];
    if (v !== undefined) p[k] = v;
  }
  Object.freeze(p.interactive);
  return Object.freeze(p);
}
