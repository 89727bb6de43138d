// Pairs trace events into I/Os the way btt does (trace-formats §4.1-4.2), filling an IoTable
// (one row per Q with bytes) and btt's figures in the same single pass.
// Per device, pending Qs live in a SectorTree keyed by start sector, with btt's rules:
// a Q replaces a pending Q with the same start, G/S/I/M find the Q whose span contains
// their sector, D stamps every pending Q inside its span, C completes (and frees) every
// pending Q inside its span, R counts as a Q for the merge ratio, A finds the volume's Q
// for Q2A. Events before a device's first Q or A are culled, zero-byte Q/G/S/I/M/D/C are
// ignored, passthrough events are skipped, and every delta is at least 1 ns. Unlike btt,
// cgroup-flagged events are paired (the reader has masked the flag), and a bio's row also
// records its merge head, requeue count, error and I/O priority. The zero-byte Q/G/D/C of
// empty flushes, and the empty-flush rows of an I/O table read back, go to flush-pairs.ts,
// a table of their own. See docs/metrics.md.
import { BTT, BttAccumulator, type BttStats, DeviceCounts, isRemapperDev } from './btt.js';
import {
  ACT,
  countWarning,
  type EventBatch,
  FLAG,
  type StringTable,
  type TraceInfo,
  type TraceSource,
  type WarningCounts,
} from './event.js';
import { FlushPairer, isPairedEmptyFlush } from './flush-pairs.js';
import { type IoTable, IoTableBuilder, NONE as NO_TIME } from './io-table.js';
import { applyIoprioRules, type IoprioRule } from './ioprio-rules.js';
import { NIL, SectorTree } from './sector-tree.js';
import { emptyPieceRequests, type PieceRequests, pushPieceRequest, SplitPieces } from './split-pieces.js';

export interface PairOptions {
  /** Priorities for I/Os whose trace recorded none (ioprio-rules.ts). */
  ioprioRules?: IoprioRule[];
}

export interface PairResult {
  ios: IoTable;
  /** Empty flushes (fsync's cache flush), one row each in Q order (flush-pairs.ts); btt leaves them out. */
  flushes: IoTable;
  strings: StringTable;
  btt: BttStats;
  /** Events that could not be paired, by reason (the reader's own skips are in info.warnings). */
  warnings: WarningCounts;
  info: TraceInfo;
  /** The pieces of split bios, each a request the device served (split-pieces.ts); length 0 without splits. */
  pieces: PieceRequests;
  /** Where the kernel split each split bio: row -> cut sectors, ascending (its X events). */
  splits: Map<number, number[]>;
}

/** Reasons counted in PairResult.warnings. Every Q row without a C is in one of the first two. */
export const PAIR_WARNING = {
  Q_NEVER_COMPLETED: 'Q never completed',
  Q_REPLACED: 'Q replaced by a later Q at the same start sector (not paired, as btt)',
  CULLED: 'event before the first Q on its device (I/O in flight at trace start)',
  G_WITHOUT_Q: 'G without Q',
  S_WITHOUT_Q: 'S without Q',
  I_WITHOUT_Q: 'I without Q',
  M_WITHOUT_Q: 'M without Q',
  D_WITHOUT_Q: 'D without Q',
  C_WITHOUT_Q: 'C without Q',
  R_WITHOUT_Q: 'R without Q',
  A_WITHOUT_Q: 'A without Q',
  X_WITHOUT_Q: 'X (split) without Q',
  IO_WITHOUT_LATENCY: 'I/O without a completion time',
} as const;

/** Reads every batch of `source` once and pairs its events. */
export async function pairEvents(source: TraceSource, options: PairOptions = {}): Promise<PairResult> {
  const pairer = new Pairer(source.eventsHint);
  for await (const batch of source.batches()) {
    pairer.push(batch);
    source.recycle?.(batch);
  }
  const { ios, flushes, btt, warnings, pieces, splits } = pairer.finish();
  if (options.ioprioRules && options.ioprioRules.length > 0) {
    applyIoprioRules(ios, source.strings, options.ioprioRules);
    applyIoprioRules(flushes, source.strings, options.ioprioRules);
  }
  return { ios, flushes, strings: source.strings, btt, warnings, info: source.info, pieces, splits };
}

