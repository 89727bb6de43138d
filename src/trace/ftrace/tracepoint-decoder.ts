// Block tracepoint text (trace-formats §3.2) from ftrace `trace`, `trace-cmd report` or
// `perf script` (§3.3) to event columns, one line at a time: the context gives comm, pid, cpu
// and time; the event name picks the body layout (events.ts). Times are made relative to the
// first event (integer ns); tracepoints have no blktrace sequence, so seq is 0.
import { UfqReplayError } from '../../errors.js';
import { CommCache } from '../blkparse/comm-cache.js';
import { CH, Cursor, isDigit, startsWithAscii } from '../blkparse/scan.js';
import { errorFromPrinted, remapOrigin, SECTOR_BYTES } from '../blkparse/tail.js';
import { decodeText, type LineDecoder, type LineReport } from '../blkparse/text-source.js';
import {
  devOf,
  type EventBatch,
  FLAG,
  IOPRIO_CLASS,
  ioprioValue,
  NO_SECTOR,
  type StringTable,
} from '../event.js';
import { FtraceContext } from './context.js';
import { lookupEvent, RQ_COMPLETE, RQ_ERROR, TP, type TracepointEvent } from './events.js';
import { ftraceNonEvent } from './preamble.js';
import { tracepointRwbsOpFlags } from './rwbs.js';

export const TRACEPOINT_REASON = {
  NO_CONTEXT: 'tracepoint: line without an ftrace/trace-cmd/perf context',
  MALFORMED: 'tracepoint: malformed block event body',
  UNKNOWN_BLOCK: 'tracepoint: unknown block event skipped',
  OTHER_EVENT: 'tracepoint: non-block event skipped',
  ERROR_TWIN: 'tracepoint: block_rq_error after its block_rq_complete (same completion) skipped',
  RAW_CLOCK: 'tracepoint: counter trace clock; times are raw counts, not ns',
} as const;

/** CPU slots remembering the last block_rq_complete per CPU (a power of two). */
const CPU_SLOTS = 1024;
/** IOPRIO_CLASS_INVALID (include/uapi/linux/ioprio.h), printed "invalid". */
const IOPRIO_CLASS_INVALID = 7;

/** Decodes block tracepoint lines into rows of a batch (see LineDecoder). */
export class TracepointDecoder implements LineDecoder {
  private readonly comms: CommCache;
  private readonly k = new Cursor();
  private readonly ctx = new FtraceContext();
  private genesisNs = Number.NaN;
  private rawClockSeen = false;
  /** Per CPU: the last block event was a block_rq_complete with this dev, sector, bytes, error. */
  private readonly lastComplete = new Float64Array(CPU_SLOTS * 4);
  private readonly lastWasComplete = new Uint8Array(CPU_SLOTS);
  /** Values of the body being parsed (fields instead of an object per line). */
  private opFlags = 0;
  private dev = 0;
  private ioprio = 0;

  constructor(
    strings: StringTable,
    private readonly report: LineReport,
  ) {
    this.comms = new CommCache(strings);
  }

  decodeLine(
    buf: Uint8Array,
    start: number,
    end: number,
    lineNo: number,
    b: EventBatch,
    row: number,
  ): boolean {
    const k = this.k;
    const ctx = this.ctx;
    k.reset(buf, start, end);
    k.spaces();
    if (k.atEnd() || ftraceNonEvent(k, lineNo, this.report)) return false;
    if (!ctx.parse(k) || !ctx.parseEventName(k)) {
      this.report.badLine(TRACEPOINT_REASON.NO_CONTEXT, lineNo, buf, start, end);
      return false;
    }
    const ev = lookupEvent(buf, ctx.eventStart, ctx.eventEnd);
    if (ev === undefined) {
      const block = k.startsWith('block_', ctx.eventStart) || k.startsWith('blk', ctx.eventStart);
      this.report.skip(block ? TRACEPOINT_REASON.UNKNOWN_BLOCK : TRACEPOINT_REASON.OTHER_EVENT, lineNo);
      return false;
    }
    if (ev.layout === TP.SKIP) {
      this.report.skip(ev.skipReason, lineNo);
      return false;
    }
    const pid = ctx.pid;
    const cpu = ctx.cpu;
    // The context's comm is the running task, as blktrace names an event's pid; `<...>` means
    // ftrace forgot it, and then the body's [COMM] (when the event has one) is used instead.
    const unknownComm = ctx.commUnknown(k);
    b.comm[row] = unknownComm ? 0 : this.comms.intern(buf, ctx.commStart, ctx.commEnd, pid);
    k.spaces();
    if (!this.body(k, ev, b, row, unknownComm)) {
      this.report.badLine(TRACEPOINT_REASON.MALFORMED, lineNo, buf, start, end);
      return false;
    }
    const slot = cpu & (CPU_SLOTS - 1);
    if (ev.name === RQ_ERROR && this.isErrorTwin(slot, b, row)) {
      this.lastWasComplete[slot] = 0;
      this.report.skip(TRACEPOINT_REASON.ERROR_TWIN, lineNo);
      return false;
    }
    if (ev.name === RQ_COMPLETE) this.rememberComplete(slot, b, row);
    else this.lastWasComplete[slot] = 0;

    if (ctx.rawClock && !this.rawClockSeen) {
      this.rawClockSeen = true;
      this.report.skip(TRACEPOINT_REASON.RAW_CLOCK, lineNo);
    }
    if (Number.isNaN(this.genesisNs)) this.genesisNs = ctx.timeNs;
    let flags = this.opFlags >> 8;
    if (ev.request && (flags & FLAG.PC) === 0) flags |= FLAG.FS;
    b.timeNs[row] = ctx.timeNs - this.genesisNs;
    b.dev[row] = this.dev;
    b.volume[row] = 0;
    b.cpu[row] = cpu;
    b.seq[row] = 0;
    b.pid[row] = pid;
    b.action[row] = ev.act;
    b.op[row] = this.opFlags & 0xff;
    b.flags[row] = flags;
    b.ioprio[row] = this.ioprio;
    return true;
  }

