// Pairs empty flushes (an fsync's cache flush: `Q FWS`, a write with PREFLUSH and no data)
// into rows of their own, from the zero-byte events btt ignores (pair.ts hands them here).
// Per device the flush state machine of block/blk-flush.c is followed: requests wait in
// FIFO order, one flush command (`D FN` .. `C FN`) serves every request waiting when it was
// issued, and each served request then ends with its own zero-byte `C WS`. The flush
// commands themselves and the preflushes of data writes make no row here. Not btt: nothing
// here touches btt's figures or the data rows. See docs/metrics.md "Empty flushes".
import { countWarning, type EventBatch, FLAG, NO_SECTOR, OP, type WarningCounts } from './event.js';
import { type IoTable, IoTableBuilder, NONE } from './io-table.js';

/** Reasons counted in PairResult.warnings for empty flushes. */
export const FLUSH_WARNING = {
  NEVER_COMPLETED: 'empty flush never completed',
  G_WITHOUT_Q: 'empty-flush G without Q',
  C_WITHOUT_Q: 'empty-flush C without Q',
  CULLED: 'empty-flush event before the first Q on its device (flush in flight at trace start)',
  OVERLAP: 'flush commands overlapped: several hardware queues; empty flushes paired in arrival order',
} as const;

/** Where a row stands in its device's flush state machine. */
const STAGE = {
  /** Queued (Q), no request yet (G). */
  WAITING: 0,
  /** Has a request, waits for a flush command. */
  QUEUED: 1,
  /** A flush command was issued for it. */
  ISSUED: 2,
  DONE: 3,
} as const;

/** A FIFO of rows with lazy removal: entries whose row left the queue are skipped. */
class RowFifo {
  readonly rows: number[] = [];
  head = 0;
  /** Entries dropped from the front so far: entry j is the FIFO's (base + j)-th. */
  base = 0;

  /** Appends `row`; returns its position, stable across compact(). */
  push(row: number): number {
    this.rows.push(row);
    return this.base + this.rows.length - 1;
  }

