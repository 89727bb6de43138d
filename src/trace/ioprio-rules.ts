// `--ioprio` rules: give an I/O priority to I/Os whose trace did not record one (blktrace
// binary and blkparse text carry none; only block tracepoints do). A rule names a process
// by pid or by comm and a class with an optional level: `pid:1234=rt/0`, `comm:fio=be/4`,
// `comm:kworker*=idle`. Parsing and applying only; the flag itself lives in the commands.
import { UfqReplayError } from '../errors.js';
import { IOPRIO_CLASS, type IoprioClassName, ioprioValue, type StringTable } from './event.js';
import type { IoTable } from './io-table.js';

export interface IoprioRule {
  /** The spec as the user wrote it (for messages). */
  spec: string;
  /** pid rules win over comm rules (a pid is the more specific name). */
  kind: 'pid' | 'comm';
  pid: number;
  /** Process name; with `prefix`, the part before a trailing `*`. */
  comm: string;
  prefix: boolean;
  /** Kernel-encoded priority (event.ts ioprioValue). */
  ioprio: number;
}

/** Level used when a spec gives none for rt/be: include/uapi/linux/ioprio.h IOPRIO_NORM (4). */
const DEFAULT_LEVEL = 4;
/** Levels 0..7 (include/uapi/linux/ioprio.h IOPRIO_NR_LEVELS = 8). */
const MAX_LEVEL = 7;

const HINT =
  "write pid:PID=CLASS[/LEVEL] or comm:NAME=CLASS[/LEVEL] (NAME may end in '*'); CLASS is rt, be, idle or none, LEVEL 0-7, e.g. comm:fio=be/4";

function bad(spec: string, why: string): UfqReplayError {
  return new UfqReplayError('IOPRIO_BAD_SPEC', `--ioprio '${spec}': ${why}`, { hint: HINT });
}

/** Parses one `--ioprio` spec; throws IOPRIO_BAD_SPEC (exit 2) when it is malformed. */
export function parseIoprioRule(spec: string): IoprioRule {
  const eq = spec.lastIndexOf('=');
  if (eq < 0) throw bad(spec, "expected '=' between the process and the class");
  const who = spec.slice(0, eq);
  const prio = spec
    .slice(eq + 1)
    .trim()
    .toLowerCase();
  const colon = who.indexOf(':');
  if (colon < 0) throw bad(spec, "expected 'pid:' or 'comm:' before the process");
  const kind = who.slice(0, colon).trim().toLowerCase();
  const name = who.slice(colon + 1);
  const rule: IoprioRule = { spec, kind: 'pid', pid: 0, comm: '', prefix: false, ioprio: 0 };
  if (kind === 'pid') {
    if (!/^\d+$/.test(name.trim())) throw bad(spec, `pid '${name}' is not a non-negative integer`);
    rule.pid = Number(name.trim());
  } else if (kind === 'comm') {
    if (name.length === 0) throw bad(spec, 'empty process name');
    rule.kind = 'comm';
    rule.prefix = name.endsWith('*');
    rule.comm = rule.prefix ? name.slice(0, -1) : name;
  } else throw bad(spec, `unknown selector '${kind}', expected pid or comm`);

  const slash = prio.indexOf('/');
  const clsName = slash < 0 ? prio : prio.slice(0, slash);
  const cls = IOPRIO_CLASS[clsName.toUpperCase() as Uppercase<IoprioClassName>];
  if (cls === undefined) throw bad(spec, `unknown class '${clsName}', expected rt, be, idle or none`);
  let level = cls === IOPRIO_CLASS.RT || cls === IOPRIO_CLASS.BE ? DEFAULT_LEVEL : 0;
  if (slash >= 0) {
    const lv = prio.slice(slash + 1);
    if (!/^\d+$/.test(lv) || Number(lv) > MAX_LEVEL) throw bad(spec, `level '${lv}' is not 0-7`);
    level = Number(lv);
  }
  rule.ioprio = cls === IOPRIO_CLASS.NONE ? 0 : ioprioValue(cls, level);
  return rule;
}

/** Parses every spec, in order. */
export function parseIoprioRules(specs: readonly string[]): IoprioRule[] {
  return specs.map(parseIoprioRule);
}

/** The priority the rules give process (pid, comm); undefined when no rule matches. */
export function ioprioForProcess(
  rules: readonly IoprioRule[],
  pid: number,
  comm: string,
): number | undefined {
  for (const r of rules) if (r.kind === 'pid' && r.pid === pid) return r.ioprio;
  for (const r of rules) {
    if (r.kind !== 'comm') continue;
    if (r.prefix ? comm.startsWith(r.comm) : comm === r.comm) return r.ioprio;
  }
  return undefined;
}

/**
 * Sets the priority of every I/O whose priority is 0 (not recorded) and whose process a
 * rule names. Returns how many I/Os were changed.
 */
export function applyIoprioRules(ios: IoTable, strings: StringTable, rules: readonly IoprioRule[]): number {
  if (rules.length === 0) return 0;
  // One answer per (pid, comm) pair seen; traces have few processes and many I/Os.
  const cache = new Map<number, Map<number, number | undefined>>();
  let changed = 0;
  for (let i = 0; i < ios.length; i++) {
    if (ios.ioprio[i] !== 0) continue;
    const pid = ios.pid[i];
    const comm = ios.comm[i];
    let byComm = cache.get(pid);
    if (!byComm) {
      byComm = new Map();
      cache.set(pid, byComm);
    }
    let prio: number | undefined;
    if (byComm.has(comm)) prio = byComm.get(comm);
    else {
      prio = ioprioForProcess(rules, pid, strings.get(comm));
      byComm.set(comm, prio);
    }
    if (prio !== undefined && prio !== 0) {
      ios.ioprio[i] = prio;
      changed++;
    }
  }
  return changed;
}
