// blkparse default text (trace-formats §2.1, §2.2) to event columns, one line at a time.
// The line's bytes are walked on whitespace runs (never fixed columns, no regex on events,
// no string made except for new process names): header `maj,min cpu seq secs.nsecs pid act rwbs`, then the action's tail. The
// summary block (§2.5) and blkparse's "Input file" notes are recognised and ignored; anything
// else is counted as a bad line. Custom `-f`/`-F` formats (§2.3) are not parsed.
import { UfqReplayError } from '../../errors.js';
import { ACT, devOf, type EventBatch, FLAG, NO_SECTOR, OP, type StringTable } from '../event.js';
import { actionFromLetters } from './action.js';
import { CommCache } from './comm-cache.js';
import { blkRwbsOpFlags } from './rwbs.js';
import { CH, Cursor, isDigit, isSpace, textOf } from './scan.js';
import { isInputFileNote, isSummaryHeader, isSummaryLabel } from './summary.js';
import { parseBlkTail, TAIL } from './tail.js';
import { decodeText, type LineDecoder, type LineReport } from './text-source.js';

/** Warning reasons (counted in TraceInfo.warnings). */
export const BLKPARSE_REASON = {
  MALFORMED: 'blkparse: malformed event line',
  UNRECOGNISED: 'blkparse: unrecognised line',
} as const;

/** Request-based actions: blktrace marks these FS or PC (trace-formats §1.5). */
export function isRequestAction(act: number): boolean {
  return act === ACT.I || act === ACT.D || act === ACT.R || act === ACT.C;
}

/** Decodes blkparse default-format lines into rows of a batch (see LineDecoder). */
export class BlkparseDecoder implements LineDecoder {
  private readonly comms: CommCache;
  private readonly k = new Cursor();
  /** A summary-header-shaped line waiting for a labelled line to confirm it. */
  private pendingNo = 0;
  private pendingText = '';
  /** Lines that start like an event (`maj,min`) but do not decode: a custom -f format? */
  private eventLike = 0;

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
    k.reset(buf, start, end);
    k.spaces();
    if (k.atEnd()) return false;
    const first = k.p;
    if (isDigit(k.at()) && this.decodeEvent(k, b, row)) {
      if (this.pendingNo !== 0) this.dropPending();
      return true;
    }
    // Not an event: rare (blkparse's notes and summary), so the line becomes a string here.
    const text = textOf(buf, start, end);
    this.nonEvent(text, first - start, lineNo, startsWithDevice(buf, first, end)); // blanks are 1 byte
    return false;
  }

  /** decodeLine for a line given as a string. */
  decode(line: string, lineNo: number, b: EventBatch, row: number): boolean {
    return decodeText(this, line, lineNo, b, row);
  }

  finish(): void {
    if (this.pendingNo !== 0) this.dropPending();
  }

  noEvents(file: string): UfqReplayError {
    const r = this.report;
    const found = r.firstBadText === undefined ? 'no lines' : `first bad line: ${clip(r.firstBadText)}`;
    return new UfqReplayError('BLKPARSE_NO_EVENTS', `no blkparse event lines (${found})`, {
      file,
      line: r.firstBadLine,
      hint:
        this.eventLike > 0
          ? 'the lines look like blkparse output with a custom -f/-F format, which is not read; ' +
            'print the trace again with plain `blkparse -i NAME` (default format) or give the binary NAME.blktrace.* files'
          : 'expected the default output of `blkparse -i NAME` (custom -f/-F formats are not read); ' +
            'check the file, or give --format for another format',
    });
  }

  /** Decodes one event or message line at the cursor; false when it is not one. */
  private decodeEvent(k: Cursor, b: EventBatch, row: number): boolean {
    const major = k.uint();
    if (!k.eat(CH.COMMA)) return false;
    const minor = k.uint();
    if (k.digits === 0 || !isSpace(k.at())) return false;
    k.spaces();
    const cpu = k.uint();
    if (k.digits === 0) return false;
    k.spaces();
    const seq = k.uint();
    if (k.digits === 0) return false;
    k.spaces();
    const timeNs = k.secondsNs();
    if (timeNs < 0) return false;
    k.spaces();
    const pid = k.uint();
    if (k.digits === 0) return false;
    k.spaces();
    let from = k.p;
    k.token();
    let flags = 0;
    if (k.p - from > 2) {
      // `<cg>`: a cgroup id `hex,hex` before the action (messages with the cgroup flag, §2.2).
      flags |= FLAG.CGROUP;
      k.spaces();
      from = k.p;
      k.token();
    }
    const act = actionFromLetters(k.s, from, k.p);
    if (act === 0) return false;
    k.spaces();
    from = k.p;
    k.token();
    const opFlags = blkRwbsOpFlags(k.s, from, k.p);
    if (opFlags < 0) return false;
    flags |= opFlags >> 8;

    if (act === ACT.m) {
      // The text follows the RWBS column and one space, verbatim (§2.2).
      b.sector[row] = NO_SECTOR;
      b.bytes[row] = 0;
      b.error[row] = 0;
      b.aux[row] = 0;
      b.auxDev[row] = 0;
      b.comm[row] = 0;
      b.msg.set(row, k.p < k.n ? k.text(k.p + 1, k.n) : '');
    } else {
      k.spaces();
      const form = parseBlkTail(k, act, b, row, pid, this.comms);
      if (form === TAIL.BAD) return false;
      if (form === TAIL.PC) flags |= FLAG.PC;
      else if (form === TAIL.FS && isRequestAction(act)) flags |= FLAG.FS;
    }
    b.timeNs[row] = timeNs;
    b.dev[row] = devOf(major, minor);
    b.volume[row] = 0;
    b.cpu[row] = cpu;
    b.seq[row] = seq;
    b.pid[row] = pid;
    b.action[row] = act;
    b.op[row] = act === ACT.m ? OP.NONE : opFlags & 0xff;
    b.flags[row] = flags;
    b.ioprio[row] = 0;
    return true;
  }

  /**
   * A line that is not an event: summary text, a note, or garbage (`eventLike`: it starts
   * with a device column). `i` is the index of its first non-blank.
   */
  private nonEvent(s: string, i: number, lineNo: number, eventLike: boolean): void {
    if (isSummaryLabel(s, i)) {
      this.pendingNo = 0;
      return;
    }
    if (isInputFileNote(s, i)) return;
    if (this.pendingNo !== 0) this.dropPending();
    if (isSummaryHeader(s, i)) {
      this.pendingNo = lineNo;
      this.pendingText = s;
      return;
    }
    if (eventLike) this.eventLike++;
    this.report.bad(eventLike ? BLKPARSE_REASON.MALFORMED : BLKPARSE_REASON.UNRECOGNISED, lineNo, s);
  }

  /** The pending header was not followed by a summary line: it was garbage after all. */
  private dropPending(): void {
    this.report.bad(BLKPARSE_REASON.UNRECOGNISED, this.pendingNo, this.pendingText);
    this.pendingNo = 0;
    this.pendingText = '';
  }
}

/** True when buf[start, end) starts with `maj,min` followed by a blank (the device column). */
function startsWithDevice(buf: Uint8Array, start: number, end: number): boolean {
  const k = new Cursor();
  k.reset(buf, start, end);
  k.uint();
  if (k.digits === 0 || !k.eat(CH.COMMA)) return false;
  k.uint();
  return k.digits > 0 && (k.atEnd() || isSpace(k.at()));
}

/** A line shortened for an error message. */
function clip(s: string): string {
  const t = s.trim();
  return JSON.stringify(t.length > 80 ? `${t.slice(0, 77)}...` : t);
}
