// Group ids for the three groupings results report: per process (pid), per operation and
// per I/O priority class (devices-metrics-peers §3.5), all three from one pass over the rows.
// Each is a row -> group array for groups.ts plus the groups' identities; no object per I/O.
import { IOPRIO_CLASS_NAME, type IoprioClassName, ioprioClass, OP_NAME } from '../trace/event.js';
import type { IoTable } from '../trace/io-table.js';

export interface ProcessKeys {
  groupOf: Int32Array;
  pids: number[];
  /** Most common process name of each group (StringTable index; ties: the first seen). */
  comms: number[];
  /** Most common ioprio class of each group (ties: the first seen). */
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
  // Names per process: the first known one and its count; a process with several names gets
  // a count per name (rare: a thread renamed, or pids reused within the trace).
  const comm: number[] = [];
  const commCount: number[] = [];
  const commCounts = new Map<number, Map<number, number>>();
  // Rows per process and priority class, and the row where each class first appeared.
  const clsCount: number[] = [];
  const clsFirst: number[] = [];
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
        commCount.push(0);
        for (let k = 0; k < IOPRIO_CLASS_NAME.length; k++) {
          clsCount.push(0);
          clsFirst.push(-1);
        }
      } else g = known;
      lastPid = pid;
    }
    procOf[i] = g;
    const c = commCol[i];
    if (c !== 0) {
      if (c === comm[g]) commCount[g]++;
      else if (comm[g] === 0) {
        comm[g] = c;
        commCount[g] = 1;
      } else {
        countName(commCounts, g, comm[g], commCount[g], c);
        // From now on every name of this process is counted in its map (MIXED matches none).
        comm[g] = MIXED;
      }
    }
    const k = knownClass(ioprioClass(ioprio[i]));
    const ck = g * IOPRIO_CLASS_NAME.length + k;
    if (clsCount[ck]++ === 0) clsFirst[ck] = i;
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
  for (const [group, counts] of commCounts) comm[group] = mostCommon(counts);
  const cls = pids.map((_, group) => mostCommonClass(clsCount, clsFirst, group));
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

/** A process's name while its names are counted in a map (no StringTable index is negative). */
const MIXED = -1;

/**
 * A row of process `g` with name `c`, other than its first name or once the process has
 * several: counts per name in a map, which starts with the first name (`first`, seen
 * `firstCount` times).
 */
function countName(
  all: Map<number, Map<number, number>>,
  g: number,
  first: number,
  firstCount: number,
  c: number,
): void {
  let counts = all.get(g);
  if (counts === undefined) {
    counts = new Map([[first, firstCount]]);
    all.set(g, counts);
  }
  counts.set(c, (counts.get(c) ?? 0) + 1);
}

/** The name with the most rows; ties go to the one seen first (a Map keeps insertion order). */
function mostCommon(counts: Map<number, number>): number {
  let best = 0;
  let most = -1;
  for (const [v, n] of counts)
    if (n > most) {
      best = v;
      most = n;
    }
  return best;
}

/** The class with the most rows of process `g`; ties go to the class that appeared first. */
function mostCommonClass(count: number[], first: number[], g: number): number {
  const base = g * IOPRIO_CLASS_NAME.length;
  let best = 0;
  for (let k = 1; k < IOPRIO_CLASS_NAME.length; k++) {
    const n = count[base + k];
    const m = count[base + best];
    if (n > m || (n === m && n > 0 && first[base + k] < first[base + best])) best = k;
  }
  return best;
}

/** Classes 4..7 are not defined by the kernel (include/uapi/linux/ioprio.h); count them as none. */
function knownClass(cls: number): number {
  return cls < IOPRIO_CLASS_NAME.length ? cls : 0;
}

/** Name of a class number ('none' for undefined classes). */
export function className(cls: number): IoprioClassName {
  return IOPRIO_CLASS_NAME[knownClass(cls)];
}
