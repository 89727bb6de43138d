// Group ids for the three groupings results report: per process (pid), per operation and
// per I/O priority class (devices-metrics-peers §3.5), all three from one pass over the rows.
// Each is a row -> group array for groups.ts plus the groups' identities; no object per I/O.
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

/** The three groupings a summary reports, from one pass over the rows. */
export interface SummaryKeys {
  proc: ProcessKeys;
  ops: NamedKeys;
  classes: NamedKeys;
}

/** Operation codes are a byte (io-table `op`): a lookup table of 256 entries. */
const OP_CODES = 256;

/**
 * Groups by pid, by operation and by priority class in one pass (what summarizeIos needs):
 * see processKeys, opKeys and classKeys.
 */
export function summaryKeys(ios: IoTable): SummaryKeys {
  const n = ios.length;
  const procOf = new Int32Array(n);
  const opOf = new Int32Array(n);
  const classOf = new Int32Array(n);
  const byPid = new Map<number, number>();
  const pids: number[] = [];
  // Boyer-Moore majority vote per process: candidate and its lead.
  const comm: number[] = [];
  const commLead: number[] = [];
  const cls: number[] = [];
  const clsLead: number[] = [];
  // Dense ids in order of first appearance; -1 not seen yet.
  const opGroup = new Int32Array(OP_CODES).fill(-1);
  const opCodes: number[] = [];
  const classGroup = new Int32Array(IOPRIO_CLASS_NAME.length).fill(-1);
  const classCodes: number[] = [];
  const { pid: pidCol, comm: commCol, op: opCol, ioprio } = ios;
  let lastPid = -1;
  let g = -1;
  for (let i = 0; i < n; i++) {
    const pid = pidCol[i];
    if (pid !== lastPid) {
      const known = byPid.get(pid);
      if (known === undefined) {
        g = pids.length;
        byPid.set(pid, g);
        pids.push(pid);
        comm.push(0);
        commLead.push(0);
        cls.push(0);
        clsLead.push(0);
      } else g = known;
      lastPid = pid;
    }
    procOf[i] = g;
    const c = commCol[i];
    if (c !== 0) vote(comm, commLead, g, c);
    const k = knownClass(ioprioClass(ioprio[i]));
    vote(cls, clsLead, g, k);
    let kg = classGroup[k];
    if (kg < 0) {
      kg = classGroup[k] = classCodes.length;
      classCodes.push(k);
    }
    classOf[i] = kg;
    const op = opCol[i];
    let og = opGroup[op];
    if (og < 0) {
      og = opGroup[op] = opCodes.length;
      opCodes.push(op);
    }
    opOf[i] = og;
  }
  return {
    proc: { groupOf: procOf, pids, comms: comm, classes: cls },
    ops: { groupOf: opOf, names: opCodes.map((k) => OP_NAME[k] ?? `op${k}`) },
    classes: { groupOf: classOf, names: classCodes.map(className) },
  };
}

/**
 * Groups by pid. A pid's name is the one most of its I/Os carry (names the trace does not
 * know, index 0, only when none is known); likewise its priority class.
 */
export function processKeys(ios: IoTable): ProcessKeys {
  return summaryKeys(ios).proc;
}

export interface NamedKeys {
  groupOf: Int32Array;
  names: string[];
}

/** Groups by operation (read, write, flush, discard, ...), named as OP_NAME; ids in order of first appearance. */
export function opKeys(ios: IoTable): NamedKeys {
  return summaryKeys(ios).ops;
}

/** Groups by I/O priority class ('rt', 'be', 'idle', 'none'); ids in order of first appearance. */
export function classKeys(ios: IoTable): NamedKeys {
  return summaryKeys(ios).classes;
}

/** Boyer-Moore majority vote: a new candidate when the lead is 0, else the lead grows or shrinks. */
function vote(candidate: number[], lead: number[], g: number, v: number): void {
  if (lead[g] === 0) {
    candidate[g] = v;
    lead[g] = 1;
  } else if (candidate[g] === v) lead[g]++;
  else lead[g]--;
}

/** Classes 4..7 are not defined by the kernel (include/uapi/linux/ioprio.h); count them as none. */
function knownClass(cls: number): number {
  return cls < IOPRIO_CLASS_NAME.length ? cls : 0;
}

/** Name of a class number ('none' for undefined classes). */
export function className(cls: number): IoprioClassName {
  return IOPRIO_CLASS_NAME[knownClass(cls)];
}