/** What btt keeps per device (btt/devs.c d_info), reduced to what pairing needs. */
class DeviceState {
  readonly tree = new SectorTree();
  readonly counts: DeviceCounts;
  readonly remapper: boolean;
  /** Pieces of split bios (made at the first X on the device). */
  pieces: SplitPieces | undefined;
  /** btt/devs.c dip_add: events are dropped until the first Q or A on the device. */
  culling = true;

  constructor(dev: number) {
    this.counts = new DeviceCounts(dev);
    this.remapper = isRemapperDev(dev);
  }
}

/** btt/inlines.h tdelta: a later time minus an earlier one, at least 1 ns. */
function tdelta(from: number, to: number): number {
  return from < to ? to - from : 1;
}

/** Sectors a span covers: btt's BIT_END uses bytes >> 9. */
function spanEnd(sector: number, bytes: number): number {
  return sector + Math.floor(bytes / 512);
}

/**
 * Rows to make room for per expected event: a Q is at most about a third of a trace's events
 * (Q G I D C for a lone bio; Q M for a merged one, with the request's own G I D C P U), so a
 * half leaves margin; beyond it the table grows by copying.
 */
const ROWS_PER_EVENT = 0.5;
/** Largest up-front table, rows (~1.6 GB of address space at 96 bytes a row). */
const MAX_PRESIZED_ROWS = 1 << 24;
/** lastQNs before the first Q: a fraction, so that the field is a double from the start (double-field.ts). */
const NO_Q_YET = -0.5;
/** Rows of a table without a size hint (it grows by doubling). */
const DEFAULT_ROWS = 4096;

/** The incremental pairing core: push batches in time order, then finish once. */
export class Pairer {
  private readonly builder: IoTableBuilder;
  /** The builder's current table (replaced when it grows). */
  private io: IoTable;
  private readonly acc = new BttAccumulator();
  private readonly devices = new Map<number, DeviceState>();
  private cachedDev = -1;
  private cachedState: DeviceState | undefined;
  /** btt's global last_q: the previous linked Q on any device; negative = none yet (NO_Q_YET). */
  private lastQNs = NO_Q_YET;
  readonly warnings: WarningCounts = {};
  /** Completed pieces of split bios. */
  private pieces = emptyPieceRequests();
  /** Cut sectors of each split bio, by row. */
  private readonly splits = new Map<number, number[]>();
  /** Empty flushes, from the zero-byte events btt ignores. */
  private readonly flushes = new FlushPairer(this.warnings);

  /** `eventsHint`: about how many events will be pushed (TraceSource.eventsHint), to size the table once. */
  constructor(eventsHint?: number) {
    const rows =
      eventsHint === undefined
        ? DEFAULT_ROWS
        : Math.min(MAX_PRESIZED_ROWS, Math.ceil(eventsHint * ROWS_PER_EVENT));
    this.builder = new IoTableBuilder(Math.max(DEFAULT_ROWS, rows));
    this.io = this.builder.table;
  }

