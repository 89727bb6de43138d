// Lost-event accounting from blktrace sequence numbers, per (device, cpu) (trace-formats §1.10
// item 6). The kernel counts every record of a CPU; on recent kernels notify records take a
// number too (seen on 6.18 captures), so a note's number is not a lost event. In a
// `blkparse -d` dump notes are written ahead of the events around them, so their numbers are
// remembered and discounted when the gap they sit in shows up.
import { devName, type WarningCounts } from '../event.js';

/** Sequence state of one (device, cpu). */
export interface SeqState {
  readonly key: string;
  /** Last event sequence seen; -1 before the first. */
  last: number;
  /** Note sequences not yet passed by an event (few: one per named task). */
  notes: number[];
}

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
      s = { key: `${devName(device)},${cpu}`, last: -1, notes: [] };
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
      s.notes = s.notes.filter((n) => n > seq);
      s.last = seq;
      return;
    }
    let missing = seq - s.last - 1;
    if (s.notes.length > 0) {
      const kept: number[] = [];
      for (const n of s.notes) {
        if (n > s.last && n < seq) missing--;
        else if (n > seq) kept.push(n);
      }
      s.notes = kept;
    }
    s.last = seq;
    if (missing > 0) {
      this.lost[s.key] = (this.lost[s.key] ?? 0) + missing;
      this.warnings.BLKTRACE_LOST_EVENTS = (this.warnings.BLKTRACE_LOST_EVENTS ?? 0) + missing;
    }
  }

  /** A notify record's sequence. */
  note(s: SeqState, seq: number): void {
    if (seq === 0) return;
    if (seq === s.last + 1 && s.last >= 0) s.last = seq;
    else if (seq > s.last) s.notes.push(seq);
  }

  /** True when any gap was seen. */
  get hasLost(): boolean {
    return Object.keys(this.lost).length > 0;
  }
}
