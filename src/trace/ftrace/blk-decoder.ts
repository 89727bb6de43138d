// The ftrace `blk` tracer's text (trace-formats §3.1) to event columns, one line at a time.
// Default lines are the ftrace context then `maj,min [cgroup] act rwbs tail`; `blk_classic`
// lines drop the context for `maj,min cpu secs.nsecs pid act rwbs tail`; `verbose` spells the
// action out. Tails are blkparse's (blkparse/tail.ts). There is no sequence number (seq = 0),
// and times are made relative to the first event (integer ns).
import { UfqReplayError } from '../../errors.js';
import { actionFromToken } from '../blkparse/action.js';
import { CommCache } from '../blkparse/comm-cache.js';
import { isRequestAction } from '../blkparse/decoder.js';
import { blkRwbsOpFlags } from '../blkparse/rwbs.js';
import { CH, Cursor, isDigit } from '../blkparse/scan.js';
import { parseBlkTail, TAIL } from '../blkparse/tail.js';
import { decodeText, type LineDecoder, type LineReport } from '../blkparse/text-source.js';
import { ACT, devOf, type EventBatch, FLAG, NO_SECTOR, OP, type StringTable } from '../event.js';
import { FtraceContext } from './context.js';
import { ftraceNonEvent } from './preamble.js';

export const FTRACE_BLK_REASON = {
  NO_CONTEXT: 'ftrace blk: line without an ftrace context or blk_classic header',
  MALFORMED: 'ftrace blk: malformed blk event body',
  UNKNOWN_ACTION: 'ftrace blk: "Unknown action" line skipped',
  RAW_CLOCK: 'ftrace blk: counter trace clock; times are raw counts, not ns',
} as const;

/** Decodes blk tracer lines (default, verbose, blk_classic) into rows of a batch. */
export class FtraceBlkDecoder implements LineDecoder {
  private readonly comms: CommCache;
  private readonly k = new Cursor();
  private readonly ctx = new FtraceContext();
  private genesisNs = Number.NaN;
  private rawClockSeen = false;
  // Header fields of the line being decoded (from the context or the blk_classic columns).
  private pid = 0;
  private cpu = 0;
  private timeNs = 0;

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
    let ok: boolean;
    let contextComm = false;
    if (isDigit(k.at())) {
      ok = this.classicHeader(k, b, row);
    } else {
      ok = ctx.parse(k);
      if (ok) {
        this.pid = ctx.pid;
        this.cpu = ctx.cpu;
        this.timeNs = ctx.timeNs;
        contextComm = !ctx.commUnknown(k);
        if (ctx.rawClock && !this.rawClockSeen) {
          this.rawClockSeen = true;
          this.report.skip(FTRACE_BLK_REASON.RAW_CLOCK, lineNo);
        }
        k.spaces();
        if (k.startsWith('Unknown action')) {
          this.report.skip(FTRACE_BLK_REASON.UNKNOWN_ACTION, lineNo);
          return false;
        }
        ok = this.device(k, b, row);
      }
    }
    if (!ok) {
      this.report.badLine(FTRACE_BLK_REASON.NO_CONTEXT, lineNo, buf, start, end);
      return false;
    }
    const pid = this.pid;
    if (!this.rest(k, b, row, pid)) {
      this.report.badLine(FTRACE_BLK_REASON.MALFORMED, lineNo, buf, start, end);
      return false;
    }
    if (contextComm) b.comm[row] = this.comms.intern(buf, ctx.commStart, ctx.commEnd, pid);
    if (Number.isNaN(this.genesisNs)) this.genesisNs = this.timeNs;
    b.timeNs[row] = this.timeNs - this.genesisNs;
    b.volume[row] = 0;
    b.cpu[row] = this.cpu;
    b.seq[row] = 0;
    b.pid[row] = pid;
    b.ioprio[row] = 0;
    return true;
  }

  /** decodeLine for a line given as a string. */
  decode(line: string, lineNo: number, b: EventBatch, row: number): boolean {
    return decodeText(this, line, lineNo, b, row);
  }

  finish(): void {}

  noEvents(file: string): UfqReplayError {
    return new UfqReplayError('FTRACE_NO_EVENTS', 'no blk tracer events', {
      file,
      line: this.report.firstBadLine,
      hint: 'expected the `trace` file of current_tracer=blk (default, verbose or blk_classic output)',
    });
  }

  /** `maj,min` at the cursor into the dev column. */
  private device(k: Cursor, b: EventBatch, row: number): boolean {
    const major = k.uint();
    if (k.digits === 0 || !k.eat(CH.COMMA)) return false;
    const minor = k.uint();
    if (k.digits === 0) return false;
    b.dev[row] = devOf(major, minor);
    return true;
  }

  /**
   * blk_classic's `maj,min cpu secs.nsecs pid` (kernel/trace/blktrace.c
   * blk_log_action_classic; the time is the ftrace clock in ns).
   */
  private classicHeader(k: Cursor, b: EventBatch, row: number): boolean {
    if (!this.device(k, b, row)) return false;
    k.spaces();
    this.cpu = k.uint();
    if (k.digits === 0) return false;
    k.spaces();
    this.timeNs = k.secondsNs();
    if (this.timeNs < 0) return false;
    k.spaces();
    this.pid = k.uint();
    return k.digits > 0;
  }

  /** `[cgroup] act rwbs tail` after the device column. */
  private rest(k: Cursor, b: EventBatch, row: number, pid: number): boolean {
    k.spaces();
    let from = k.p;
    k.token();
    let act = actionFromToken(k.s, from, k.p);
    let flags = 0;
    if (act === 0) {
      // blk_cgroup: the cgroup id `low,high` (or, with blk_cgname, its path) before the action.
      flags |= FLAG.CGROUP;
      k.spaces();
      from = k.p;
      k.token();
      act = actionFromToken(k.s, from, k.p);
      if (act === 0) return false;
    }
    k.spaces();
    from = k.p;
    k.token();
    const opFlags = blkRwbsOpFlags(k.s, from, k.p);
    if (opFlags < 0) return false;
    flags |= opFlags >> 8;
    b.action[row] = act;
    if (act === ACT.m) {
      b.sector[row] = NO_SECTOR;
      b.bytes[row] = 0;
      b.error[row] = 0;
      b.aux[row] = 0;
      b.auxDev[row] = 0;
      b.comm[row] = 0;
      b.op[row] = OP.NONE;
      b.flags[row] = flags;
      b.msg.set(row, k.p < k.n ? k.text(k.p + 1, k.n) : '');
      return true;
    }
    k.spaces();
    const form = parseBlkTail(k, act, b, row, pid, this.comms);
    if (form === TAIL.BAD) return false;
    if (form === TAIL.PC) flags |= FLAG.PC;
    else if (form === TAIL.FS && isRequestAction(act)) flags |= FLAG.FS;
    b.op[row] = opFlags & 0xff;
    b.flags[row] = flags;
    return true;
  }
}