  push(b: EventBatch): void {
    const action = b.action;
    const flags = b.flags;
    const bytes = b.bytes;
    for (let i = 0; i < b.length; i++) {
      // btt/trace.c add_trace: passthrough requests are not analysed.
      if ((flags[i] & FLAG.PC) !== 0) continue;
      switch (action[i]) {
        case ACT.Q:
          if (bytes[i] > 0) this.queue(b, i);
          else this.flushes.queue(b, i);
          break;
        case ACT.G:
          if (bytes[i] > 0) this.findQ(b, i);
          else this.flushes.getRequest(b, i, this.dataLive(b.dev[i]));
          break;
        case ACT.S:
        case ACT.I:
        case ACT.M:
        case ACT.F:
          if (bytes[i] > 0) this.findQ(b, i);
          break;
        case ACT.D:
          if (bytes[i] > 0) this.issue(b, i);
          else this.flushes.issue(b, i);
          break;
        case ACT.C:
          if (bytes[i] > 0) this.complete(b, i);
          else this.flushes.complete(b, i, this.dataLive(b.dev[i]));
          break;
        case ACT.R:
          this.requeue(b, i);
          break;
        case ACT.A:
          this.remap(b, i);
          break;
        case ACT.X:
          this.split(b, i);
          break;
        case ACT.IO:
          // An I/O table's empty-flush rows (convert --ios) go back to the flush table.
          if (isPairedEmptyFlush(bytes[i], flags[i])) this.flushes.pairedIo(b, i);
          else this.pairedIo(b, i);
          break;
        default:
          // P/U/UT, X, B, ABORT, DRV and messages do not pair (btt/trace.c __add_trace).
          break;
      }
    }
  }

  /** Final table and figures; counts every Q still pending. Call once. */
  finish(): {
    ios: IoTable;
    flushes: IoTable;
    btt: BttStats;
    warnings: WarningCounts;
    pieces: PieceRequests;
    splits: Map<number, number[]>;
  } {
    for (const ds of this.devices.values()) {
      // A split bio completed through its pieces stays pending for btt, but not here.
      let open = ds.tree.size;
      if (ds.pieces !== undefined)
        ds.tree.forEach((n) => {
          if (this.io.tC[ds.tree.valueOf(n)] !== NO_TIME) open--;
        });
      if (open > 0) countWarning(this.warnings, PAIR_WARNING.Q_NEVER_COMPLETED, open);
    }
    const devices: DeviceCounts[] = [];
    for (const ds of this.devices.values()) devices.push(ds.counts);
    return {
      ios: this.builder.finish(),
      flushes: this.flushes.finish(),
      btt: this.acc.result(devices),
      warnings: this.warnings,
      pieces: this.pieces,
      splits: this.splits,
    };
  }

  private device(dev: number): DeviceState {
    if (dev === this.cachedDev && this.cachedState) return this.cachedState;
    let ds = this.devices.get(dev);
    if (!ds) {
      ds = new DeviceState(dev);
      this.devices.set(dev, ds);
    }
    this.cachedDev = dev;
    this.cachedState = ds;
    return ds;
  }

  /** Whether the data path has seen a Q or A on `dev` (without making a device btt would count). */
  private dataLive(dev: number): boolean {
    const ds = this.devices.get(dev);
    return ds !== undefined && !ds.culling;
  }

  /** The device of event i, or undefined (and counted) while the device is still culled. */
  private liveDevice(b: EventBatch, i: number): DeviceState | undefined {
    const ds = this.device(b.dev[i]);
    if (ds.culling) {
      countWarning(this.warnings, PAIR_WARNING.CULLED);
      return undefined;
    }
    return ds;
  }

  private newRow(b: EventBatch, i: number): number {
    const row = this.builder.push();
    if (this.builder.table !== this.io) this.io = this.builder.table;
    const t = this.io;
    t.tQ[row] = b.timeNs[i];
    t.dev[row] = b.dev[i];
    t.op[row] = b.op[i];
    t.flags[row] = b.flags[i];
    t.sector[row] = b.sector[i];
    t.bytes[row] = b.bytes[i];
    t.pid[row] = b.pid[i];
    t.comm[row] = b.comm[i];
    t.cpu[row] = b.cpu[i];
    // A new row's columns are zero: columns that are usually 0 are left unwritten then, so
    // that their pages of a large table are never touched (and never faulted in).
    const volume = b.volume[i];
    if (volume !== 0) t.volume[row] = volume;
    const prio = b.ioprio[i];
    if (prio !== 0) t.ioprio[row] = prio;
    return row;
  }

