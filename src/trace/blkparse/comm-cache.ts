// Interns process names cut out of text lines without making a string per line: a small
// two-way table remembers the bytes of the last two names seen per pid slot (two, because the
// ftrace formats name a pid both by its running task and in the event body, and those can
// differ), and a line whose name matches costs one byte comparison. Only a new or changed
// name is decoded and interned in the source's StringTable.
import type { StringTable } from '../event.js';
import { textOf } from './scan.js';

/** Slots in the per-pid cache (a power of two; a collision only costs a re-intern). */
const SLOTS = 4096;
/** Names remembered per slot. */
const WAYS = 2;

/** What blkparse prints when no PROCESS note named the pid (glibc's printf of NULL). */
const NULL_NAME = '(null)';

export class CommCache {
  private readonly pids = new Int32Array(SLOTS * WAYS).fill(-1);
  private readonly names: Uint8Array[] = new Array<Uint8Array>(SLOTS * WAYS).fill(new Uint8Array(0));
  private readonly ids = new Uint32Array(SLOTS * WAYS);
  /** Per slot, the way the next new name replaces (the older one). */
  private readonly victim = new Uint8Array(SLOTS);

  constructor(private readonly strings: StringTable) {}

  /** StringTable index of the name in s[start, end) for `pid`; `(null)` and '' give 0. */
  intern(s: Uint8Array, start: number, end: number, pid: number): number {
    const slot = pid & (SLOTS - 1);
    const first = slot * WAYS;
    const len = end - start;
    for (let e = first; e < first + WAYS; e++) {
      if (this.pids[e] !== pid) continue;
      const cached = this.names[e];
      if (cached.length !== len) continue;
      let i = 0;
      while (i < len && cached[i] === s[start + i]) i++;
      if (i === len) return this.ids[e];
    }
    const name = textOf(s, start, end);
    const id = name === NULL_NAME ? 0 : this.strings.intern(name);
    const e = first + this.victim[slot];
    this.victim[slot] ^= 1;
    this.pids[e] = pid;
    this.names[e] = s.slice(start, end);
    this.ids[e] = id;
    return id;
  }
}
