// Process names from PROCESS notes (trace-formats §1.7), time-aware because pids are reused:
// a later note for the same pid applies from its time on. blkparse keeps the first name it
// sees for a pid (blkparse.c add_ppm_hash); the two agree unless a pid is reused mid-trace.

/** Notes of a pid that was named more than once, in time order. */
interface Renamed {
  timesNs: number[];
  comms: number[];
}

export class ProcessNames {
  // Most pids are named once: a plain number. A Renamed entry only after a second, different name.
  private readonly byPid = new Map<number, number | Renamed>();
  /** True once some pid has had two different names. */
  renamed = false;

  /** Records that `pid` is called `comm` (a StringTable index) from `timeNs` on. */
  note(pid: number, timeNs: number, comm: number): void {
    const cur = this.byPid.get(pid);
    if (cur === undefined) {
      this.byPid.set(pid, comm);
      return;
    }
    if (typeof cur === 'number') {
      if (cur === comm) return;
      this.renamed = true;
      // The first note's time is not kept for single names: before it, that name applies
      // too (blkparse reads notes ahead of the events they name).
      this.byPid.set(pid, { timesNs: [Number.NEGATIVE_INFINITY, timeNs], comms: [cur, comm] });
      return;
    }
    let i = cur.timesNs.length;
    while (i > 0 && cur.timesNs[i - 1] > timeNs) i--;
    if (cur.comms[i - 1] === comm) return;
    cur.timesNs.splice(i, 0, timeNs);
    cur.comms.splice(i, 0, comm);
  }

  /** StringTable index of the name of `pid` at `timeNs` (same time base as note); 0 = unknown. */
  lookup(pid: number, timeNs: number): number {
    const cur = this.byPid.get(pid);
    if (cur === undefined) return 0;
    if (typeof cur === 'number') return cur;
    // The latest note at or before the time; a note at the same time as the event applies.
    let i = cur.timesNs.length - 1;
    while (i > 0 && cur.timesNs[i] > timeNs) i--;
    return cur.comms[i];
  }

  /** Number of pids with a name. */
  get size(): number {
    return this.byPid.size;
  }
}