  // btt/trace_queue.c handle_queue: every Q with bytes becomes pending; at a sector where a Q
  // is already pending, the new one takes its place (btt/dip_rb.c rb_insert).
  private queue(b: EventBatch, i: number): void {
    const ds = this.device(b.dev[i]);
    ds.culling = false;
    const row = this.newRow(b, i);
    const sector = b.sector[i];
    ds.tree.insert(sector, spanEnd(sector, b.bytes[i]), row);
    // (A split bio completed through its pieces is not lost when a new Q takes its place.)
    if (ds.tree.replaced !== NIL && this.io.tC[ds.tree.replaced] === NO_TIME)
      countWarning(this.warnings, PAIR_WARNING.Q_REPLACED);
    const t = b.timeNs[i];
    if (this.lastQNs >= 0) this.acc.add(ds.remapper ? BTT.Q2Qdm : BTT.Q2Q, tdelta(this.lastQNs, t));
    this.lastQNs = t;
    ds.counts.nQs++;
  }

  // btt/trace_im.c handle_g/handle_s/handle_i/handle_m: stamp the Q containing the sector.
  private findQ(b: EventBatch, i: number): void {
    const ds = this.liveDevice(b, i);
    if (!ds) return;
    const act = b.action[i];
    const node = ds.tree.findContaining(b.sector[i]);
    if (node === NIL) {
      countWarning(this.warnings, withoutQ(act));
      return;
    }
    const row = ds.tree.valueOf(node);
    const t = b.timeNs[i];
    const io = this.io;
    switch (act) {
      case ACT.G: {
        io.tG[row] = t;
        this.acc.add(BTT.Q2G, tdelta(io.tQ[row], t));
        const sNs = ds.tree.extraOf(node);
        // btt keeps 0 for "no S seen"
        if (sNs !== 0) this.acc.add(BTT.S2G, tdelta(sNs, t));
        break;
      }
      case ACT.S:
        ds.tree.setExtra(node, t);
        break;
      case ACT.I:
        io.tI[row] = t;
        if (io.tG[row] !== NO_TIME) this.acc.add(BTT.G2I, tdelta(io.tG[row], t));
        if (b.ioprio[i] !== 0) io.ioprio[row] = b.ioprio[i];
        break;
      default:
        io.tM[row] = t;
        this.acc.add(BTT.Q2M, tdelta(io.tQ[row], t));
        if (b.ioprio[i] !== 0) io.ioprio[row] = b.ioprio[i];
        break;
    }
  }

  // btt/trace_issue.c handle_issue: every pending Q inside the D's span is issued now.
  private issue(b: EventBatch, i: number): void {
    const ds = this.liveDevice(b, i);
    if (!ds) return;
    ds.counts.nDs++;
    const sector = b.sector[i];
    const tree = ds.tree;
    const k = tree.collectInside(sector, spanEnd(sector, b.bytes[i]));
    const pieces = ds.pieces !== undefined && ds.pieces.size > 0 ? this.issuePieces(ds.pieces, b, i) : 0;
    if (k === 0) {
      if (pieces === 0) countWarning(this.warnings, PAIR_WARNING.D_WITHOUT_Q);
      return;
    }
    const t = b.timeNs[i];
    const io = this.io;
    const prio = b.ioprio[i];
    // The request's head bio: the covered Q with the lowest start (normally the D's sector).
    let head = tree.hits[0];
    for (let j = 1; j < k; j++) if (tree.startOf(tree.hits[j]) < tree.startOf(head)) head = tree.hits[j];
    const headRow = tree.valueOf(head);
    for (let j = 0; j < k; j++) {
      const row = tree.valueOf(tree.hits[j]);
      if (io.tI[row] !== NO_TIME) this.acc.add(BTT.I2D, tdelta(io.tI[row], t));
      else if (io.tM[row] !== NO_TIME) this.acc.add(BTT.M2D, tdelta(io.tM[row], t));
      io.tD[row] = t;
      if (prio !== 0) io.ioprio[row] = prio;
      if (row !== headRow) io.mergedInto[row] = headRow;
    }
  }

