// Interns process names cut out of text lines without making a substring per line: a small
// table remembers the last name seen per pid slot, and a line whose name matches it costs one
// startsWith. Only a new or changed name is sliced and interned in the source's StringTable.
import type { StringTable } from '../event.js';

/** Slots in the per-pid cache (a power of two; a collision only costs a re-intern). */
const SLOTS = 4096;

/** What blkparse prints when no PROCESS note named the pid (glibc's printf of NULL). */
const NULL_NAME = '(null)';

export class CommCache {
  private readonly pids = new Int32Array(SLOTS).fill(-1);
  private readonly names: string[] = new Array<string>(SLOTS).fill('');
  private readonly ids = new Uint32Array(SLOTS);

  constructor(private readonly strings: StringTable) {}

  /** StringTable index of `s.slice(start, end)` as the name of `pid`; `(null)` and '' give 0. */
  intern(s: string, start: number, end: number, pid: number): number {
    const slot = pid & (SLOTS - 1);
    const len = end - start;
    if (this.pids[slot] === pid) {
      const cached = this.names[slot];
      if (cached.length === len && s.startsWith(cached, start)) return this.ids[slot];
    }
    const name = s.slice(start, end);
    const id = name === NULL_NAME ? 0 : this.strings.intern(name);
    this.pids[slot] = pid;
    this.names[slot] = name;
    this.ids[slot] = id;
    return id;
  }
}
