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
  /**
   * For each of those flushes: whether a data write was dispatched to the device since the
   * flush before it (the device then had written data to make durable, which the flush time
   * includes; the model charges that drain itself, ssd.ts flush).
   */
  flushAfterWrite: boolean[];
  /** Writes dispatched with FUA (the device honours FUA: blk-flush strips it otherwise). */
  fuaWrites: number;
  /** Data requests flagged PREFLUSH or FUA, or empty flushes: the device reports a volatile cache. */
  cacheEvidence: number;
}

export class FlushScanner {
  /** Pending flush D times per device, and whether each followed a write. */
  private readonly pending = new Map<number, { d: number; afterWrite: boolean }[]>();
  private readonly done = new Map<number, { d2c: number; afterWrite: boolean }[]>();
  /** Devices with a data write dispatched since their last flush D. */
  private readonly wrote = new Set<number>();
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
      if (act === ACT.D && op === OP.WRITE && b.bytes[i] > 0) this.wrote.add(b.dev[i]);
      if (op !== OP.FLUSH || b.bytes[i] !== 0) continue;
      const dev = b.dev[i];
      let q = this.pending.get(dev);
      if (!q) {
        q = [];
        this.pending.set(dev, q);
      }
      if (act === ACT.D) {
        q.push({ d: b.timeNs[i], afterWrite: this.wrote.delete(dev) });
        this.evidence++;
      } else if (q.length > 0) {
        const { d, afterWrite } = q.shift() as { d: number; afterWrite: boolean };
        let out = this.done.get(dev);
        if (!out) {
          out = [];
          this.done.set(dev, out);
        }
        out.push({ d2c: b.timeNs[i] - d, afterWrite });
      }
    }
  }

  result(): FlushObservations {
    let best: { d2c: number; afterWrite: boolean }[] = [];
    for (const v of this.done.values()) if (v.length > best.length) best = v;
    return {
      flushD2cNs: best.map((f) => f.d2c),
      flushAfterWrite: best.map((f) => f.afterWrite),
      fuaWrites: this.fua,
      cacheEvidence: this.evidence,
    };
  }
}