  // btt/trace_complete.c handle_complete: every pending Q inside the C's span completes.
  private complete(b: EventBatch, i: number): void {
    const ds = this.liveDevice(b, i);
    if (!ds) return;
    ds.counts.addCompletion(b.bytes[i]);
    const sector = b.sector[i];
    const tree = ds.tree;
    const k = tree.collectInside(sector, spanEnd(sector, b.bytes[i]));
    const pieces = ds.pieces !== undefined && ds.pieces.size > 0 ? this.completePieces(ds.pieces, b, i) : 0;
    if (k === 0) {
      if (pieces === 0) countWarning(this.warnings, PAIR_WARNING.C_WITHOUT_Q);
      return;
    }
    const t = b.timeNs[i];
    const io = this.io;
    const prio = b.ioprio[i];
    const q2c = ds.remapper ? BTT.Q2Cdm : BTT.Q2C;
    const error = b.error[i];
    for (let j = 0; j < k; j++) {
      const node = tree.hits[j];
      const row = tree.valueOf(node);
      this.acc.add(q2c, tdelta(io.tQ[row], t));
      if (io.tD[row] !== NO_TIME) this.acc.add(BTT.D2C, tdelta(io.tD[row], t));
      io.tC[row] = t;
      // Zero until completed: a zero error stays unwritten (see newRow).
      if (error !== 0) io.error[row] = error;
      if (prio !== 0) io.ioprio[row] = prio;
    }
    // Freed after the walk: the hits buffer is not touched by removal.
    for (let j = 0; j < k; j++) tree.remove(tree.hits[j]);
  }

  /** X: the bio at `sector` was split at `aux` (trace-formats §1.8); its row now completes piece by piece. */
  private split(b: EventBatch, i: number): void {
    const ds = this.liveDevice(b, i);
    if (!ds) return;
    const start = b.sector[i];
    const at = b.aux[i];
    ds.pieces ??= new SplitPieces();
    const pieces = ds.pieces;
    // The rest of a bio split before, else the pending Q whose span holds the sector.
    const piece = pieces.pieceAt(start);
    let row: number;
    let end: number;
    if (piece !== NIL) {
      row = pieces.tree.valueOf(piece);
      end = pieces.tree.endOf(piece);
    } else {
      const q = ds.tree.findContaining(start);
      if (q === NIL) {
        countWarning(this.warnings, PAIR_WARNING.X_WITHOUT_Q);
        return;
      }
      row = ds.tree.valueOf(q);
      end = ds.tree.endOf(q);
    }
    if (!(at > start && at < end)) {
      countWarning(this.warnings, PAIR_WARNING.X_WITHOUT_Q);
      return;
    }
    pieces.split(row, start, end, at);
    this.io.flags[row] |= FLAG.SPLIT;
    const cuts = this.splits.get(row);
    if (cuts === undefined) this.splits.set(row, [at]);
    else {
      // Usually each cut is past the last (the rest is split again); keep them ascending.
      cuts.push(at);
      if (cuts.length > 1 && cuts[cuts.length - 2] > at) cuts.sort((x, y) => x - y);
    }
  }

  /** A D over pieces of split bios: a bio is issued when its first piece is. Returns the pieces found. */
  private issuePieces(pieces: SplitPieces, b: EventBatch, i: number): number {
    const sector = b.sector[i];
    const k = pieces.tree.collectInside(sector, spanEnd(sector, b.bytes[i]));
    const t = b.timeNs[i];
    const io = this.io;
    for (let j = 0; j < k; j++) {
      const node = pieces.tree.hits[j];
      const row = pieces.tree.valueOf(node);
      if (io.tD[row] === NO_TIME || t < io.tD[row]) io.tD[row] = t;
      // The piece's own D (a requeued piece is issued again: the last D counts, as for a bio).
      pieces.tree.setExtra(node, t);
    }
    return k;
  }