  /** Drops the consumed prefix once it is most of the array (amortised O(1)). */
  compact(): void {
    if (this.head > COMPACT_MIN && this.head * 2 > this.rows.length) {
      this.rows.splice(0, this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  /** Empties the FIFO. */
  clear(): void {
    this.base += this.rows.length;
    this.rows.length = 0;
    this.head = 0;
  }
}

/** Consumed entries a FIFO keeps before it compacts (a few hundred bytes: compacting costs a copy). */
const COMPACT_MIN = 64;

/** One device's flush queue, as far as its events show it. */
class FlushDevice {
  /** Rows without a G, in Q order. */
  readonly waiting = new RowFifo();
  /** Rows with a G and no flush command yet, in G order (blk_insert_flush's list_add_tail). */
  readonly queued = new RowFifo();
  /** Rows a flush command was issued for, in the order they complete. */
  readonly issued = new RowFifo();
  /** Rows stamped by the latest `D FN` (a row may be served by the next command instead). */
  lastStamped: number[] = [];
  /** `D FN` and `C FN` seen (done never exceeds issued: a C FN of a command issued before the trace is dropped). */
  commandsIssued = 0;
  commandsDone = 0;
  /** Rows still pending whose Q sector is neither 0 nor none (their C is looked for by sector). */
  oddSectors = 0;
  /** An empty-flush Q was seen: the device is no longer culled for flushes. */
  sawQ = false;
  /** An empty-flush G was seen: from then on only rows with a G take part in a flush command. */
  sawG = false;
  /** Rows a command took before the device showed any G (their G, if it comes, undoes that). */
  readonly stampedWithoutG: number[] = [];
}

/** The sector an empty flush's events carry: 0 and "none" are one key (blkdev_issue_flush's bio has sector 0). */
function sectorKey(sector: number): number {
  return sector === NO_SECTOR ? 0 : sector;
}

/** A zero-byte Q or G that starts or belongs to an empty flush: PREFLUSH set, or the op is FLUSH. */
export function isEmptyFlush(op: number, flags: number): boolean {
  return (flags & FLAG.PREFLUSH) !== 0 || op === OP.FLUSH;
}

/**
 * An already-paired I/O (an ACT.IO event: an I/O table read back) that is an empty flush:
 * no data and PREFLUSH set, as `convert --ios` writes the rows of this table. A zero-byte
 * I/O of op FLUSH without PREFLUSH is not one: fio iolog's `sync` lines read that way, and
 * they stay I/Os (docs/formats.md).
 */
export function isPairedEmptyFlush(bytes: number, flags: number): boolean {
  return bytes === 0 && (flags & FLAG.PREFLUSH) !== 0;
}

/**
 * The pairer of empty flushes: pair.ts calls queue/getRequest/issue/complete for zero-byte
 * Q/G/D/C events in time order (passthrough events already skipped), and pairedIo for the
 * empty flushes of an I/O table read back, then finish once.
 */
export class FlushPairer {
  private readonly builder = new IoTableBuilder(16);
  private readonly devices = new Map<number, FlushDevice>();
  private readonly warnings: WarningCounts;
  /** Per row: the device's command ordinal that stamped it, its stage, its slot in `issued`, its Q sector key. */
  private readonly gen: number[] = [];
  private readonly stage: number[] = [];
  private readonly slot: number[] = [];
  private readonly key: number[] = [];
  private overlapCounted = false;
  /** Scratch for one D FN's rows (reused). */
  private readonly batchRows: number[] = [];

  /** Warnings are counted into `warnings` (PairResult.warnings). */
  constructor(warnings: WarningCounts) {
    this.warnings = warnings;
  }

  private device(dev: number): FlushDevice {
    let fd = this.devices.get(dev);
    if (fd === undefined) {
      fd = new FlushDevice();
      this.devices.set(dev, fd);
    }
    return fd;
  }

  /** A zero-byte Q: an empty flush (block/blk-flush.c blkdev_issue_flush) opens a row. */
  queue(b: EventBatch, i: number): void {
    if (!isEmptyFlush(b.op[i], b.flags[i])) return;
    const fd = this.device(b.dev[i]);
    fd.sawQ = true;
    const row = this.newRow(b, i);
    const k = sectorKey(b.sector[i]);
    this.gen.push(0);
    this.stage.push(STAGE.WAITING);
    this.slot.push(-1);
    this.key.push(k);
    if (k !== 0) fd.oddSectors++;
    fd.waiting.push(row);
  }

  /**
   * A zero-byte G: the empty flush got its request and enters the flush queue
   * (blk-mq.c blk_mq_submit_bio, then blk_insert_flush). The oldest waiting row of the
   * same pid and CPU takes it, else of the same pid, else the oldest.
   */
  getRequest(b: EventBatch, i: number, dataLive: boolean): void {
    if (!isEmptyFlush(b.op[i], b.flags[i])) return;
    const fd = this.devices.get(b.dev[i]);
    if (!(dataLive || fd?.sawQ)) {
      countWarning(this.warnings, FLUSH_WARNING.CULLED);
      return;
    }
    if (fd === undefined) {
      countWarning(this.warnings, FLUSH_WARNING.G_WITHOUT_Q);
      return;
    }
    const t = this.builder.table;
    const w = fd.waiting;
    let row = this.matchG(b, i, w.rows, w.head, w.rows.length, STAGE.WAITING);
    while (w.head < w.rows.length && this.stage[w.rows[w.head]] !== STAGE.WAITING) w.head++;
    w.compact();
    if (row < 0 && fd.stampedWithoutG.length > 0) {
      // The first G on the device, after a command took rows without one: this row's command
      // could not have served it (it had no request yet), so it waits for the next one.
      const late = fd.stampedWithoutG;
      row = this.matchG(b, i, late, 0, late.length, STAGE.ISSUED);
      if (row >= 0) t.tD[row] = NONE;
    }
    fd.stampedWithoutG.length = 0;
    if (row < 0) {
      countWarning(this.warnings, FLUSH_WARNING.G_WITHOUT_Q);
      return;
    }
    fd.sawG = true;
    t.tG[row] = b.timeNs[i];
    this.stage[row] = STAGE.QUEUED;
    fd.queued.push(row);
  }

  /**
   * Among rows[from..to) at `stage` without a G, in order: the first of the G's pid and CPU,
   * else the first of its pid, else the first; -1 when there is none.
   */
  private matchG(b: EventBatch, i: number, rows: number[], from: number, to: number, stage: number): number {
    const t = this.builder.table;
    const pid = b.pid[i];
    const cpu = b.cpu[i];
    let first = -1;
    let samePid = -1;
    for (let j = from; j < to; j++) {
      const row = rows[j];
      if (this.stage[row] !== stage || t.tG[row] !== NONE) continue;
      if (first < 0) first = row;
      if (t.pid[row] !== pid) continue;
      if (t.cpu[row] === cpu) return row;
      if (samePid < 0) samePid = row;
    }
    return samePid >= 0 ? samePid : first;
  }

  /**
   * A zero-byte D. `D FN`, the flush command (blk-flush.c blk_kick_flush), serves every row
   * waiting in the flush queue when it was issued. A row stamped by the previous command
   * and still pending after that command completed was not served by it (it entered the
   * queue after the command was kicked, before its D was traced): this command serves it.
   */
  issue(b: EventBatch, i: number): void {
    if (b.op[i] !== OP.FLUSH) return;
    const fd = this.device(b.dev[i]);
    // blk-flush.c C1: one flush command in flight per flush queue; two at once mean several queues.
    if (fd.commandsIssued > fd.commandsDone && !this.overlapCounted) {
      countWarning(this.warnings, FLUSH_WARNING.OVERLAP);
      this.overlapCounted = true;
    }
    const previous = fd.commandsIssued;
    const previousDone = fd.commandsDone >= previous;
    const ordinal = ++fd.commandsIssued;
    const t = this.builder.table;
    const now = b.timeNs[i];
    const rows = this.batchRows;
    rows.length = 0;
    if (previousDone)
      for (const row of fd.lastStamped)
        if (this.stage[row] === STAGE.ISSUED && this.gen[row] === previous) rows.push(row);
    this.take(fd.queued, STAGE.QUEUED, rows);
    // Without any G on the device (a format that does not record it), a Q is taken as entering the queue.
    if (!fd.sawG) this.take(fd.waiting, STAGE.WAITING, rows);
    if (rows.length === 0) return;
    // The order they will complete in: the order they entered the flush queue (G, else Q).
    const enteredAt = (row: number) => (t.tG[row] !== NONE ? t.tG[row] : t.tQ[row]);
    rows.sort((x, y) => enteredAt(x) - enteredAt(y) || x - y);
    const stamped: number[] = [];
    for (const row of rows) {
      t.tD[row] = now;
      this.gen[row] = ordinal;
      this.stage[row] = STAGE.ISSUED;
      this.slot[row] = fd.issued.push(row);
      stamped.push(row);
      if (!fd.sawG) fd.stampedWithoutG.push(row);
    }
    fd.lastStamped = stamped;
  }

  /** Moves every row still at `stage` out of `fifo` into `out`. */
  private take(fifo: RowFifo, stage: number, out: number[]): void {
    for (let j = fifo.head; j < fifo.rows.length; j++) {
      const row = fifo.rows[j];
      if (this.stage[row] === stage) out.push(row);
    }
    fifo.clear();
  }

  /**
   * A zero-byte C. `C FN` is a flush command's own completion (no row). A zero-byte write
   * completion is an empty flush ending (blk-flush.c blk_flush_complete_seq, REQ_FSEQ_DONE):
   * the row served first by a completed command, else the first with a request, else the
   * first queued, at the same sector. One at another sector ends a data write's flush
   * sequence, whose row completed at its C with data: it is not ours.
   */
  complete(b: EventBatch, i: number, dataLive: boolean): void {
    const op = b.op[i];
    if (op === OP.FLUSH) {
      const fd = this.devices.get(b.dev[i]);
      if (fd !== undefined && fd.commandsDone < fd.commandsIssued) fd.commandsDone++;
      return;
    }
    if (op !== OP.WRITE) return;
    const k = sectorKey(b.sector[i]);
    const fd = this.devices.get(b.dev[i]);
    if (k !== 0 && (fd === undefined || fd.oddSectors === 0)) return;
    if (!(dataLive || fd?.sawQ)) {
      countWarning(this.warnings, FLUSH_WARNING.CULLED);
      return;
    }
    const row = fd === undefined ? -1 : this.firstPending(fd, k);
    if (row < 0) {
      if (k === 0) countWarning(this.warnings, FLUSH_WARNING.C_WITHOUT_Q);
      return;
    }
    const t = this.builder.table;
    t.tC[row] = b.timeNs[i];
    if (b.error[i] !== 0) t.error[row] = b.error[i];
    if (b.ioprio[i] !== 0) t.ioprio[row] = b.ioprio[i];
    this.stage[row] = STAGE.DONE;
    if (this.key[row] !== 0 && fd !== undefined) fd.oddSectors--;
  }

  /** The row an empty-flush completion at sector key `k` ends, or -1. */
  private firstPending(fd: FlushDevice, k: number): number {
    const issued = fd.issued;
    for (let j = issued.head; j < issued.rows.length; j++) {
      const row = issued.rows[j];
      const live = this.stage[row] === STAGE.ISSUED && this.slot[row] === issued.base + j;
      if (!live) {
        if (j === issued.head) issued.head++;
        continue;
      }
      if (this.key[row] === k) {
        if (j === issued.head) issued.head++;
        issued.compact();
        return row;
      }
    }
    issued.compact();
    for (const [fifo, stage] of [
      [fd.queued, STAGE.QUEUED],
      [fd.waiting, STAGE.WAITING],
    ] as const)
      for (let j = fifo.head; j < fifo.rows.length; j++) {
        const row = fifo.rows[j];
        if (this.stage[row] !== stage) {
          if (j === fifo.head) fifo.head++;
          continue;
        }
        if (this.key[row] === k) return row;
      }
    return -1;
  }

  /** A new row for the empty flush of event i: its Q time and the submitter's fields; 0 bytes. */
  private newRow(b: EventBatch, i: number): number {
    const row = this.builder.push();
    const t = this.builder.table;
    t.tQ[row] = b.timeNs[i];
    t.dev[row] = b.dev[i];
    t.volume[row] = b.volume[i];
    t.op[row] = b.op[i];
    t.flags[row] = b.flags[i];
    t.bytes[row] = 0;
    t.pid[row] = b.pid[i];
    t.comm[row] = b.comm[i];
    t.cpu[row] = b.cpu[i];
    t.ioprio[row] = b.ioprio[i];
    return row;
  }

  /**
   * An empty flush already paired by its source (isPairedEmptyFlush: an I/O table's flush
   * row): one row with tQ = its time and tC = tQ + aux, or no tC when aux is -1 (then counted
   * as never completed, as the row was when the table was written). The table keeps no G or
   * D time, so the row has none; it takes no part in the state machine of Q/G/D/C events.
   */
  pairedIo(b: EventBatch, i: number): void {
    const row = this.newRow(b, i);
    const t = this.builder.table;
    const tQ = b.timeNs[i];
    t.error[row] = b.error[i];
    const latencyNs = b.aux[i];
    const done = latencyNs >= 0;
    if (done) t.tC[row] = tQ + latencyNs;
    this.gen.push(0);
    this.stage.push(done ? STAGE.DONE : STAGE.WAITING);
    this.slot.push(-1);
    this.key.push(0);
  }

  /** The rows, in Q order; counts those never completed. Call once. */
  finish(): IoTable {
    let open = 0;
    for (let row = 0; row < this.stage.length; row++) if (this.stage[row] !== STAGE.DONE) open++;
    if (open > 0) countWarning(this.warnings, FLUSH_WARNING.NEVER_COMPLETED, open);
    return this.builder.finish();
  }
}
