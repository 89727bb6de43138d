// Group ids for the three groupings results report: per process (pid), per operation and
// per I/O priority class (devices-metrics-peers §3.5). Each returns a row -> group array for
// groups.ts plus the group's identity; no object per I/O.
import { IOPRIO_CLASS_NAME, type IoprioClassName, ioprioClass, OP_NAME } from '../trace/event.js';
import type { IoTable } from '../trace/io-table.js';

export interface ProcessKeys {
  groupOf: Int32Array;
  pids: number[];
  /** Most common process name of each group (StringTable index; majority vote). */
  comms: number[];
  /** Most common ioprio class of each group (majority vote). */
  classes: number[];
}

/**
 * Groups by pid. A pid's name is the one most of its I/Os carry (names the trace does not
 * know, index 0, only when none is known); likewise its priority class.
 */
export function processKeys(ios: IoTable): ProcessKeys {
  const groupOf = new Int32Array(ios.length);
  const byPid = new Map<number, number>();
  const pids: number[] = [];
  // Boyer-Moore majority vote per group: candidate and its lead.
  const comm: number[] = [];
  const commLead: number[] = [];
  const cls: number[] = [];
  const clsLead: number[] = [];
  let lastPid = -1;
  let lastGroup = -1;
  for (let i = 0; i < ios.length; i++) {
    const pid = ios.pid[i];
    let g = pid === lastPid ? lastGroup : byPid.get(pid);
    if (g === undefined) {
      g = pids.length;
      byPid.set(pid, g);
      pids.push(pid);
      comm.push(0);
      commLead.push(0);
      cls.push(0);
      clsLead.push(0);
    }
    lastPid = pid;
    lastGroup = g;
    groupOf[i] = g;
    const c = ios.comm[i];
    if (c !== 0) vote(comm, commLead, g, c);
    vote(cls, clsLead, g, knownClass(ioprioClass(ios.ioprio[i])));
  }
  return { groupOf, pids, comms: comm, classes: cls };
}

function vote(candidate: number[], lead: number[], g: number, v: number): void {
  if (lead[g] === 0) {
    candidate[g] = v;
    lead[g] = 1;
  } else if (candidate[g] === v) lead[g]++;
  else lead[g]--;
}

export interface NamedKeys {
  groupOf: Int32Array;
  names: string[];
}

/** Groups by operation (read, write, flush, discard, ...), named as OP_NAME. */
export function opKeys(ios: IoTable): NamedKeys {
  const keys = new Int32Array(ios.length);
  const op = ios.op;
  for (let i = 0; i < ios.length; i++) keys[i] = op[i];
  return keysBy(keys, (k) => OP_NAME[k] ?? `op${k}`);
}

/** Groups by I/O priority class ('rt', 'be', 'idle', 'none'). */
export function classKeys(ios: IoTable): NamedKeys {
  const keys = new Int32Array(ios.length);
  const prio = ios.ioprio;
  for (let i = 0; i < ios.length; i++) keys[i] = knownClass(ioprioClass(prio[i]));
  return keysBy(keys, className);
}

/** Dense group ids in order of first appearance of each key; `keys` is rewritten in place. */
function keysBy(keys: Int32Array, nameOf: (key: number) => string): NamedKeys {
  const byKey = new Map<number, number>();
  const names: string[] = [];
  let lastKey = 0;
  let lastGroup = -1;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    let g = k === lastKey && lastGroup >= 0 ? lastGroup : byKey.get(k);
    if (g === undefined) {
      g = names.length;
      byKey.set(k, g);
      names.push(nameOf(k));
    }
    lastKey = k;
    lastGroup = g;
    keys[i] = g;
  }
  return { groupOf: keys, names };
}

/** Classes 4..7 are not defined by the kernel (include/uapi/linux/ioprio.h); count them as none. */
function knownClass(cls: number): number {
  return cls < IOPRIO_CLASS_NAME.length ? cls : 0;
}

/** Name of a class number ('none' for undefined classes). */
export function className(cls: number): IoprioClassName {
  return IOPRIO_CLASS_NAME[knownClass(cls)];
}