  /** A C over pieces of split bios: a bio completes with its last piece. Returns the pieces found. */
  private completePieces(pieces: SplitPieces, b: EventBatch, i: number): number {
    const sector = b.sector[i];
    const tree = pieces.tree;
    const k = tree.collectInside(sector, spanEnd(sector, b.bytes[i]));
    const t = b.timeNs[i];
    const io = this.io;
    const error = b.error[i];
    for (let j = 0; j < k; j++) {
      const node = tree.hits[j];
      const row = tree.valueOf(node);
      const issued = tree.extraOf(node);
      if (issued !== 0)
        this.pieces = pushPieceRequest(
          this.pieces,
          b.dev[i],
          issued,
          t,
          tree.startOf(node),
          (tree.endOf(node) - tree.startOf(node)) * 512,
          row,
        );
      // bio_endio of the parent: the first piece's error stays (block/bio.c bio_chain_endio).
      if (error !== 0 && io.error[row] === 0) io.error[row] = error;
      if (pieces.complete(node)) io.tC[row] = t;
    }
    return k;
  }

  // btt/trace_requeue.c handle_requeue: only counted (as another Q); a later D re-stamps.
  private requeue(b: EventBatch, i: number): void {
    const ds = this.liveDevice(b, i);
    if (!ds) return;
    ds.counts.nQs++;
    const sector = b.sector[i];
    const tree = ds.tree;
    const k = tree.collectInside(sector, spanEnd(sector, b.bytes[i]));
    const io = this.io;
    let issued = 0;
    for (let j = 0; j < k; j++) {
      const row = tree.valueOf(tree.hits[j]);
      if (io.tD[row] === NO_TIME) continue;
      io.requeues[row]++;
      issued++;
    }
    if (issued === 0) countWarning(this.warnings, PAIR_WARNING.R_WITHOUT_Q);
  }

  // btt/trace_remap.c: Q2A from the volume's Q (origin device and sector in auxDev/aux).
  private remap(b: EventBatch, i: number): void {
    const ds = this.device(b.dev[i]);
    ds.culling = false;
    const volume = this.devices.get(b.auxDev[i]);
    const node = volume ? volume.tree.findContaining(b.aux[i]) : NIL;
    if (!volume || node === NIL) {
      countWarning(this.warnings, PAIR_WARNING.A_WITHOUT_Q);
      return;
    }
    const row = volume.tree.valueOf(node);
    this.acc.add(volume.remapper ? BTT.Q2Adm : BTT.Q2A, tdelta(this.io.tQ[row], b.timeNs[i]));
  }

  /** An I/O already paired by its source (CSV, iolog): aux holds its latency or -1. */
  private pairedIo(b: EventBatch, i: number): void {
    const row = this.newRow(b, i);
    const t = b.timeNs[i];
    if (this.lastQNs >= 0) this.acc.add(BTT.Q2Q, tdelta(this.lastQNs, t));
    this.lastQNs = t;
    const latencyNs = b.aux[i];
    if (latencyNs < 0) {
      countWarning(this.warnings, PAIR_WARNING.IO_WITHOUT_LATENCY);
      return;
    }
    const io = this.io;
    io.tC[row] = t + latencyNs;
    io.error[row] = b.error[i];
    this.acc.add(BTT.Q2C, Math.max(1, latencyNs));
  }
}

function withoutQ(act: number): string {
  switch (act) {
    case ACT.G:
      return PAIR_WARNING.G_WITHOUT_Q;
    case ACT.S:
      return PAIR_WARNING.S_WITHOUT_Q;
    case ACT.I:
      return PAIR_WARNING.I_WITHOUT_Q;
    default:
      return PAIR_WARNING.M_WITHOUT_Q;
  }
}