  /** decodeLine for a line given as a string. */
  decode(line: string, lineNo: number, b: EventBatch, row: number): boolean {
    return decodeText(this, line, lineNo, b, row);
  }

  finish(): void {}

  noEvents(file: string): UfqReplayError {
    return new UfqReplayError('FTRACE_NO_EVENTS', 'no block tracepoint events', {
      file,
      line: this.report.firstBadLine,
      hint:
        'expected ftrace `trace`, `trace-cmd report` or `perf script` output with events/block/* enabled ' +
        '(block_bio_queue, block_rq_issue, block_rq_complete, ...)',
    });
  }

  /** Parses the event body at the cursor into the row and this.opFlags/dev/ioprio. */
  private body(k: Cursor, ev: TracepointEvent, b: EventBatch, row: number, nameFromBody: boolean): boolean {
    this.opFlags = 0xff; // OP.NONE, no flags: plug and unplug carry no operation
    this.dev = 0;
    this.ioprio = 0;
    b.sector[row] = NO_SECTOR;
    b.bytes[row] = 0;
    b.error[row] = 0;
    b.aux[row] = 0;
    b.auxDev[row] = 0;
    switch (ev.layout) {
      case TP.PLUG:
        return this.name(k, k.n, b, row, nameFromBody);
      case TP.UNPLUG: {
        const e = k.trimmedEnd();
        let d = e;
        while (d > k.p && isDigit(k.s[d - 1])) d--;
        if (d === e) return false;
        const from = k.p;
        k.p = d;
        b.aux[row] = k.uint();
        k.p = from;
        return this.name(k, d, b, row, nameFromBody);
      }
    }
    if (!this.devRwbs(k)) return false;
    switch (ev.layout) {
      case TP.BIO:
        return this.range(k, b, row) && this.name(k, k.n, b, row, nameFromBody);
      case TP.BIO_ERR:
        return this.range(k, b, row) && this.err(k, b, row);
      case TP.RQ: {
        const bytes = k.uint();
        if (k.digits === 0) return false;
        k.spaces();
        if (!skipCmd(k) || !this.range(k, b, row)) return false;
        // Current kernels print the request's byte length; old ones printed it only for
        // passthrough requests, whose sector and length print as 0 (block.h block_rq).
        if (bytes > 0) {
          if (b.bytes[row] === 0) this.opFlags |= FLAG.PC << 8;
          b.bytes[row] = bytes;
        }
        return this.prio(k) && this.name(k, k.n, b, row, nameFromBody);
      }
      case TP.RQ_ERR:
        return skipCmd(k) && this.range(k, b, row) && this.prio(k) && this.err(k, b, row);
      case TP.SPLIT: {
        const sector = k.uint();
        if (k.digits === 0) return false;
        b.sector[row] = sector;
        k.spaces();
        if (!k.eat(CH.SLASH)) return false;
        k.spaces();
        const split = k.uint();
        if (k.digits === 0) return false;
        b.aux[row] = split;
        k.spaces();
        return this.name(k, k.n, b, row, nameFromBody);
      }
      case TP.REMAP:
        if (!this.range(k, b, row) || !remapOrigin(k, b, row)) return false;
        k.uint(); // NR_BIOS, printed by block_rq_remap only
        k.spaces();
        return k.atEnd();
      default:
        return false;
    }
  }

  /** `maj,min RWBS ` at the cursor. */
  private devRwbs(k: Cursor): boolean {
    const major = k.uint();
    if (k.digits === 0 || !k.eat(CH.COMMA)) return false;
    const minor = k.uint();
    if (k.digits === 0) return false;
    this.dev = devOf(major, minor);
    k.spaces();
    const from = k.p;
    k.token();
    const opFlags = tracepointRwbsOpFlags(k.s, from, k.p);
    if (opFlags < 0) return false;
    this.opFlags = opFlags;
    k.spaces();
    return true;
  }

