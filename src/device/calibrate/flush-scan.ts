// What the paired I/O table cannot say about flushes: pairing ignores zero-byte events
// (btt does), so an empty FLUSH's D and C, and the FUA bit of a dispatched write, are read
// from the event stream here (devices-metrics §2.5 step 4). Flushes of one device complete
// in the order they were issued (blk-flush keeps one flush in flight per queue), so D and C
// pair first-in first-out.
import { ACT, type EventBatch, FLAG, OP } from '../../trace/event.js';

/** What a trace shows about the device's cache: flush service times and FUA support. */
export interface FlushObservations {
  /** D→C of each empty FLUSH, ns, of the device with the most. */
  flushD2cNs: number[];
  /** Writes dispatched with FUA (the device honours FUA: blk-flush strips it otherwise). */
  fuaWrites: number;
  /** Data requests flagged PREFLUSH or FUA, or empty flushes: the device reports a volatile cache. */
  cacheEvidence: number;
}

export class FlushScanner {
  /** Pending flush D times per device. */
  private readonly pending = new Map<number, number[]>();
  private readonly done = new Map<number, number[]>();
  private fua = 0;
  private evidence = 0;

  observe(b: EventBatch): void {
    for (let i = 0; i < b.length; i++) {
      const act = b.action[i];
      if (act !== ACT.D && act !== ACT.C && act !== ACT.Q) continue;
      const op = b.op[i];
      const flags = b.flags[i];
      if (act === ACT.Q) {
        if ((flags & (FLAG.FUA | FLAG.PREFLUSH)) !== 0) this.evidence++;
        continue;
      }
      if (act === ACT.D && op === OP.WRITE && (flags & FLAG.FUA) !== 0) this.fua++;
      if (op !== OP.FLUSH || b.bytes[i] !== 0) continue;
      const dev = b.dev[i];
      let q = this.pending.get(dev);
      if (!q) {
        q = [];
        this.pending.set(dev, q);
      }
      if (act === ACT.D) {
        q.push(b.timeNs[i]);
        this.evidence++;
      } else if (q.length > 0) {
        const d = q.shift() as number;
        let out = this.done.get(dev);
        if (!out) {
          out = [];
          this.done.set(dev, out);
        }
        out.push(b.timeNs[i] - d);
      }
    }
  }

  result(): FlushObservations {
    let best: number[] = [];
    for (const v of this.done.values()) if (v.length > best.length) best = v;
    return { flushD2cNs: best, fuaWrites: this.fua, cacheEvidence: this.evidence };
  }
}
