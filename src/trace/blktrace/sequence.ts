// Lost-event accounting from blktrace sequence numbers, per (device, cpu) (trace-formats §1.10
// item 6). The kernel counts every record of a CPU; on recent kernels notify records take a
// number too (seen on 6.18 captures), so a note's number is not a lost event. In a
// `blkparse -d` dump notes (and, from blkparse 1.2.0, messages) are written ahead of the events
// around them, so their numbers are remembered and discounted when the gap they sit in shows
// up. A bfq trace has a few messages per event: up to a read-ahead batch of them can wait.
import { devName, type WarningCounts } from '../event.js';

/** Sequence state of one (device, cpu). */
export interface SeqState {
  readonly key: string;
  /** Last event sequence seen; -1 before the first. */
  last: number;
  /** Note sequences not yet passed by an event, ascending from `notesHead`. */
  notes: number[];
  /** Index in `notes` of the first note still waiting (the ones before it are passed). */
  notesHead: number;
}

/** Passed notes kept before `notes` is compacted (a count; compaction is a copy). */
const COMPACT_AFTER = 1024;

export class SequenceTracker {
  /** Lost events per `maj,min,cpu`. */
  readonly lost: Record<string, number> = {};
  private readonly states = new Map<number, SeqState>();

  constructor(private readonly warnings: WarningCounts) {}

  /** The state for a device and cpu (callers cache it: consecutive records share it). */
  state(device: number, cpu: number): SeqState {
    // dev_t is 32 bits and cpu 16 bits in practice: the key stays below 2^53.
    const k = device * 65536 + (cpu & 0xffff);
    let s = this.states.get(k);
    if (s === undefined) {
      s = { key: `${devName(device)},${cpu}`, last: -1, notes: [], notesHead: 0 };
      this.states.set(k, s);
    }
    return s;
  }

  /** An event's sequence that is not `last + 1` (the caller handles the common case). */
  gap(s: SeqState, seq: number): void {
    if (seq === 0) return; // ftrace "bin" records and old notify records carry no number
    if (s.last < 0 || seq <= s.last) {
      // The first event of a fragment need not be 1; a smaller number means a restarted trace.
      if (s.last >= 0)
        this.warnings.BLKTRACE_SEQUENCE_RESTART = (this.warnings.BLKTRACE_SEQUENCE_RESTART ?? 0) + 1;
      this.passNotes(s, seq);
      s.last = seq;
      return;
    }
    // Waiting notes numbered between the last event and this one filled the gap.
    const missing = seq - s.last - 1 - this.passNotes(s, seq);
    s.last = seq;
    if (missing > 0) {
      this.lost[s.key] = (this.lost[s.key] ?? 0) + missing;
      this.warnings.BLKTRACE_LOST_EVENTS = (this.warnings.BLKTRACE_LOST_EVENTS ?? 0) + missing;
    }
  }

  /** A notify record's sequence (a note, or a message read ahead in a dump). */
  note(s: SeqState, seq: number): void {
    if (seq === 0) return;
    if (seq === s.last + 1 && s.last >= 0) {
      s.last = seq;
      return;
    }
    if (seq <= s.last) return;
    const notes = s.notes;
    let i = notes.length;
    // Notes of one CPU arrive in order; only a restarted trace sends a smaller one.
    while (i > s.notesHead && notes[i - 1] > seq) i--;
    if (i === notes.length) notes.push(seq);
    else notes.splice(i, 0, seq);
  }

  /**
   * Drops the waiting notes numbered up to `seq` (an event has passed them) and returns how
   * many of them lie after the last event, i.e. inside the gap that ends at `seq`.
   */
  private passNotes(s: SeqState, seq: number): number {
    const notes = s.notes;
    let h = s.notesHead;
    let inGap = 0;
    while (h < notes.length && notes[h] <= seq) {
      if (notes[h] > s.last && notes[h] < seq) inGap++;
      h++;
    }
    if (h === notes.length) {
      notes.length = 0;
      h = 0;
    } else if (h >= COMPACT_AFTER) {
      notes.splice(0, h);
      h = 0;
    }
    s.notesHead = h;
    return inGap;
  }

  /** True when any gap was seen. */
  get hasLost(): boolean {
    return Object.keys(this.lost).length > 0;
  }
}