  /** `SECTOR + NSECT` into sector and bytes; the all-ones flush sector becomes NO_SECTOR. */
  private range(k: Cursor, b: EventBatch, row: number): boolean {
    const sector = k.uint();
    if (k.digits === 0) return false;
    b.sector[row] = k.wasAllOnes() ? NO_SECTOR : sector;
    k.spaces();
    if (!k.eat(CH.PLUS)) return false;
    k.spaces();
    const nsect = k.uint();
    if (k.digits === 0) return false;
    b.bytes[row] = nsect * SECTOR_BYTES;
    k.spaces();
    return true;
  }

  /** The optional `class,hint,level` group (kernels from 6.10 on; older ones: ioprio 0). */
  private prio(k: Cursor): boolean {
    if (k.at() === CH.LBRACKET) return true;
    const s = k.s;
    const from = k.p;
    while (k.p < k.n && s[k.p] !== CH.COMMA) k.p++;
    const cls = prioClass(s, from, k.p);
    if (cls < 0 || !k.eat(CH.COMMA)) return false;
    let level = k.uint();
    if (k.digits === 0) return false;
    let hint = 0;
    if (k.eat(CH.COMMA)) {
      hint = level;
      level = k.uint();
      if (k.digits === 0) return false;
    }
    this.ioprio = ioprioValue(cls, level, hint);
    k.spaces();
    return true;
  }

  /** `[ERR]` ending the line (a negative errno printed with %d). */
  private err(k: Cursor, b: EventBatch, row: number): boolean {
    if (!k.eat(CH.LBRACKET)) return false;
    const v = k.int();
    if (k.digits === 0 || !k.eat(CH.RBRACKET)) return false;
    b.error[row] = errorFromPrinted(v);
    k.spaces();
    return k.atEnd();
  }

  /** `[COMM]` from the cursor to the last ']' before `end`; interned only when `use`. */
  private name(k: Cursor, end: number, b: EventBatch, row: number, use: boolean): boolean {
    const s = k.s;
    let e = end;
    while (e > k.p && s[e - 1] === CH.SPACE) e--;
    if (e - k.p < 2 || s[k.p] !== CH.LBRACKET || s[e - 1] !== CH.RBRACKET) return false;
    if (use) b.comm[row] = this.comms.intern(s, k.p + 1, e - 1, this.ctx.pid);
    return true;
  }

  private rememberComplete(slot: number, b: EventBatch, row: number): void {
    const i = slot * 4;
    this.lastComplete[i] = this.dev;
    this.lastComplete[i + 1] = b.sector[row];
    this.lastComplete[i + 2] = b.bytes[row];
    this.lastComplete[i + 3] = b.error[row];
    this.lastWasComplete[slot] = 1;
  }

  /**
   * block/blk-mq.c blk_update_request traces block_rq_complete and then, for a failed
   * non-passthrough request, block_rq_error with the same arguments on the same CPU: that
   * twin is one completion, not two. A block_rq_error alone (rq_complete not enabled) is a C.
   */
  private isErrorTwin(slot: number, b: EventBatch, row: number): boolean {
    const i = slot * 4;
    return (
      this.lastWasComplete[slot] === 1 &&
      this.lastComplete[i] === this.dev &&
      this.lastComplete[i + 1] === b.sector[row] &&
      this.lastComplete[i + 2] === b.bytes[row] &&
      this.lastComplete[i + 3] === b.error[row]
    );
  }
}

/** Skips `(CMD)` at the cursor (empty today; a hex dump with blanks in very old kernels). */
function skipCmd(k: Cursor): boolean {
  if (k.at() !== CH.LPAREN) return false;
  const close = k.indexOf(CH.RPAREN, k.p + 1);
  if (close < 0) return false;
  k.p = close + 1;
  k.spaces();
  return true;
}

/** IOPRIO class of the name s[start, end) (block.h IOPRIO_CLASS_STRINGS), or -1. */
function prioClass(s: Uint8Array, start: number, end: number): number {
  switch (end - start) {
    case 2:
      if (startsWithAscii(s, start, end, 'rt')) return IOPRIO_CLASS.RT;
      if (startsWithAscii(s, start, end, 'be')) return IOPRIO_CLASS.BE;
      return -1;
    case 4:
      if (startsWithAscii(s, start, end, 'none')) return IOPRIO_CLASS.NONE;
      if (startsWithAscii(s, start, end, 'idle')) return IOPRIO_CLASS.IDLE;
      return -1;
    case 7:
      return startsWithAscii(s, start, end, 'invalid') ? IOPRIO_CLASS_INVALID : -1;
    default:
      return -1;
  }
}
