// The order in which blkparse interleaves per-CPU streams in file mode, reproduced exactly so
// that our event stream equals its text output line by line (trace-formats §1.10).
// blkparse.c ms_sort/ms_resort/handle: the streams sit in a list sorted by the time of their
// next event; the head stream keeps emitting while its next time is not later than the second
// stream's; ties therefore stay with the current stream, and a stream that is re-inserted goes
// after the first stream whose time is not later than its own. The result is a stable
// time-ordered merge: times never go backwards and each stream keeps its own order.

/** A stream with a next event: its raw time. */
export interface MergeStream {
  readonly headTime: number;
}

export class StreamOrder<S extends MergeStream> {
  /** Streams with a pending event, the next one to emit first. */
  readonly list: S[] = [];

  /** Inserts a stream that has a pending event (blkparse.c ms_sort). */
  insert(s: S): void {
    const list = this.list;
    const t = s.headTime;
    if (list.length === 0 || t < list[0].headTime) {
      list.unshift(s);
      return;
    }
    // Walk past streams strictly earlier than `t`, starting after the head.
    let i = 0;
    while (i + 1 < list.length && list[i + 1].headTime < t) i++;
    list.splice(i + 1, 0, s);
  }

  /**
   * After the head stream moved to its next event (blkparse.c ms_resort): the same place as
   * taking it out and insert()ing it again, found and filled in place (this runs once per run
   * of events, so often).
   */
  resortHead(): void {
    const list = this.list;
    const s = list[0];
    const t = s.headTime;
    if (list.length < 2 || t <= list[1].headTime) return;
    // Without the head, list[1] is first and not later than t: s goes after it and after
    // every following stream strictly earlier than t.
    let i = 1;
    while (i + 1 < list.length && list[i + 1].headTime < t) {
      list[i - 1] = list[i];
      i++;
    }
    list[i - 1] = list[i];
    list[i] = s;
  }

  /** The head stream has no more events. */
  dropHead(): void {
    this.list.shift();
  }

  get size(): number {
    return this.list.length;
  }
}
